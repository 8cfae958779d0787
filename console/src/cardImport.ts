import type { ImportedCardAnswer, ImportedOpenApi } from '../../functions/admin/importSchemas';
import { CARD_DEFAULTS } from '../../shared/flow/cardDefaults';
import { call, Unreachable, type ApiResult, type ConnectionList, type SecretView } from './api';
import { isObject, type Json } from './cardKit';
import { readFrom, type VariableOffer } from './importFill';
import { byId, h, type Child } from './dom';
import { defineTexts, type Lang } from './i18n';

// "Import…" on the card form (issue 21): a dialog that reads a `curl` command or an OpenAPI operation
// through the admin API (POST /admin/import/curl, /admin/import/openapi) and fills the card with the
// answer: method, URL (or a connection and a path), headers, body and the response's contract, the
// same state the form edits by hand, so that Save and Test work as usual. A credential becomes a
// secret reference: the import stores the command's value as a workspace secret when asked (its
// storeSecrets, as PUT /admin/secrets would), or the admin types one (PUT /admin/secrets/NAME); the
// flow holds only `{{ secrets.NAME }}`. The values the card sends may be read from attributes instead.

const tx = defineTexts({
  en: {
    button: 'Import…',
    buttonLabel: 'Import card {id} from a curl command or an OpenAPI document',
    heading: 'Import a card',
    intro:
      "Fills card {id}'s endpoint, headers, body and response contract from a curl command or an OpenAPI operation. Nothing is saved until you save the flow.",
    tabs: 'Import from',
    curlTab: 'curl',
    openApiTab: 'OpenAPI',
    curl: 'curl command',
    curlHint: "As the brand's documentation prints it: continuation lines, quotes and a pipe after it are fine.",
    readCurl: 'Read the command',
    file: 'Document file (JSON or YAML)',
    url: 'Or its URL',
    urlHint: 'Fetched by callcard as cards call (public https addresses, or the allow-listed stand-ins).',
    document: 'Or paste the document',
    listOperations: 'List the operations',
    operations: 'Operations of {title}',
    noOperations: 'The document has no operation a card can call (GET, POST, PUT, PATCH, DELETE).',
    importOperation: 'Import the operation',
    reading: 'Reading…',
    needSource: 'Give the document: a file, its URL or its text.',
    unreachable: 'The admin API cannot be reached: {error}',
    previewHeading: 'What the card will send',
    noHeaders: 'No headers.',
    body: 'Body: {type}',
    noBody: 'No body.',
    secretsHeading: 'Secrets',
    secretIntro: 'Header {header} sends a secret: the card holds {{ secrets.NAME }}, never the value.',
    secretName: 'Secret name for header {header}',
    secretExists: 'The workspace has a secret of this name: the card uses it.',
    secretReplaced: 'The workspace has a secret of this name: storing replaces its value (uncheck to keep it, and the card uses it).',
    storeFromSource: 'Store the value from the command as this secret (sent only to {hosts})',
    secretValue: 'Value of the secret for header {header}',
    secretValueHint: 'Stored for {hosts} only, write-only. Leave it empty if it is stored already, or store it later on the Secrets page.',
    querySecret: '{from}: the card sends no secret in the query; see the warnings.',
    variablesHeading: 'Values the customer could give',
    variablesIntro: 'Checked: the card reads the value from there instead of sending the one shown.',
    variableRead: 'Read {where} {path} from {from}',
    variableReads: '{where} {path} reads {from}',
    wasValue: '(was {value})',
    connection: 'Call it through connection {name} (path {path})',
    contract: "The response schema becomes the card's contract: {count} field(s) for the follow-up's pickers before any test.",
    warningsHeading: 'What the import left out or changed',
    apply: 'Fill the card',
    applying: 'Filling…',
    cancel: 'Cancel',
    filled: 'Card {id} filled from the import{stored}. Save the flow to keep it.',
    storedSecrets: '; secret(s) stored: {names}',
    badName: 'A secret name is letters, digits or _, not starting with a digit.',
    fieldsGroup: 'Response schema (no test yet)',
    in_path: 'path parameter',
    in_query: 'query parameter',
    in_header: 'header',
    in_body: 'body field',
    in_form: 'form field',
  },
  'zh-TW': {
    button: '匯入…',
    buttonLabel: '從 curl 指令或 OpenAPI 文件匯入卡片 {id}',
    heading: '匯入卡片',
    intro: '從 curl 指令或 OpenAPI 操作填入卡片 {id} 的端點、標頭、主體與回應合約。儲存流程之前不會儲存任何內容。',
    tabs: '匯入來源',
    curlTab: 'curl',
    openApiTab: 'OpenAPI',
    curl: 'curl 指令',
    curlHint: '依品牌文件原樣貼上即可：換行接續、引號與後面的管線都沒問題。',
    readCurl: '讀取指令',
    file: '文件檔案（JSON 或 YAML）',
    url: '或文件網址',
    urlHint: '由 callcard 依卡片呼叫的方式取得（公開的 https 位址，或允許清單中的替身服務）。',
    document: '或貼上文件內容',
    listOperations: '列出操作',
    operations: '{title} 的操作',
    noOperations: '文件中沒有卡片可呼叫的操作（GET、POST、PUT、PATCH、DELETE）。',
    importOperation: '匯入這個操作',
    reading: '讀取中…',
    needSource: '請提供文件：檔案、網址或文件內容。',
    unreachable: '無法連線到管理 API：{error}',
    previewHeading: '卡片將傳送的內容',
    noHeaders: '沒有標頭。',
    body: '主體：{type}',
    noBody: '沒有主體。',
    secretsHeading: '密鑰',
    secretIntro: '標頭 {header} 傳送密鑰：卡片只保存 {{ secrets.名稱 }}，不保存密鑰值。',
    secretName: '標頭 {header} 的密鑰名稱',
    secretExists: '工作區已有這個名稱的密鑰：卡片會使用它。',
    secretReplaced: '工作區已有這個名稱的密鑰：儲存會取代它的值（取消勾選即保留原值，卡片會使用它）。',
    storeFromSource: '將指令中的值儲存為這個密鑰（只傳送到 {hosts}）',
    secretValue: '標頭 {header} 的密鑰值',
    secretValueHint: '只允許傳送到 {hosts}，僅能寫入。若已儲存可留空，或稍後到「密鑰」頁面儲存。',
    querySecret: '{from}：卡片不會在查詢字串中傳送密鑰；請見警告。',
    variablesHeading: '可由顧客提供的值',
    variablesIntro: '勾選後，卡片會從該處讀取值，而不是傳送顯示的值。',
    variableRead: '從 {from} 讀取{where} {path}',
    variableReads: '{where} {path} 讀取 {from}',
    wasValue: '（原為 {value}）',
    connection: '透過 API 連線 {name} 呼叫（路徑 {path}）',
    contract: '回應結構描述將成為卡片的合約：測試之前，後續區塊的選擇器就有 {count} 個欄位可用。',
    warningsHeading: '匯入省略或變更的內容',
    apply: '填入卡片',
    applying: '填入中…',
    cancel: '取消',
    filled: '已從匯入內容填入卡片 {id}{stored}。請儲存流程以保留變更。',
    storedSecrets: '；已儲存密鑰：{names}',
    badName: '密鑰名稱只能使用英文字母、數字或 _，且不能以數字開頭。',
    fieldsGroup: '回應結構描述（尚未測試）',
    in_path: '路徑參數',
    in_query: '查詢參數',
    in_header: '標頭',
    in_body: '主體欄位',
    in_form: '表單欄位',
  },
});
type Key = Parameters<typeof tx>[1];

/** What the card form gives the import: the card to fill, in the flow it edits in place. */
export interface ImportContext {
  lang: Lang;
  flow: Json;
  cardId: string;
  /** The workspace's secret names (the import adds the ones it stores); undefined while loading. */
  secrets: string[] | undefined;
  /** The card changed in `flow`: draw the form again, the focus on `focus`. */
  changed: (rebuild: boolean, focus?: string) => void;
}

/** The admin API's answers, as /admin/import/* give them (functions/admin/importSchemas.ts). */
type Imported = ImportedCardAnswer;
type SecretOffer = Imported['secrets'][number];
type Listed = ImportedOpenApi;

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What the dialog keeps between openings (never a secret value): the sources typed, the tab. */
const draft = { tab: 'curl' as 'curl' | 'openapi', curl: '', url: '', document: '', from: 'document' as 'document' | 'url' };

/** What the last import filled (said under the button once the form is drawn again, in its language). */
let filled: { cardId: string; stored: string[] } | undefined;

/** The "Import…" button of the card form, and what its last import did. */
export function importButton(ctx: ImportContext): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const stored = filled?.stored ?? [];
  const note =
    filled?.cardId === ctx.cardId
      ? t('filled', { id: ctx.cardId, stored: stored.length ? t('storedSecrets', { names: stored.join(', ') }) : '' })
      : '';
  return h(
    'div',
    { class: 'import-row' },
    h(
      'button',
      {
        type: 'button',
        id: 'card-import',
        'aria-haspopup': 'dialog',
        'aria-label': t('buttonLabel', { id: ctx.cardId }),
        onclick: () => openImportDialog(ctx),
      },
      t('button'),
    ),
    h('p', { id: 'card-import-status', class: 'status ok', role: 'status' }, note),
  );
}

/** The picker group of a card not tested yet: the fields of its contract. */
export const contractFieldsLabel = (lang: Lang): string => tx(lang, 'fieldsGroup');

/** One admin API call as the dialog needs it: the answer, or the words of why not. */
async function api<T>(
  lang: Lang,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ ok: true; body: T } | { ok: false; text: string }> {
  let result: ApiResult<T>;
  try {
    result = await call<T>(method, path, body);
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, text: tx(lang, 'unreachable', { error: error.message }) };
    throw error;
  }
  if (result.ok) return { ok: true, body: result.body };
  const problems = result.body.problems?.map((p) => `${p.path}: ${p.message}`).join('; ');
  return { ok: false, text: problems ? `${result.body.error} (${problems})` : result.body.error };
}

/** Open the dialog (a modal <dialog>: the focus stays inside, Escape closes it, the focus goes back to the button). */
export function openImportDialog(ctx: ImportContext): void {
  const { lang, cardId } = ctx;
  const t = (key: Key, values?: Record<string, string | number>) => tx(lang, key, values);
  byId('import-dialog')?.remove();

  /** What the last read gave, and where it came from (a curl line is read again to store its secrets). */
  let imported: Imported | undefined;
  let source: { kind: 'curl'; curl: string } | { kind: 'openapi' } = { kind: 'openapi' };
  let connections: ConnectionList['connections'] | undefined;
  let busy = false;

  const status = h('p', { id: 'import-status', class: 'status', role: 'status', tabindex: '-1' });
  const say = (text: string, error = false) => {
    status.textContent = text;
    status.className = `status ${error ? 'error' : ''}`;
    status.setAttribute('role', error ? 'alert' : 'status');
  };
  const preview = h('section', { id: 'import-preview', 'aria-labelledby': 'import-preview-heading', hidden: true });
  const apply = h(
    'button',
    { type: 'button', id: 'import-apply', class: 'primary', disabled: true, onclick: () => void fill() },
    t('apply'),
  );
  /** A source the import refused: why, and no earlier preview left to fill the card with. */
  const refused = (text: string) => {
    imported = undefined;
    preview.hidden = true;
    preview.replaceChildren();
    apply.disabled = true;
    say(text, true);
  };

  // curl: a textarea.
  const curlBox = h('textarea', {
    id: 'import-curl',
    rows: '7',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'import-curl-hint',
    class: 'wide code',
  });
  curlBox.value = draft.curl;
  curlBox.addEventListener('input', () => (draft.curl = curlBox.value));
  const readCurl = async () => {
    const curl = curlBox.value.trim();
    if (!curl || busy) return;
    await run(async () => {
      const answer = await api<Imported>(lang, 'POST', '/admin/import/curl', { curl });
      if (!answer.ok) return refused(answer.text);
      source = { kind: 'curl', curl };
      show(answer.body);
    });
  };
  const curlPanel = h(
    'div',
    { role: 'tabpanel', id: 'import-panel-curl', 'aria-labelledby': 'import-tab-curl' },
    h('label', { for: 'import-curl' }, t('curl')),
    curlBox,
    h('p', { class: 'hint', id: 'import-curl-hint' }, t('curlHint')),
    h('button', { type: 'button', id: 'import-read-curl', onclick: () => void readCurl() }, t('readCurl')),
  );

  // OpenAPI: a file, a URL or the text; then the operations; then one of them.
  const file = h('input', { id: 'import-file', type: 'file', accept: '.json,.yaml,.yml,application/json,application/yaml,text/yaml' });
  const url = h('input', {
    id: 'import-url',
    type: 'url',
    class: 'wide',
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'import-url-hint',
    placeholder: 'https://api.brand.example/openapi.yaml',
  });
  url.value = draft.url;
  url.addEventListener('input', () => ((draft.url = url.value), (draft.from = 'url')));
  const documentBox = h('textarea', { id: 'import-document', rows: '6', spellcheck: 'false', autocomplete: 'off', class: 'wide code' });
  documentBox.value = draft.document;
  documentBox.addEventListener('input', () => ((draft.document = documentBox.value), (draft.from = 'document')));
  // A file's text goes into the box: what is sent is what the admin sees.
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) void chosen.text().then((text) => ((documentBox.value = draft.document = text), (draft.from = 'document')));
  });
  const operationsBox = h('div', { id: 'import-operations' });
  /** The document as the admin gave it last: the text (typed, pasted or a file's) or the URL. */
  const documentSource = (): Record<string, string> | undefined => {
    const text = documentBox.value.trim() ? { document: documentBox.value } : undefined;
    const address = url.value.trim() ? { url: url.value.trim() } : undefined;
    return draft.from === 'url' ? (address ?? text) : (text ?? address);
  };
  const listOperations = async () => {
    const from = documentSource();
    if (!from) return say(t('needSource'), true);
    if (busy) return;
    await run(async () => {
      const answer = await api<Listed>(lang, 'POST', '/admin/import/openapi', from);
      if (!answer.ok) return refused(answer.text);
      drawOperations(answer.body, from);
    });
  };
  const drawOperations = (listed: Listed, from: Record<string, string>) => {
    if (!listed.operations.length) return void operationsBox.replaceChildren(h('p', { class: 'hint' }, t('noOperations')));
    const radios = listed.operations.map((operation, i) =>
      h(
        'div',
        { class: 'check' },
        h('input', {
          type: 'radio',
          name: 'import-operation',
          id: `import-operation-${i}`,
          value: operation.operationId,
          checked: i === 0,
        }),
        h(
          'label',
          { for: `import-operation-${i}` },
          h('code', {}, `${operation.method} ${operation.path}`),
          ` ${operation.operationId}${operation.summary ? `: ${operation.summary}` : ''}`,
        ),
      ),
    );
    const pickOne = async () => {
      const chosen = operationsBox.querySelector<HTMLInputElement>('input[name="import-operation"]:checked');
      if (!chosen || busy) return;
      await run(async () => {
        const answer = await api<Listed>(lang, 'POST', '/admin/import/openapi', { ...from, operationId: chosen.value });
        if (!answer.ok) return refused(answer.text);
        source = { kind: 'openapi' };
        if (answer.body.imported) show(answer.body.imported);
      });
    };
    operationsBox.replaceChildren(
      h('fieldset', { id: 'import-operation-list' }, h('legend', {}, t('operations', { title: listed.title ?? '' })), ...radios),
      h('button', { type: 'button', id: 'import-pick', onclick: () => void pickOne() }, t('importOperation')),
    );
    say('');
    byId('import-operation-0')?.focus();
  };
  const openApiPanel = h(
    'div',
    { role: 'tabpanel', id: 'import-panel-openapi', 'aria-labelledby': 'import-tab-openapi' },
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('file')), file),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'import-url' }, t('url')),
      url,
      h('p', { class: 'hint', id: 'import-url-hint' }, t('urlHint')),
    ),
    h('div', { class: 'field' }, h('label', { for: 'import-document' }, t('document')), documentBox),
    h('button', { type: 'button', id: 'import-list', onclick: () => void listOperations() }, t('listOperations')),
    operationsBox,
  );

  // Two tabs (arrow keys move between them, as a tab list does).
  const tab = (which: 'curl' | 'openapi', label: string) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `import-tab-${which}`,
        'aria-controls': `import-panel-${which}`,
        onclick: () => select(which, true),
      },
      label,
    );
  const tabs = { curl: tab('curl', t('curlTab')), openapi: tab('openapi', t('openApiTab')) };
  const panels = { curl: curlPanel, openapi: openApiPanel };
  const select = (which: 'curl' | 'openapi', focus = false) => {
    draft.tab = which;
    for (const key of ['curl', 'openapi'] as const) {
      tabs[key].setAttribute('aria-selected', String(key === which));
      tabs[key].tabIndex = key === which ? 0 : -1;
      panels[key].hidden = key !== which;
    }
    if (focus) tabs[which].focus();
  };
  const tabList = h('div', { role: 'tablist', 'aria-label': t('tabs'), class: 'tabs' }, tabs.curl, tabs.openapi);
  tabList.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft' || event.key === 'Home' || event.key === 'End') {
      event.preventDefault();
      select(draft.tab === 'curl' ? 'openapi' : 'curl', true);
    }
  });

  const dialog = h(
    'dialog',
    { id: 'import-dialog', 'aria-labelledby': 'import-heading', 'aria-describedby': 'import-intro' },
    h('h2', { id: 'import-heading' }, t('heading')),
    h('p', { id: 'import-intro', class: 'hint' }, t('intro', { id: cardId })),
    tabList,
    curlPanel,
    openApiPanel,
    status,
    preview,
    h('div', { class: 'toolbar' }, apply, h('button', { type: 'button', id: 'import-cancel', onclick: () => close() }, t('cancel'))),
  );
  const close = (focus = 'card-import') => {
    if (dialog.open) dialog.close();
    dialog.remove();
    byId(focus)?.focus();
  };
  // Escape (the dialog's cancel) closes it as Cancel does, the focus back on the Import button.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });

  /** Run one step with the dialog's buttons off. */
  async function run(step: () => Promise<void>): Promise<void> {
    busy = true;
    say(t('reading'));
    const buttons = [...dialog.querySelectorAll('button')].filter((b) => b !== apply);
    for (const b of buttons) b.disabled = true;
    try {
      await step();
    } finally {
      busy = false;
      for (const b of buttons) b.disabled = false;
    }
  }

  /** The import's answer: what the card will send, its secrets, its variables, its warnings. */
  function show(answer: Imported): void {
    imported = answer;
    say('');
    const request = answer.card.request;
    const headers = isObject(request.headers) ? Object.entries(request.headers) : [];
    const body = isObject(request.body) ? request.body : undefined;
    const parts: Node[] = [
      h('h3', { id: 'import-preview-heading' }, t('previewHeading')),
      h('p', { id: 'import-request' }, h('code', {}, `${String(request.method ?? 'GET')} ${String(request.url)}`)),
      headers.length
        ? h('ul', { id: 'import-headers' }, ...headers.map(([name, value]) => h('li', {}, h('code', {}, `${name}: ${String(value)}`))))
        : h('p', {}, t('noHeaders')),
      h('p', {}, body && body.type !== 'none' ? t('body', { type: String(body.type) }) : t('noBody')),
    ];
    const via = connectionFor(String(request.url));
    if (via)
      parts.push(
        h(
          'div',
          { class: 'check' },
          h('input', { type: 'checkbox', id: 'import-connection' }),
          h('label', { for: 'import-connection' }, t('connection', via)),
        ),
      );
    const secretRows = answer.secrets.map((secret, i) => secretRow(secret, i)).filter((row): row is HTMLElement => row !== undefined);
    if (secretRows.length) parts.push(h('fieldset', { id: 'import-secrets' }, h('legend', {}, t('secretsHeading')), ...secretRows));
    const variables = answer.variables.map((variable, i) => variableRow(variable, i));
    if (variables.length)
      parts.push(
        h(
          'fieldset',
          { id: 'import-variables' },
          h('legend', {}, t('variablesHeading')),
          h('p', { class: 'hint' }, t('variablesIntro')),
          ...variables,
        ),
      );
    if (isObject(answer.card.contract))
      parts.push(h('p', { id: 'import-contract' }, t('contract', { count: answer.responseFields.length })));
    if (answer.warnings.length)
      parts.push(h('h3', {}, t('warningsHeading')), h('ul', { id: 'import-warnings' }, ...answer.warnings.map((w) => h('li', {}, w))));
    preview.replaceChildren(...parts);
    preview.hidden = false;
    apply.disabled = false;
    apply.focus();
  }

  function secretRow(secret: SecretOffer, i: number): HTMLElement | undefined {
    const hosts = secret.allowedHosts.join(', ');
    if (!secret.header) return h('p', { class: 'hint' }, t('querySecret', { from: secret.from }));
    const name = h('input', {
      id: `import-secret-name-${i}`,
      type: 'text',
      class: 'code',
      spellcheck: 'false',
      autocomplete: 'off',
      list: 'import-secret-names',
      'aria-describedby': `import-secret-exists-${i}`,
    });
    name.value = secret.name;
    const exists = h('p', { class: 'hint', id: `import-secret-exists-${i}` });
    // The command's value, stored when checked (only a source that held one offers it).
    const store = secret.valueOffered ? h('input', { type: 'checkbox', id: `import-secret-store-${i}`, checked: true }) : undefined;
    // A name the workspace has: the card uses that secret, unless the import's value is stored over it (said plainly).
    const known = () =>
      (exists.textContent = ctx.secrets?.includes(name.value.trim()) ? t(store?.checked ? 'secretReplaced' : 'secretExists') : '');
    name.addEventListener('input', known);
    store?.addEventListener('change', known);
    known();
    const parts: Child[] = [
      h('p', {}, t('secretIntro', { header: secret.header })),
      h('label', { for: name.id }, t('secretName', { header: secret.header })),
      name,
      exists,
    ];
    if (store) parts.push(h('div', { class: 'check' }, store, h('label', { for: store.id }, t('storeFromSource', { hosts }))));
    else {
      const value = h('input', {
        id: `import-secret-value-${i}`,
        type: 'password',
        autocomplete: 'off',
        'aria-describedby': `import-secret-value-${i}-hint`,
      });
      parts.push(
        h('label', { for: value.id }, t('secretValue', { header: secret.header })),
        value,
        h('p', { class: 'hint', id: `import-secret-value-${i}-hint` }, t('secretValueHint', { hosts })),
      );
    }
    return h(
      'div',
      { class: 'import-secret', id: `import-secret-${i}` },
      ...parts,
      h('datalist', { id: 'import-secret-names' }, ...(ctx.secrets ?? []).map((s) => h('option', { value: s }))),
    );
  }

  function variableRow(variable: VariableOffer, i: number): HTMLElement {
    const where = t(`in_${variable.in}`);
    if (variable.templated) return h('p', { class: 'hint' }, t('variableReads', { where, path: variable.path, from: variable.suggested }));
    const id = `import-variable-${i}`;
    const was = variable.value !== undefined ? ` ${t('wasValue', { value: String(variable.value) })}` : '';
    return h(
      'div',
      { class: 'check' },
      h('input', { type: 'checkbox', id }),
      h('label', { for: id }, t('variableRead', { where, path: variable.path, from: variable.suggested }), was),
    );
  }

  /** A connection of the workspace whose base URL the imported URL starts with. */
  function connectionFor(requestUrl: string): { name: string; path: string } | undefined {
    for (const connection of connections ?? []) {
      for (const base of [connection.connection.baseUrl.production, connection.connection.baseUrl.staging]) {
        if (!base) continue;
        const prefix = base.replace(/\/+$/, '');
        const rest = requestUrl.slice(prefix.length);
        if (requestUrl.startsWith(prefix) && (rest === '' || rest.startsWith('/') || rest.startsWith('?')))
          return { name: connection.name, path: rest.startsWith('/') ? rest : `/${rest}` };
      }
    }
    return undefined;
  }

  /** Store the secrets asked for, then write the card into the flow and close. */
  async function fill(): Promise<void> {
    const answer = imported;
    if (!answer || busy) return;
    const names = answer.secrets.map((_, i) => byId<HTMLInputElement>(`import-secret-name-${i}`)?.value.trim());
    if (names.some((name) => name !== undefined && !SECRET_NAME.test(name))) return say(t('badName'), true);
    busy = true;
    apply.disabled = true;
    say(t('applying'));
    try {
      let card = answer.card;
      const stored: string[] = [];
      // The command's own values: the import route stores them (the value never comes back to the console).
      const fromSource = answer.secrets
        .map((secret, i) => ({
          secret,
          name: names[i] ?? secret.name,
          store: byId<HTMLInputElement>(`import-secret-store-${i}`)?.checked === true,
        }))
        .filter((s) => s.store && s.secret.valueOffered);
      if (fromSource.length && source.kind === 'curl') {
        const storeSecrets = fromSource.map(({ secret, name }) => ({
          name: secret.name,
          ...(name !== secret.name ? { storeAs: name } : {}),
          allowedHosts: secret.allowedHosts,
        }));
        const again = await api<Imported>(lang, 'POST', '/admin/import/curl', { curl: source.curl, storeSecrets });
        if (!again.ok) return say(again.text, true);
        card = again.body.card;
        stored.push(...fromSource.map((s) => s.name));
      }
      // Values typed here: PUT /admin/secrets/NAME, bound to the card's host.
      for (const [i, secret] of answer.secrets.entries()) {
        const value = byId<HTMLInputElement>(`import-secret-value-${i}`)?.value ?? '';
        const name = names[i] ?? secret.name;
        if (!value) continue;
        const put = await api<SecretView>(lang, 'PUT', `/admin/secrets/${encodeURIComponent(name)}`, {
          value,
          allowedHosts: secret.allowedHosts,
        });
        if (!put.ok) return say(put.text, true);
        stored.push(name);
      }
      // A secret renamed here (and not stored by the import, which renamed it already): the header reads the new name.
      let text = JSON.stringify(card);
      for (const [i, secret] of answer.secrets.entries()) {
        const name = names[i];
        if (name && name !== secret.name && !fromSource.some((s) => s.secret === secret))
          text = text.split(`{{ secrets.${secret.name} }}`).join(`{{ secrets.${name} }}`);
      }
      card = JSON.parse(text) as Imported['card'];
      const request = card.request;
      for (const [i, variable] of answer.variables.entries())
        if (byId<HTMLInputElement>(`import-variable-${i}`)?.checked) readFrom(request, variable);
      const via = connectionFor(String(request.url));
      if (via && byId<HTMLInputElement>('import-connection')?.checked) {
        request.connection = via.name;
        request.url = connectionFor(String(request.url))?.path ?? via.path;
      }
      write(card);
      for (const name of stored) if (ctx.secrets && !ctx.secrets.includes(name)) ctx.secrets.push(name);
      filled = { cardId, stored };
      close();
      ctx.changed(true, 'card-import');
    } finally {
      busy = false;
      if (dialog.isConnected) apply.disabled = false;
    }
  }

  /** The imported request and contract into the card; its other keys (outlets, timeout, follow-up) stay. */
  function write(card: Imported['card']): void {
    const blocks = isObject(ctx.flow.blocks) ? ctx.flow.blocks : {};
    const target = blocks[cardId];
    if (!isObject(target)) return;
    // The API answers the card with the schema's defaults filled in; the flow keeps what was written.
    const { headers, body, includeProfile, ...rest } = card.request;
    const request: Json = { ...rest };
    if (Object.keys(headers).length > 0) request.headers = headers;
    if (body.type !== 'none') request.body = body;
    if (includeProfile !== CARD_DEFAULTS.includeProfile) request.includeProfile = includeProfile;
    target.request = request;
    if (isObject(card.contract)) target.contract = card.contract;
    else delete target.contract;
  }

  document.body.append(dialog);
  select(draft.tab);
  dialog.showModal();
  (draft.tab === 'curl' ? curlBox : tabs.openapi).focus();
  void api<ConnectionList>(lang, 'GET', '/admin/connections').then((answer) => {
    if (answer.ok) connections = answer.body.connections;
  });
}
