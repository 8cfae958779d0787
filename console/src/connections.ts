import type { ConnectionList, ConnectionView, Deleted, Egress, Problem, SecretList } from './api';
import type { Page } from './context';
import { h, type Child } from './dom';
import { defineTexts } from './i18n';
import { failureNote, noteLine as noteLineOf, type Note as NoteOf } from './notes';

// The workspace's connections (issue 20): the brand APIs its cards call by name and path. A list, and a
// form for one (base URL per environment, authentication, client certificate, rate cap) that writes the
// document PUT /admin/connections/{name} takes; the API's problems and warnings are shown at their
// fields. The fixed egress addresses (GET /admin/egress) are shown when there are any.

const tx = defineTexts({
  en: {
    heading: 'Connections',
    intro:
      'A connection names a brand API once: its base URL for production (published flows on channels) and staging (the card Test and the chat simulator), how callcard authenticates, and a rate cap. A card calls it by name and a path. Secrets are named here, set on the Secrets page.',
    egressHeading: 'Where calls come from',
    egressFixed: 'Calls to brands leave from these fixed addresses: give a brand that admits only known callers all of them.',
    egressShared:
      "Calls to brands leave from AWS's shared addresses, which change: a brand cannot allow-list them. Deploy with staticEgress for fixed addresses (docs/DEPLOY.md).",
    loading: 'Loading…',
    listHeading: 'Saved connections',
    none: 'This workspace has no connections yet.',
    colName: 'Name',
    colBase: 'Base URL',
    colAuth: 'Authentication',
    colCap: 'Rate cap',
    colWarnings: 'Warnings',
    colActions: 'Actions',
    staging: 'staging',
    perSecond: '{n}/s',
    inFlight: '{n} at once',
    noCap: 'none',
    noWarnings: 'none',
    edit: 'Edit',
    editLabel: 'Edit connection {name}',
    remove: 'Delete',
    removeLabel: 'Delete connection {name}',
    confirmDelete: 'Delete connection {name}? Cards that call it fail until it exists again.',
    deleted: 'Connection {name} deleted.',
    newHeading: 'New connection',
    editHeading: 'Edit connection {name}',
    startNew: 'New connection',
    name: 'Name',
    nameHint: 'What cards write as their connection: lowercase letters, digits, _ or -, starting with a letter (brand_api).',
    description: 'Description (optional)',
    baseUrl: 'Base URL',
    baseUrlHint:
      "https, with the API's path prefix if it has one (https://api.brand.example/v1); a card's path is added to it. Without a staging URL, staging calls production.",
    production: '{what} (production)',
    stagingOptional: '{what} (staging, optional)',
    auth: 'Authentication',
    authKind: 'How callcard authenticates',
    authNone: 'None',
    authHeader: 'A secret in a header',
    authOauth2: 'OAuth 2.0 client credentials',
    header: 'Header name',
    prefix: 'Text before the secret (optional)',
    prefixHint: 'e.g. "Bearer " with its space.',
    secret: 'Secret',
    secretHint: "The name of a workspace secret (Secrets page), bound to the base URL's host.",
    tokenUrl: 'Token URL',
    clientId: 'Client id',
    clientSecret: 'Client secret',
    clientSecretHint:
      "The name of a workspace secret, bound to the token URL's host. The access token is fetched, kept until shortly before it expires, and never shown.",
    scope: 'Scope (optional)',
    audience: 'Audience (optional)',
    clientAuthentication: 'How the client authenticates to the token URL',
    basic: 'HTTP Basic (client_secret_basic)',
    post: 'In the form body (client_secret_post)',
    tls: 'Client certificate (mutual TLS)',
    tlsOn: 'Present a client certificate',
    certificate: 'Certificate secret (PEM)',
    key: 'Private key secret (PEM)',
    ca: 'CA bundle secret (PEM)',
    caHint: "Optional: pins the brand's certificate chain.",
    rateCap: 'Rate cap (requests a second)',
    rateCapHint:
      'At most this many calls a second to the brand, across every executor; calls over it wait for the next second. Empty: no cap.',
    rateCapInFlight: 'Rate cap (requests at once)',
    rateCapInFlightHint:
      'At most this many calls to the brand at once, across every executor; calls over it wait for one to end. Empty: no cap.',
    save: 'Save connection',
    saving: 'Saving…',
    saved: 'Connection {name} saved.',
    savedWarned: 'Connection {name} saved, with {count} warning(s): its cards fail until they are fixed.',
    refused: 'Not saved: {count} problem(s), shown at their fields.',
    otherProblems: 'Other problems',
    warning: 'Warning: {message}',
  },
  'zh-TW': {
    heading: 'API 連線',
    intro:
      '連線為品牌 API 命名一次：正式環境（頻道上已發布的流程）與測試環境（卡片測試與對話模擬器）的基礎網址、callcard 的驗證方式，以及速率上限。卡片以名稱與路徑呼叫它。這裡只指定密鑰名稱，密鑰在「密鑰」頁面設定。',
    egressHeading: '呼叫的來源位址',
    egressFixed: '對品牌的呼叫從以下固定位址送出：只允許已知來源的品牌，請將它們全部加入允許清單。',
    egressShared:
      '對品牌的呼叫從 AWS 共用且會變動的位址送出，品牌無法將其加入允許清單。如需固定位址，請以 staticEgress 部署（docs/DEPLOY.md）。',
    loading: '載入中…',
    listHeading: '已儲存的連線',
    none: '這個工作區還沒有連線。',
    colName: '名稱',
    colBase: '基礎網址',
    colAuth: '驗證方式',
    colCap: '速率上限',
    colWarnings: '警告',
    colActions: '操作',
    staging: '測試環境',
    perSecond: '每秒 {n} 次',
    inFlight: '同時 {n} 個',
    noCap: '無',
    noWarnings: '無',
    edit: '編輯',
    editLabel: '編輯連線 {name}',
    remove: '刪除',
    removeLabel: '刪除連線 {name}',
    confirmDelete: '確定要刪除連線 {name} 嗎？呼叫它的卡片在重新建立前都會失敗。',
    deleted: '已刪除連線 {name}。',
    newHeading: '新增連線',
    editHeading: '編輯連線 {name}',
    startNew: '新增連線',
    name: '名稱',
    nameHint: '卡片所寫的連線名稱：小寫英文字母、數字、_ 或 -，以字母開頭（brand_api）。',
    description: '說明（選填）',
    baseUrl: '基礎網址',
    baseUrlHint:
      'https，若 API 有路徑前綴請一併填入（https://api.brand.example/v1）；卡片的路徑會接在後面。沒有測試環境網址時，測試也呼叫正式環境。',
    production: '{what}（正式環境）',
    stagingOptional: '{what}（測試環境，選填）',
    auth: '驗證方式',
    authKind: 'callcard 的驗證方式',
    authNone: '無',
    authHeader: '放在標頭中的密鑰',
    authOauth2: 'OAuth 2.0 用戶端憑證（client credentials）',
    header: '標頭名稱',
    prefix: '密鑰前的文字（選填）',
    prefixHint: '例如 "Bearer "，含空格。',
    secret: '密鑰',
    secretHint: '工作區密鑰的名稱（「密鑰」頁面），須綁定到基礎網址的主機。',
    tokenUrl: '權杖網址',
    clientId: '用戶端 ID',
    clientSecret: '用戶端密鑰',
    clientSecretHint: '工作區密鑰的名稱，須綁定到權杖網址的主機。存取權杖會自動取得、保留到即將到期前，且不會顯示。',
    scope: '範圍 scope（選填）',
    audience: '對象 audience（選填）',
    clientAuthentication: '用戶端向權杖網址驗證的方式',
    basic: 'HTTP Basic（client_secret_basic）',
    post: '放在表單內容中（client_secret_post）',
    tls: '用戶端憑證（雙向 TLS）',
    tlsOn: '出示用戶端憑證',
    certificate: '憑證密鑰（PEM）',
    key: '私鑰密鑰（PEM）',
    ca: 'CA 憑證鏈密鑰（PEM）',
    caHint: '選填：固定品牌的憑證鏈。',
    rateCap: '速率上限（每秒請求數）',
    rateCapHint: '所有執行器合計每秒最多呼叫品牌這麼多次；超過的呼叫會等到下一秒。留空：不設上限。',
    rateCapInFlight: '速率上限（同時請求數）',
    rateCapInFlightHint: '所有執行器合計同時最多對品牌送出這麼多個呼叫；超過的呼叫會等其中一個結束。留空：不設上限。',
    save: '儲存連線',
    saving: '儲存中…',
    saved: '已儲存連線 {name}。',
    savedWarned: '已儲存連線 {name}，有 {count} 個警告：修正前呼叫它的卡片都會失敗。',
    refused: '未儲存：有 {count} 個問題，顯示在各欄位下方。',
    otherProblems: '其他問題',
    warning: '警告：{message}',
  },
});
type Key = Parameters<typeof tx>[1];
type Note = NoteOf<Key>;

/**
 * The admin API's answers as this page reads them: connectionViewSchema and egressSchema in
 * functions/admin/schemas.ts, the connection itself shared/connections/connection.ts. The form has a
 * field for every part of the document (the schema is strict); the API judges what it is sent.
 */
type Connection = ConnectionView['connection'];

/**
 * The form's fields, each keyed by its path in the connection document (`baseUrl.staging`,
 * `auth.clientSecret.production`): the API's problems and warnings name the same paths.
 */
type Draft = Record<string, string>;

const EMPTY: Draft = {
  name: '',
  'auth.type': 'none',
  'auth.header': 'authorization',
  'auth.clientAuthentication': 'client_secret_basic',
  tls: '',
};

/** A saved connection as the form's fields. */
function draftOf(view: ConnectionView): Draft {
  const { connection } = view;
  const draft: Draft = { ...EMPTY, name: view.name, description: connection.description ?? '', 'auth.type': connection.auth.type };
  const flat = (prefix: string, value: unknown) => {
    if (typeof value === 'string' || typeof value === 'number') draft[prefix] = String(value);
    else if (typeof value === 'object' && value !== null) for (const [key, inner] of Object.entries(value)) flat(`${prefix}.${key}`, inner);
  };
  flat('baseUrl', connection.baseUrl);
  flat('auth', connection.auth);
  if (connection.tls) {
    draft.tls = 'on';
    flat('tls', connection.tls);
  }
  if (connection.rateCap?.perSecond !== undefined) draft['rateCap.perSecond'] = String(connection.rateCap.perSecond);
  if (connection.rateCap?.inFlight !== undefined) draft['rateCap.inFlight'] = String(connection.rateCap.inFlight);
  return draft;
}

/** The document PUT /admin/connections/{name} takes: empty optional fields left out, the API judges the rest. */
function bodyOf(draft: Draft): Connection {
  const v = (key: string) => (draft[key] ?? '').trim();
  const optional = (key: string) => (v(key) ? v(key) : undefined);
  const env = (key: string) => ({ production: v(`${key}.production`), ...(v(`${key}.staging`) ? { staging: v(`${key}.staging`) } : {}) });
  const type = v('auth.type');
  const auth: Connection['auth'] =
    type === 'header'
      ? { type, header: v('auth.header') || 'authorization', prefix: draft['auth.prefix'] ?? '', secret: env('auth.secret') }
      : type === 'oauth2ClientCredentials'
        ? {
            type,
            tokenUrl: env('auth.tokenUrl'),
            clientId: env('auth.clientId'),
            clientSecret: env('auth.clientSecret'),
            scope: optional('auth.scope'),
            audience: optional('auth.audience'),
            clientAuthentication: v('auth.clientAuthentication') === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
          }
        : { type: 'none' };
  const ca = v('tls.ca.production') || v('tls.ca.staging') ? env('tls.ca') : undefined;
  return {
    description: optional('description'),
    baseUrl: env('baseUrl'),
    auth,
    tls: draft.tls === 'on' ? { certificate: env('tls.certificate'), key: env('tls.key'), ca } : undefined,
    rateCap:
      v('rateCap.perSecond') || v('rateCap.inFlight')
        ? {
            ...(v('rateCap.perSecond') ? { perSecond: Number(v('rateCap.perSecond')) } : {}),
            ...(v('rateCap.inFlight') ? { inFlight: Number(v('rateCap.inFlight')) } : {}),
          }
        : undefined,
  };
}

const fieldId = (path: string): string => `conn-${path.replace(/\./g, '-')}`;

// Kept across remounts (a language switch): the list, the egress, the form and the last outcome.
let connections: ConnectionView[] | undefined;
let secretNames: string[] = [];
let egress: Egress | undefined;
let loadError: string | undefined;
let draft: Draft = { ...EMPTY };
/** The connection being edited (its name is then fixed), else a new one. */
let editing: string | undefined;
let problems: Problem[] = [];
let warnings: Problem[] = [];
let outcome: Note | undefined;
let busy = false;
let mounts = 0;

export const connectionsPage: Page = {
  mount(root, ctx) {
    const mount = ++mounts;
    const t = (key: Key, values?: Record<string, string>) => tx(ctx.lang, key, values);
    const live = () => mount === mounts;

    const egressSection = h('section', { 'aria-labelledby': 'egress-heading' });
    const status = h('div', {});
    const list = h('section', { 'aria-labelledby': 'connections-list-heading' });
    const formSection = h('section', { 'aria-labelledby': 'connection-form-heading', class: 'card' });
    root.replaceChildren(
      h('h1', { id: 'view-heading', tabindex: '-1' }, t('heading')),
      h('p', { class: 'hint' }, t('intro')),
      status,
      list,
      formSection,
      egressSection,
    );

    const drawStatus = (focus = false) => {
      status.replaceChildren(noteLineOf(outcome, 'connection-outcome', t));
      if (focus) document.getElementById('connection-outcome')?.focus();
    };

    const drawEgress = () => {
      const heading = h('h2', { id: 'egress-heading' }, t('egressHeading'));
      if (!egress) return egressSection.replaceChildren(heading, h('p', { role: 'status' }, t('loading')));
      egressSection.replaceChildren(
        heading,
        h('p', { id: 'egress' }, t(egress.fixed ? 'egressFixed' : 'egressShared')),
        ...(egress.fixed
          ? [h('ul', { id: 'egress-addresses', class: 'plain' }, ...egress.addresses.map((address) => h('li', {}, h('code', {}, address))))]
          : []),
      );
    };

    const load = async () => {
      const [listed, secrets, egressed] = await Promise.all([
        ctx.call<ConnectionList>('GET', '/admin/connections'),
        ctx.call<SecretList>('GET', '/admin/secrets'),
        ctx.call<Egress>('GET', '/admin/egress'),
      ]);
      if (!live()) return;
      loadError = listed.ok ? undefined : listed.text;
      if (listed.ok) connections = [...listed.body.connections].sort((a, b) => a.name.localeCompare(b.name));
      // The signing key signs callcard's calls and is never sent: no connection may name it.
      if (secrets.ok) secretNames = secrets.body.secrets.filter((s) => s.purpose !== 'signing').map((s) => s.name);
      if (egressed.ok) egress = egressed.body;
      drawList();
      drawForm();
      drawEgress();
    };

    const edit = (view: ConnectionView | undefined) => {
      editing = view?.name;
      draft = view ? draftOf(view) : { ...EMPTY };
      problems = [];
      warnings = view?.warnings ?? [];
      outcome = undefined;
      drawStatus();
      drawForm();
      document.getElementById(view ? 'conn-baseUrl-production' : 'conn-name')?.focus();
    };

    const remove = async (name: string) => {
      if (!window.confirm(t('confirmDelete', { name }))) return;
      busy = true;
      drawList();
      const result = await ctx.call<Deleted>('DELETE', `/admin/connections/${encodeURIComponent(name)}`);
      busy = false;
      if (!live()) return;
      // Refused while in use: the API says which published flow's card calls it.
      outcome = result.ok ? { kind: 'ok', key: 'deleted', values: { name } } : failureNote(result);
      if (result.ok && editing === name) edit(undefined);
      await load();
      if (live()) drawStatus(true);
    };

    const drawList = () => {
      const heading = h('h2', { id: 'connections-list-heading' }, t('listHeading'));
      if (!connections)
        return list.replaceChildren(
          heading,
          loadError !== undefined ? h('p', { class: 'status error', role: 'alert' }, loadError) : h('p', { role: 'status' }, t('loading')),
        );
      if (!connections.length) return list.replaceChildren(heading, h('p', {}, t('none')));
      const authName = (type: string) =>
        t(type === 'header' ? 'authHeader' : type === 'oauth2ClientCredentials' ? 'authOauth2' : 'authNone');
      const rows = connections.map((view) => {
        const { baseUrl, auth, tls, rateCap } = view.connection;
        return h(
          'tr',
          { 'data-connection': view.name },
          h('th', { scope: 'row' }, h('code', {}, view.name)),
          h(
            'td',
            {},
            h('code', {}, baseUrl.production),
            baseUrl.staging !== undefined && h('div', { class: 'hint' }, `${t('staging')}: `, h('code', {}, baseUrl.staging)),
          ),
          h('td', {}, authName(auth.type), tls && h('div', { class: 'hint' }, t('tls'))),
          h(
            'td',
            {},
            rateCap
              ? [
                  rateCap.perSecond !== undefined ? t('perSecond', { n: String(rateCap.perSecond) }) : '',
                  rateCap.inFlight !== undefined ? t('inFlight', { n: String(rateCap.inFlight) }) : '',
                ]
                  .filter(Boolean)
                  .join(', ')
              : t('noCap'),
          ),
          h(
            'td',
            { class: 'warnings' },
            view.warnings?.length
              ? h('ul', { class: 'plain error' }, ...view.warnings.map((w) => h('li', {}, h('code', {}, w.path), ' ', w.message)))
              : t('noWarnings'),
          ),
          h(
            'td',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', disabled: busy, 'aria-label': t('editLabel', { name: view.name }), onclick: () => edit(view) },
              t('edit'),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                disabled: busy,
                'aria-label': t('removeLabel', { name: view.name }),
                onclick: () => void remove(view.name),
              },
              t('remove'),
            ),
          ),
        );
      });
      const head = h(
        'tr',
        {},
        ...(['colName', 'colBase', 'colAuth', 'colCap', 'colWarnings', 'colActions'] as const).map((key) =>
          h('th', { scope: 'col' }, t(key)),
        ),
      );
      list.replaceChildren(
        heading,
        h('div', { class: 'scroll' }, h('table', { id: 'connections' }, h('thead', {}, head), h('tbody', {}, ...rows))),
      );
    };

    const save = async (event: Event) => {
      event.preventDefault();
      const name = (draft.name ?? '').trim();
      busy = true;
      outcome = undefined;
      drawForm();
      drawStatus();
      const result = await ctx.call<ConnectionView>('PUT', `/admin/connections/${encodeURIComponent(name)}`, bodyOf(draft));
      busy = false;
      if (!live()) return;
      if (result.ok) {
        editing = result.body.name;
        draft = draftOf(result.body);
        problems = [];
        warnings = result.body.warnings ?? [];
        outcome = warnings.length
          ? { kind: 'error', key: 'savedWarned', values: { name, count: String(warnings.length) } }
          : { kind: 'ok', key: 'saved', values: { name } };
        await load();
        if (!live()) return;
      } else {
        // The name is in the address: its problem comes back as path.name.
        problems = (result.body.problems ?? []).map((p) => (p.path === 'path.name' ? { ...p, path: 'name' } : p));
        warnings = [];
        outcome = problems.length ? { kind: 'error', key: 'refused', values: { count: String(problems.length) } } : failureNote(result);
        drawForm();
      }
      drawStatus(true);
    };

    /** A field of the document at `path`: its label, control, its problems and warnings under it, its hint. */
    const field = (path: string, label: string, control: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement => {
      const id = fieldId(path);
      control.id = id;
      const mine = problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
      for (const p of mine) placed.add(p);
      const warned = warnings.filter((p) => p.path === path);
      const described = [hint !== undefined && `${id}-hint`, mine.length > 0 && `${id}-problem`, warned.length > 0 && `${id}-warning`]
        .filter(Boolean)
        .join(' ');
      if (described) control.setAttribute('aria-describedby', described);
      if (mine.length) control.setAttribute('aria-invalid', 'true');
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, label),
        control,
        mine.length > 0 && h('p', { id: `${id}-problem`, class: 'error field-problem' }, mine.map((p) => p.message).join('; ')),
        warned.length > 0 &&
          h('p', { id: `${id}-warning`, class: 'error field-problem' }, warned.map((p) => t('warning', { message: p.message })).join('; ')),
        hint !== undefined && h('p', { id: `${id}-hint`, class: 'hint' }, hint),
      );
    };
    const input = (path: string, attrs: Record<string, string | boolean> = {}): HTMLInputElement => {
      const control = h('input', { type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs });
      control.value = draft[path] ?? '';
      control.addEventListener('input', () => (draft[path] = control.value));
      return control;
    };
    const text = (path: string, label: string, hint?: string, attrs: Record<string, string | boolean> = {}) =>
      field(path, label, input(path, attrs), hint);
    /** A value per environment: production, and staging beside it (optional). */
    const pair = (path: string, what: string, hint?: string, attrs: Record<string, string | boolean> = {}): HTMLElement =>
      h(
        'div',
        {},
        h(
          'div',
          { class: 'row' },
          h('div', { class: 'grow' }, text(`${path}.production`, t('production', { what }), undefined, attrs)),
          h('div', { class: 'grow' }, text(`${path}.staging`, t('stagingOptional', { what }), undefined, attrs)),
        ),
        hint !== undefined && h('p', { class: 'hint' }, hint),
      );
    /** A secret's name: typed, or picked from the workspace's (a secret not set yet is allowed, and warned about). */
    const secretPair = (path: string, what: string, hint?: string) => pair(path, what, hint, { list: 'conn-secret-names' });
    const select = (path: string, options: Array<[string, string]>, onChange?: () => void): HTMLSelectElement => {
      const control = h(
        'select',
        {},
        ...options.map(([value, label]) => h('option', { value, selected: (draft[path] ?? '') === value }, label)),
      );
      control.addEventListener('change', () => ((draft[path] = control.value), onChange?.()));
      return control;
    };

    /** The problems shown at a field of the form being drawn (the others are listed under it). */
    const placed = new Set<Problem>();

    const drawForm = () => {
      placed.clear();
      const type = draft['auth.type'] ?? 'none';
      const focusAfter = (id: string) => () => (drawForm(), document.getElementById(id)?.focus());
      const authParts: Child[] =
        type === 'header'
          ? [
              h(
                'div',
                { class: 'row' },
                h('div', { class: 'grow' }, text('auth.header', t('header'))),
                h('div', { class: 'grow' }, text('auth.prefix', t('prefix'), t('prefixHint'))),
              ),
              secretPair('auth.secret', t('secret'), t('secretHint')),
            ]
          : type === 'oauth2ClientCredentials'
            ? [
                pair('auth.tokenUrl', t('tokenUrl'), undefined, { type: 'url' }),
                pair('auth.clientId', t('clientId')),
                secretPair('auth.clientSecret', t('clientSecret'), t('clientSecretHint')),
                h(
                  'div',
                  { class: 'row' },
                  h('div', { class: 'grow' }, text('auth.scope', t('scope'))),
                  h('div', { class: 'grow' }, text('auth.audience', t('audience'))),
                ),
                field(
                  'auth.clientAuthentication',
                  t('clientAuthentication'),
                  select('auth.clientAuthentication', [
                    ['client_secret_basic', t('basic')],
                    ['client_secret_post', t('post')],
                  ]),
                ),
              ]
            : [];
      const tlsBox = h('input', { id: 'conn-tls', type: 'checkbox', checked: draft.tls === 'on' });
      tlsBox.addEventListener('change', () => ((draft.tls = tlsBox.checked ? 'on' : ''), focusAfter('conn-tls')()));
      const name = input('name', {
        required: true,
        pattern: '[a-z][a-z0-9_\\-]{0,63}',
        ...(editing !== undefined ? { readonly: true } : {}),
      });
      const rateCap = input('rateCap.perSecond', { type: 'number', min: '1', max: '10000', step: '1', inputmode: 'numeric' });
      const inFlightCap = input('rateCap.inFlight', { type: 'number', min: '1', max: '1000', step: '1', inputmode: 'numeric' });
      const form = h(
        'form',
        { id: 'connection-form', onsubmit: (event) => void save(event) },
        h('datalist', { id: 'conn-secret-names' }, ...secretNames.map((secret) => h('option', { value: secret }))),
        field('name', t('name'), name, t('nameHint')),
        text('description', t('description')),
        h('fieldset', {}, h('legend', {}, t('baseUrl')), pair('baseUrl', t('baseUrl'), t('baseUrlHint'), { type: 'url' })),
        h(
          'fieldset',
          { id: 'conn-auth' },
          h('legend', {}, t('auth')),
          field(
            'auth.type',
            t('authKind'),
            select(
              'auth.type',
              [
                ['none', t('authNone')],
                ['header', t('authHeader')],
                ['oauth2ClientCredentials', t('authOauth2')],
              ],
              focusAfter(fieldId('auth.type')),
            ),
          ),
          ...authParts,
        ),
        h(
          'fieldset',
          { id: 'conn-tls-set' },
          h('legend', {}, t('tls')),
          h('div', { class: 'check' }, tlsBox, h('label', { for: 'conn-tls' }, t('tlsOn'))),
          ...(draft.tls === 'on'
            ? [secretPair('tls.certificate', t('certificate')), secretPair('tls.key', t('key')), secretPair('tls.ca', t('ca'), t('caHint'))]
            : []),
        ),
        field('rateCap.perSecond', t('rateCap'), rateCap, t('rateCapHint')),
        field('rateCap.inFlight', t('rateCapInFlight'), inFlightCap, t('rateCapInFlightHint')),
      );
      const others = problems.filter((p) => !placed.has(p));
      if (others.length)
        form.append(
          h(
            'div',
            { class: 'notice', id: 'connection-problems' },
            h('p', {}, t('otherProblems')),
            h('ul', {}, ...others.map((p) => h('li', {}, h('code', {}, p.path), ' ', p.message))),
          ),
        );
      form.append(h('button', { type: 'submit', class: 'primary', disabled: busy }, busy ? t('saving') : t('save')));
      formSection.replaceChildren(
        h('h2', { id: 'connection-form-heading' }, editing !== undefined ? t('editHeading', { name: editing }) : t('newHeading')),
        ...(editing !== undefined
          ? [h('p', {}, h('button', { type: 'button', id: 'connection-new', onclick: () => edit(undefined) }, t('startNew')))]
          : []),
        form,
      );
    };

    drawStatus();
    drawList();
    drawForm();
    drawEgress();
    void load();
  },
};
