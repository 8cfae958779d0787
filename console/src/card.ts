import {
  asTarget,
  field,
  insertAtCaret,
  isObject,
  lastResponse,
  leafPaths,
  obj,
  pick,
  picker,
  rowsEditor,
  setFormRefresh,
  textInput,
  tpl,
  type Groups,
  type Json,
  type Tr,
} from './cardKit';
import { contractSet } from './cardContract';
import { followUpSet } from './cardFollowUp';
import { contractFieldsLabel, importButton } from './cardImport';
import { contractSample } from './importFill';
import { payloadSet } from './cardPayload';
import { byId, h, type Child } from './dom';
import {
  CALLBACK_TIMEOUT_SECONDS,
  CARD_DEFAULTS,
  CARD_TIMEOUT_MS,
  DEFAULT_HTTP_METHOD,
  HTTP_METHODS,
} from '../../shared/flow/cardDefaults';
import { FAILURE_REASONS } from '../../shared/flow/failureReasons';
import { outletSelect, type EditorContext } from './editorContext';
import { defineTexts } from './i18n';

// A Call an API card as a form: its endpoint, headers, payload, success follow-up and the rest (failure
// block, timeout, retry, success condition, fire-and-forget, save-to-attributes), read from and written
// back into the flow document in place (unknown keys stay), so that the form and the JSON stay one.

export { isObject, type Tr };

const blocksOf = (flow: Json): Json => (isObject(flow.blocks) ? flow.blocks : {});

/** The ids of the flow's Call an API cards, in document order. */
export function cardIds(flow: Json): string[] {
  return Object.entries(blocksOf(flow))
    .filter(([, block]) => isObject(block) && block.type === 'callApi')
    .map(([id]) => id);
}

/**
 * What templates may read of a verified customer (`binding.memberId`, `binding.attributes.NAME`), when
 * the flow verifies or serves verified customers (a card that binds, a personal card, a template
 * reading binding); none otherwise.
 */
export function bindingValues(flow: Json): string[] {
  const source = JSON.stringify(flow);
  if (!/"bind":|"personal":true|binding\./.test(source)) return [];
  return ['binding.memberId', ...bindingAttributes(flow).map((name) => `binding.attributes.${name}`)];
}

/** The attributes the flow's cards keep with a binding (`bind.attributes`) or its templates read (`binding.attributes.NAME`). */
function bindingAttributes(flow: Json): string[] {
  const names = new Set([...JSON.stringify(flow).matchAll(/binding\.attributes\.([A-Za-z_]\w*)/g)].map((m) => m[1] ?? ''));
  for (const block of Object.values(blocksOf(flow)))
    if (isObject(block) && isObject(block.bind) && isObject(block.bind.attributes))
      for (const name of Object.keys(block.bind.attributes)) names.add(name);
  names.delete('');
  return [...names].sort();
}

/** The attribute names and trigger parameters the flow mentions: what the value picker offers. */
export function knownValues(flow: Json): { attributes: string[]; params: string[] } {
  const source = JSON.stringify(flow);
  const attributes = new Set<string>();
  const params = new Set<string>();
  for (const match of source.matchAll(/(?<!binding\.)attributes\.([A-Za-z_]\w*)/g)) attributes.add(match[1] ?? '');
  for (const match of source.matchAll(/"saveAs":"([A-Za-z_]\w*)"/g)) attributes.add(match[1] ?? '');
  for (const block of Object.values(blocksOf(flow))) {
    if (!isObject(block)) continue;
    for (const map of [block.saveToAttributes, block.set]) if (isObject(map)) for (const name of Object.keys(map)) attributes.add(name);
  }
  for (const match of source.matchAll(/trigger\.params\.([A-Za-z_]\w*)/g)) params.add(match[1] ?? '');
  for (const match of source.matchAll(/"data":"([^"]*)"/g))
    for (const key of new URLSearchParams(match[1]).keys()) if (/^[A-Za-z_]\w*$/.test(key)) params.add(key);
  attributes.delete('');
  return { attributes: [...attributes].sort(), params: [...params].sort() };
}

const reads = (card: unknown, what: string): string[] => [
  ...new Set([...JSON.stringify(card ?? {}).matchAll(new RegExp(`${what}\\.([A-Za-z_]\\w*)`, 'g'))].map((m) => m[1] ?? '')),
];
/** The attributes a card's own templates read: the sample values a test asks for. */
export const attributesRead = (card: unknown): string[] => reads(card, '(?<!binding\\.)attributes');
/** The trigger parameters a card's own templates read. */
export const paramsRead = (card: unknown): string[] => reads(card, 'trigger\\.params');
/** What a card's own templates read of the customer's binding: `memberId`, and `binding.attributes.NAME` as NAME. */
export const bindingRead = (card: unknown): string[] => [
  ...reads(card, 'binding').filter((name) => name === 'memberId'),
  ...reads(card, 'binding\\.attributes'),
];

export interface CardFormContext {
  flow: Json;
  cardId: string;
  tr: Tr;
  /** Names of the workspace's secrets (never their values); undefined while loading. */
  secrets: string[] | undefined;
  /** The form changed the card in `flow` (in place); `rebuild`: rows were added or removed (`focus`: the control to focus then). */
  changed: (rebuild: boolean, focus?: string) => void;
  /** The flow editor: its outlet pickers create and link new blocks. */
  editor: EditorContext;
}

const cx = defineTexts({
  en: {
    expect: 'The response is',
    expectData: 'Data for the follow-up blocks',
    expectMessages: 'Messages to send as they are (callcard message format)',
    routing: 'Failures by status or reason',
    routingHint:
      'A failure with one of these statuses, else for one of these reasons, goes to its block; any other failure goes to On failure.',
    byStatus: 'HTTP status',
    statusN: 'Status of route {n}',
    statusTarget: 'Block for status {status}',
    addStatus: 'Add a status',
    removeStatus: 'Remove the route for status {status}',
    byReason: 'Reason',
    reasonN: 'Reason of route {n}',
    reasonTarget: 'Block for reason {reason}',
    addReason: 'Add a reason',
    removeReason: 'Remove the route for reason {reason}',
    callback: "Wait for the brand's callback",
    callbackHint:
      'For slow work at the brand (a booking): it answers 202 at once and later POSTs the result, signed, to the callback URL the request carries (header Callcard-Callback-Url, or {{ callback.url }}). The conversation waits; no callback in time takes the failure path with the reason callback_timeout. The Test and the chat simulator take a 202 as the answer itself.',
    callbackTimeout: 'Wait for it at most (seconds, 10 to 900)',
    cache: 'Cache the answer',
    cacheHint:
      'Non-personal data only (best sellers, opening hours): refused on a personal card, or when the request reads the customer, their attributes or binding.',
    personalData: 'Personal data',
    bindingGroup: 'Verified member',
    personal: 'Who the card runs for',
    personalFlow: 'As the flow says ({state})',
    personalOn: 'Verified members only (personal)',
    personalOff: 'Anyone (not personal)',
    personalHint:
      "A personal card runs only for a customer verified as a member (binding.memberId in templates); anyone else goes to the flow's verification start (flow settings), never to the card. Never cached, never in a group.",
    flowPersonal: 'personal',
    flowNotPersonal: 'not personal',
    bind: 'Verifies the customer: binds them to the member the answer names',
    bindHint:
      'For the card that checks a one-time code (or resolves an account link): its success is the verification. Templates then see binding.memberId and binding.attributes.NAME.',
    bindMember: 'Member id in the answer',
    bindMemberPick: 'Path for the member id',
    bindAttributes: 'More of the member, kept with the binding',
    bindAttrName: 'Binding attribute {n} name',
    bindAttrPath: 'Binding attribute {n} path',
    bindAttrPick: 'Path for binding attribute {n}',
    bindAttrRemove: 'Remove binding attribute {n}',
    bindAttrAdd: 'Add a binding attribute',
    bindAttrNone: 'None.',
    bindMethod: 'Verified by a one-time code the brand sent (LINE and Messenger account linking come next).',
    ttl: 'Keep for (seconds)',
    endpointKind: 'The card calls',
    fullUrl: 'A full URL',
    viaConnection: 'A connection and a path',
    connection: 'Connection',
    connectionHint: "The workspace's brand API: its base URL (staging for Test and the simulator, production on channels) and credentials.",
    noConnection: '(choose a connection)',
    unknownConnection: '{name} (no such connection)',
    noConnections: 'This workspace has no connections yet:',
    connectionsPage: 'create one on the Connections page',
    path: 'Path',
    pathHint:
      "A path under the connection's base URL, starting with / (/members/{{ attributes.memberId }}). Values placed in it are URL-encoded.",
    stale: 'Serve a stale answer when the brand fails, for (seconds)',
  },
  'zh-TW': {
    expect: '回應內容是',
    expectData: '給後續區塊使用的資料',
    expectMessages: '直接傳送的訊息（callcard 訊息格式）',
    routing: '依狀態碼或原因分流失敗',
    routingHint: '失敗時若符合這些 HTTP 狀態碼，或符合這些原因，就前往對應區塊；其他失敗前往「失敗時」。',
    byStatus: 'HTTP 狀態碼',
    statusN: '第 {n} 條分流的狀態碼',
    statusTarget: '狀態碼 {status} 的區塊',
    addStatus: '新增狀態碼',
    removeStatus: '移除狀態碼 {status} 的分流',
    byReason: '原因',
    reasonN: '第 {n} 條分流的原因',
    reasonTarget: '原因 {reason} 的區塊',
    addReason: '新增原因',
    removeReason: '移除原因 {reason} 的分流',
    callback: '等待品牌回呼',
    callbackHint:
      '適用品牌端較慢的作業（例如訂位）：品牌先回覆 202，之後將結果簽章後 POST 到請求附帶的回呼網址（標頭 Callcard-Callback-Url，或 {{ callback.url }}）。對話會等待；逾時未收到回呼則走失敗路徑，原因為 callback_timeout。測試與聊天模擬器會把 202 當作回應本身。',
    callbackTimeout: '最多等待（秒，10 到 900）',
    cache: '快取回應',
    cacheHint: '只適用非個人資料（熱銷商品、營業時間）：個人卡片，或請求讀取顧客、其屬性或會員綁定時不允許。',
    personalData: '個人資料',
    bindingGroup: '已驗證會員',
    personal: '這張卡片為誰執行',
    personalFlow: '依流程設定（{state}）',
    personalOn: '僅限已驗證會員（個人卡片）',
    personalOff: '任何人（非個人）',
    personalHint:
      '個人卡片只為已驗證為會員的顧客執行（範本中的 binding.memberId）；其他顧客會被帶到流程的驗證起點（流程設定），不會執行這張卡片。不會快取，也不會在群組中執行。',
    flowPersonal: '個人',
    flowNotPersonal: '非個人',
    bind: '驗證顧客：綁定為回應中的會員',
    bindHint:
      '用於檢查一次性驗證碼（或解析帳號連結）的卡片：它成功就代表驗證通過。之後範本可使用 binding.memberId 與 binding.attributes.名稱。',
    bindMember: '回應中的會員編號',
    bindMemberPick: '會員編號的路徑',
    bindAttributes: '一併保存的其他會員資料',
    bindAttrName: '綁定屬性 {n} 名稱',
    bindAttrPath: '綁定屬性 {n} 路徑',
    bindAttrPick: '綁定屬性 {n} 的路徑',
    bindAttrRemove: '移除綁定屬性 {n}',
    bindAttrAdd: '新增綁定屬性',
    bindAttrNone: '沒有。',
    bindMethod: '以品牌傳送的一次性驗證碼驗證（LINE 與 Messenger 帳號連結將於下一階段提供）。',
    ttl: '保留（秒）',
    endpointKind: '卡片呼叫',
    fullUrl: '完整網址',
    viaConnection: 'API 連線與路徑',
    connection: 'API 連線',
    connectionHint: '工作區的品牌 API：其基礎網址（測試與模擬器用測試環境，頻道用正式環境）與憑證。',
    noConnection: '（請選擇連線）',
    unknownConnection: '{name}（沒有這個連線）',
    noConnections: '這個工作區還沒有連線：',
    connectionsPage: '到「API 連線」頁面建立',
    path: '路徑',
    pathHint: '連線基礎網址下的路徑，以 / 開頭（/members/{{ attributes.memberId }}）。放入的值會自動進行 URL 編碼。',
    stale: '品牌 API 失敗時，提供舊回應的時間（秒）',
  },
});

const check = (id: string, checked: boolean, label: string, set: (on: boolean) => void, hint?: string): HTMLElement => {
  const box = h('input', { id, type: 'checkbox', checked, onchange: () => set(box.checked) });
  if (hint) box.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'check' },
    box,
    h('label', { for: id }, label),
    hint !== undefined && h('span', { id: `${id}-hint`, class: 'hint' }, hint),
  );
};

/** The form of one card; every edit writes into `ctx.flow` and calls `ctx.changed`. */
export function renderCardForm(ctx: CardFormContext): HTMLElement {
  const { tr, flow, cardId } = ctx;
  const blocks = blocksOf(flow);
  const card = blocks[cardId];
  if (!isObject(card)) return h('p', {}, tr('noCard', { id: cardId }));
  setFormRefresh(() => byId('card-form')?.replaceWith(renderCardForm(ctx)));
  const request = (): Json => obj(card, 'request');
  /** Write and tell; `focus`: rebuild the form, then put the focus there. */
  const changed = (rebuild: boolean, focus?: string) => {
    ctx.changed(rebuild, focus);
    if (focus) byId(focus)?.focus();
  };
  const edit = (apply: () => void) => () => (apply(), ctx.changed(false));
  const known = knownValues(flow);
  const valueGroups: Groups = [
    [tr('attributesGroup'), known.attributes.map((name) => `attributes.${name}`)],
    [tr('paramsGroup'), known.params.map((name) => `trigger.params.${name}`)],
    // Who a verified customer is: for personal cards (binding.memberId in the URL, the body…).
    [cx(ctx.editor.lang, 'bindingGroup'), bindingValues(flow)],
  ];
  const req = isObject(card.request) ? card.request : {};
  // The pickers' response fields: the last test's, else (an imported card not tested yet) its contract's.
  const tested = lastResponse(cardId);
  const response = tested ?? contractSample(card);
  const responseGroups: Groups = [
    [
      tested === undefined && response !== undefined ? contractFieldsLabel(ctx.editor.lang) : tr('responseGroup'),
      response === undefined ? [] : ['response.status', ...leafPaths(response, 'response.body')],
    ],
  ];

  // Endpoint: a full URL, or a connection of the workspace (request.connection) and a path under its base URL.
  const method = h('select', { id: 'card-method' });
  for (const m of HTTP_METHODS) method.append(h('option', { value: m, selected: (req.method ?? DEFAULT_HTTP_METHOD) === m }, m));
  method.addEventListener(
    'change',
    edit(() => (request().method = method.value)),
  );
  const c = (key: Parameters<typeof cx>[1], values?: Record<string, string | number>) => cx(ctx.editor.lang, key, values);
  const connected = typeof req.connection === 'string';
  const at = `flow.blocks.${cardId}.request`;
  const url = textInput('card-url', req.url, (v) => ((request().url = v), ctx.changed(false)), { class: 'wide' });
  const endpoint = h(
    'fieldset',
    {},
    h('legend', {}, tr('endpoint')),
    endpointKind(ctx, request, connected, changed),
    connected && connectionField(ctx, String(req.connection), request, `${at}.connection`),
    h(
      'div',
      { class: 'row' },
      field('card-method', tr('method'), method),
      h(
        'div',
        { class: 'grow' },
        field('card-url', connected ? c('path') : tr('url'), url, connected ? c('pathHint') : tr('urlHint')),
        problemsAt(ctx, `${at}.url`, url),
      ),
    ),
    picker('card-url-insert', tr('insertIntoUrl'), valueGroups, tr, (value) => insertAtCaret(url, tpl(value))),
  );

  // Headers
  const headers = isObject(req.headers) ? Object.entries(req.headers).map(([name, value]) => [name, String(value)]) : [];
  const headerSet = h(
    'fieldset',
    {},
    h('legend', {}, tr('headers')),
    h('p', { class: 'hint' }, tr(ctx.secrets?.length === 0 ? 'noSecrets' : 'headersHint')),
    ...rowsEditor({
      id: 'header',
      rows: headers,
      tr,
      write: (rebuild) => ((request().headers = Object.fromEntries(headers)), ctx.changed(rebuild)),
      name: (n) => tr('headerName', { n }),
      value: (n) => tr('headerValue', { n }),
      pick: (n) => tr('insertIntoHeader', { n }),
      remove: (n) => tr('removeHeader', { n }),
      add: tr('addHeader'),
      empty: tr('noHeaders'),
      fresh: 'X-Header-',
      groups: [[tr('secretsGroup'), (ctx.secrets ?? []).map((s) => `secrets.${s}`)], ...valueGroups],
    }),
  );

  // The rest: failure, timing, success condition, fire-and-forget, save-to-attributes.
  const others = Object.keys(blocks).filter((id) => id !== cardId);
  const setKey = (key: string, value: unknown, unset: unknown = undefined) => {
    if (value === unset || value === '') delete card[key];
    else card[key] = value;
    ctx.changed(false);
  };
  const timeout = h('input', {
    id: 'card-timeout',
    type: 'number',
    min: String(CARD_TIMEOUT_MS.min),
    max: String(CARD_TIMEOUT_MS.max),
    step: '100',
    inputmode: 'numeric',
  });
  timeout.value = String(typeof card.timeoutMs === 'number' ? card.timeoutMs : CARD_TIMEOUT_MS.default);
  timeout.addEventListener('input', () => setKey('timeoutMs', timeout.value === '' ? undefined : Number(timeout.value)));
  const when = textInput('card-success-when', card.successWhen, (v) => setKey('successWhen', v.trim() ? v : undefined), { class: 'wide' });
  asTarget(when, { id: when.id, label: tr('successWhen'), kind: 'condition' });
  const saves = isObject(card.saveToAttributes) ? Object.entries(card.saveToAttributes).map(([name, path]) => [name, String(path)]) : [];
  const writeSaves = (rebuild: boolean) => (
    (card.saveToAttributes = Object.fromEntries(saves)),
    saves.length || delete card.saveToAttributes,
    ctx.changed(rebuild)
  );
  pick.addMapping = (name, path) => {
    const taken = new Set(saves.map(([n]) => n));
    let free = name;
    for (let n = 2; taken.has(free); n++) free = `${name}${n}`;
    saves.push([free, path]);
    writeSaves(true);
  };
  const rest = h(
    'fieldset',
    {},
    h('legend', {}, tr('restOfCard')),
    h(
      'div',
      { class: 'row' },
      outletSelect({
        id: 'card-on-failure',
        label: tr('onFailure'),
        ctx: ctx.editor,
        owner: { kind: 'block', id: cardId },
        outlet: ['onFailure'],
        value: card.onFailure,
        exclude: [cardId],
        hint: `${cardId}_failed`,
        set: (v) => setKey('onFailure', v),
      }),
      field('card-timeout', tr('timeout'), timeout),
    ),
    check('card-retry', typeof card.retry === 'boolean' ? card.retry : CARD_DEFAULTS.retry, tr('retry'), (on) =>
      setKey('retry', on, CARD_DEFAULTS.retry),
    ),
    check(
      'card-fire-and-forget',
      typeof card.fireAndForget === 'boolean' ? card.fireAndForget : CARD_DEFAULTS.fireAndForget,
      tr('fireAndForget'),
      (on) => setKey('fireAndForget', on, CARD_DEFAULTS.fireAndForget),
      tr('fireAndForgetHint'),
    ),
    callbackSet(card, ctx),
    routingSet(card, cardId, ctx),
    expectSet(card, ctx),
    contractSet(card, cardId, ctx.editor, changed),
    personalSet(card, ctx, responseGroups),
    cacheSet(card, ctx),
    field('card-success-when', tr('successWhen'), when, tr('successWhenHint')),
    picker('card-success-when-insert', tr('pathForCondition'), responseGroups, tr, (path) => insertAtCaret(when, path)),
    h(
      'fieldset',
      { id: 'save-mappings' },
      h('legend', {}, tr('saveToAttributes')),
      h('p', { class: 'hint' }, tr(tested === undefined ? 'saveHintNoTest' : 'saveHint')),
      ...rowsEditor({
        id: 'save',
        rows: saves,
        tr,
        write: writeSaves,
        name: (n) => tr('mappingName', { n }),
        value: (n) => tr('mappingPath', { n }),
        pick: (n) => tr('mappingPick', { n }),
        remove: (n) => tr('removeMapping', { n }),
        add: tr('addMapping'),
        empty: tr('noMappings'),
        fresh: 'value',
        groups: responseGroups,
        wrap: (path) => path,
        pickAction: 'use',
        valueInput: (input, n) => asTarget(input, { id: input.id, label: tr('mappingPath', { n }), kind: 'path' }),
      }),
    ),
  );

  return h(
    'form',
    { id: 'card-form', class: 'card-form', 'aria-labelledby': 'card-heading', onsubmit: (event) => event.preventDefault() },
    h('h2', { id: 'card-heading' }, tr('cardHeading', { id: cardId })),
    importButton({ lang: ctx.editor.lang, flow, cardId, secrets: ctx.secrets, changed }),
    endpoint,
    headerSet,
    payloadSet({ request, tr, groups: valueGroups, changed }),
    followUpSet({
      blocks,
      card,
      cardId,
      others,
      tr,
      response,
      groups: [...responseGroups, ...valueGroups],
      changed,
      onSuccess: outletSelect({
        id: 'card-on-success',
        label: tr('onSuccess'),
        ctx: ctx.editor,
        owner: { kind: 'block', id: cardId },
        outlet: ['onSuccess'],
        value: card.onSuccess,
        exclude: [cardId],
        hint: `${cardId}_reply`,
        // The follow-up's messages below are the chosen block's: draw them again.
        set: (v) => (v ? (card.onSuccess = v) : delete card.onSuccess, changed(true, 'card-on-success')),
      }),
    }),
    rest,
  );
}

/** Keep the focus on the control with the same id after the form is rebuilt. */
export function refocus(id: string): void {
  byId(id)?.focus();
}

export type { Child };

/**
 * How the card reaches the brand: a full URL, or a connection and a path. Choosing a connection names
 * the workspace's first one and keeps the URL's path; choosing a full URL drops the connection (the
 * path stays, for the admin to put a base URL in front of).
 */
function endpointKind(
  ctx: CardFormContext,
  request: () => Json,
  connected: boolean,
  changed: (rebuild: boolean, focus?: string) => void,
): HTMLElement {
  const c = (key: Parameters<typeof cx>[1]) => cx(ctx.editor.lang, key);
  const radio = (value: 'url' | 'connection', label: string) => {
    const input = h('input', {
      type: 'radio',
      name: 'card-endpoint-kind',
      id: `card-endpoint-${value}`,
      value,
      checked: connected === (value === 'connection'),
    });
    input.addEventListener('change', () => {
      const req = request();
      if (value === 'connection') {
        req.connection = ctx.editor.connections?.[0] ?? '';
        const path = String(req.url ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
        req.url = path.startsWith('/') ? path : `/${path}`;
      } else delete req.connection;
      changed(true, input.id);
    });
    return h('div', { class: 'check' }, input, h('label', { for: input.id }, label));
  };
  return h(
    'fieldset',
    { id: 'card-endpoint-kind', class: 'inline' },
    h('legend', {}, c('endpointKind')),
    radio('url', c('fullUrl')),
    radio('connection', c('viaConnection')),
  );
}

/** The connection a card calls: the workspace's, or the one the card names that the workspace lacks (its problem under it). */
function connectionField(ctx: CardFormContext, current: string, request: () => Json, path: string): HTMLElement {
  const c = (key: Parameters<typeof cx>[1], values?: Record<string, string | number>) => cx(ctx.editor.lang, key, values);
  const names = ctx.editor.connections;
  const select = h('select', { id: 'card-connection' });
  for (const name of names ?? []) select.append(h('option', { value: name, selected: name === current }, name));
  if (!names?.includes(current))
    select.append(
      h(
        'option',
        { value: current, selected: true },
        names === undefined ? current : current === '' ? c('noConnection') : c('unknownConnection', { name: current }),
      ),
    );
  select.addEventListener('change', () => {
    request().connection = select.value;
    ctx.changed(false);
  });
  const none =
    names?.length === 0 &&
    h('p', { class: 'hint', id: 'card-connection-none' }, c('noConnections'), ' ', h('a', { href: '#/connections' }, c('connectionsPage')));
  return h('div', {}, field('card-connection', c('connection'), select, c('connectionHint')), problemsAt(ctx, path, select), none);
}

/** The flow's problems (and warnings) at `path`, under its field; `control` marked invalid. */
function problemsAt(ctx: CardFormContext, path: string, control: HTMLElement): HTMLElement | false {
  const mine = ctx.editor.problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
  if (!mine.length) return false;
  const id = `${control.id}-problem`;
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
  return h('p', { id, class: 'error field-problem' }, mine.map((p) => p.message).join('; '));
}

/** `expect`: data for templates (the default, left unwritten), or messages the brand returns ready-made. */
function expectSet(card: Json, ctx: CardFormContext): HTMLElement {
  const c = (key: Parameters<typeof cx>[1]) => cx(ctx.editor.lang, key);
  const radio = (value: 'data' | 'messages', label: string) => {
    const input = h('input', {
      type: 'radio',
      name: 'card-expect',
      id: `card-expect-${value}`,
      value,
      checked: (card.expect ?? CARD_DEFAULTS.expect) === value,
    });
    input.addEventListener('change', () => {
      if (value === CARD_DEFAULTS.expect) delete card.expect;
      else card.expect = value;
      ctx.changed(false);
    });
    return h('div', { class: 'check' }, input, h('label', { for: input.id }, label));
  };
  return h(
    'fieldset',
    { id: 'card-expect' },
    h('legend', {}, c('expect')),
    radio('data', c('expectData')),
    radio('messages', c('expectMessages')),
  );
}

/**
 * Personal data: `personal` (as the flow says when left out, else true or false), and `bind`: on
 * success the customer is bound to the member the answer names (`memberId` and more attributes, each a
 * path into the response; a test's response fields fill them when clicked).
 */
function personalSet(card: Json, ctx: CardFormContext, responseGroups: Groups): HTMLElement {
  const c = (key: Parameters<typeof cx>[1], values?: Record<string, string | number>) => cx(ctx.editor.lang, key, values);
  const state = c(ctx.flow.personal === true ? 'flowPersonal' : 'flowNotPersonal');
  const select = h(
    'select',
    { id: 'card-personal', 'aria-describedby': 'card-personal-hint' },
    h('option', { value: '', selected: typeof card.personal !== 'boolean' }, c('personalFlow', { state })),
    h('option', { value: 'true', selected: card.personal === true }, c('personalOn')),
    h('option', { value: 'false', selected: card.personal === false }, c('personalOff')),
  );
  select.addEventListener('change', () => {
    if (select.value === '') delete card.personal;
    else card.personal = select.value === 'true';
    ctx.changed(false);
  });
  const bind = isObject(card.bind) ? card.bind : undefined;
  const on = h('input', { id: 'card-bind', type: 'checkbox', checked: bind !== undefined, 'aria-describedby': 'card-bind-hint' });
  on.addEventListener('change', () => {
    if (on.checked) card.bind = { memberId: 'response.body.memberId' };
    else delete card.bind;
    ctx.changed(true, on.checked ? 'card-bind-member' : 'card-bind');
  });
  const parts: Child[] = [];
  if (bind) {
    const member = textInput('card-bind-member', bind.memberId, (v) => ((bind.memberId = v.trim()), ctx.changed(false)), { class: 'wide' });
    asTarget(member, { id: member.id, label: c('bindMember'), kind: 'path' });
    const rows = isObject(bind.attributes) ? Object.entries(bind.attributes).map(([name, path]) => [name, String(path)]) : [];
    parts.push(
      field('card-bind-member', c('bindMember'), member),
      picker(
        'card-bind-member-pick',
        c('bindMemberPick'),
        responseGroups,
        ctx.tr,
        (path) => ((member.value = path), member.dispatchEvent(new Event('input'))),
      ),
      h(
        'fieldset',
        { id: 'card-bind-attributes' },
        h('legend', {}, c('bindAttributes')),
        ...rowsEditor({
          id: 'bind-attr',
          rows,
          tr: ctx.tr,
          write: (rebuild) => ((bind.attributes = Object.fromEntries(rows)), rows.length || delete bind.attributes, ctx.changed(rebuild)),
          name: (n) => c('bindAttrName', { n }),
          value: (n) => c('bindAttrPath', { n }),
          pick: (n) => c('bindAttrPick', { n }),
          remove: (n) => c('bindAttrRemove', { n }),
          add: c('bindAttrAdd'),
          empty: c('bindAttrNone'),
          fresh: 'name',
          groups: responseGroups,
          wrap: (path) => path,
          pickAction: 'use',
          valueInput: (input, n) => asTarget(input, { id: input.id, label: c('bindAttrPath', { n }), kind: 'path' }),
        }),
      ),
      h('p', { class: 'hint', id: 'card-bind-method' }, c('bindMethod')),
    );
  }
  return h(
    'fieldset',
    { id: 'card-personal-set' },
    h('legend', {}, c('personalData')),
    field('card-personal', c('personal'), select),
    h('p', { class: 'hint', id: 'card-personal-hint' }, c('personalHint')),
    h(
      'div',
      { class: 'check' },
      on,
      h('label', { for: 'card-bind' }, c('bind')),
      h('span', { id: 'card-bind-hint', class: 'hint' }, c('bindHint')),
    ),
    ...parts,
  );
}

/** `cache`: off unless switched on; its two durations, written only when set. */

/** "Wait for the brand's callback" (README "Waiting for the brand (callbacks)"): `callback.timeoutSeconds`. */
function callbackSet(card: Json, ctx: CardFormContext): HTMLElement {
  const c = (key: Parameters<typeof cx>[1]) => cx(ctx.editor.lang, key);
  const callback = isObject(card.callback) ? card.callback : undefined;
  const on = h('input', {
    id: 'card-callback',
    type: 'checkbox',
    checked: callback !== undefined,
    'aria-describedby': 'card-callback-hint',
  });
  on.addEventListener('change', () => {
    if (on.checked) card.callback = { timeoutSeconds: CALLBACK_TIMEOUT_SECONDS.default };
    else delete card.callback;
    ctx.changed(true, on.checked ? 'card-callback-timeout' : 'card-callback');
  });
  const seconds = h('input', {
    id: 'card-callback-timeout',
    type: 'number',
    min: String(CALLBACK_TIMEOUT_SECONDS.min),
    max: String(CALLBACK_TIMEOUT_SECONDS.max),
    step: '1',
    inputmode: 'numeric',
  });
  seconds.value =
    callback && typeof callback.timeoutSeconds === 'number' ? String(callback.timeoutSeconds) : String(CALLBACK_TIMEOUT_SECONDS.default);
  seconds.addEventListener('input', () => {
    if (!isObject(card.callback)) return;
    if (seconds.value === '') delete card.callback.timeoutSeconds;
    else card.callback.timeoutSeconds = Number(seconds.value);
    ctx.changed(false);
  });
  return h(
    'div',
    { id: 'card-callback-set' },
    h(
      'div',
      { class: 'check' },
      on,
      h('label', { for: 'card-callback' }, c('callback')),
      h('span', { id: 'card-callback-hint', class: 'hint' }, c('callbackHint')),
    ),
    callback !== undefined && field('card-callback-timeout', c('callbackTimeout'), seconds),
  );
}

function cacheSet(card: Json, ctx: CardFormContext): HTMLElement {
  const c = (key: Parameters<typeof cx>[1]) => cx(ctx.editor.lang, key);
  const cache = isObject(card.cache) ? card.cache : undefined;
  const number = (id: string, key: 'ttlSeconds' | 'staleIfErrorSeconds', min: number, max: number) => {
    const input = h('input', { id, type: 'number', min: String(min), max: String(max), step: '1', inputmode: 'numeric' });
    input.value = cache && typeof cache[key] === 'number' ? String(cache[key]) : '';
    input.addEventListener('input', () => {
      if (!isObject(card.cache)) return;
      if (input.value === '') delete card.cache[key];
      else card.cache[key] = Number(input.value);
      ctx.changed(false);
    });
    return input;
  };
  const on = h('input', { id: 'card-cache', type: 'checkbox', checked: cache !== undefined, 'aria-describedby': 'card-cache-hint' });
  on.addEventListener('change', () => {
    if (on.checked) card.cache = { ttlSeconds: 60 };
    else delete card.cache;
    ctx.changed(true, on.checked ? 'card-cache-ttl' : 'card-cache');
  });
  return h(
    'fieldset',
    { id: 'card-cache-set' },
    h('legend', {}, c('cache')),
    h(
      'div',
      { class: 'check' },
      on,
      h('label', { for: 'card-cache' }, c('cache')),
      h('span', { id: 'card-cache-hint', class: 'hint' }, c('cacheHint')),
    ),
    cache !== undefined &&
      h(
        'div',
        { class: 'row' },
        field('card-cache-ttl', c('ttl'), number('card-cache-ttl', 'ttlSeconds', 1, 3600)),
        field('card-cache-stale', c('stale'), number('card-cache-stale', 'staleIfErrorSeconds', 0, 86_400)),
      ),
  );
}

/**
 * `onStatus` and `onReason`: a failure with a given HTTP status, else for a given reason, goes to its
 * own block ("no such order" on a 404, "try again later" on a timeout); each target offers "create a block".
 */
function routingSet(card: Json, cardId: string, ctx: CardFormContext): HTMLElement {
  const c = (key: Parameters<typeof cx>[1], values?: Record<string, string | number>) => cx(ctx.editor.lang, key, values);
  const routes = (key: 'onStatus' | 'onReason'): Json => (isObject(card[key]) ? card[key] : {});
  const write = (key: 'onStatus' | 'onReason', entries: Array<[string, unknown]>, focus?: string) => {
    if (entries.length) card[key] = Object.fromEntries(entries);
    else delete card[key];
    ctx.changed(true, focus);
  };
  const rows = (key: 'onStatus' | 'onReason') => {
    const entries = Object.entries(routes(key));
    const status = key === 'onStatus';
    return entries.map(([name, target], i) => {
      const n = i + 1;
      const nameControl = status
        ? textInput(`card-status-${i}`, name, () => undefined, {
            'aria-label': c('statusN', { n }),
            inputmode: 'numeric',
            maxlength: '3',
            class: 'short',
          })
        : h(
            'select',
            { id: `card-reason-${i}`, 'aria-label': c('reasonN', { n }) },
            ...FAILURE_REASONS.map((reason) => h('option', { value: reason, selected: reason === name }, reason)),
          );
      // A key is renamed when its field is left (a status is typed digit by digit).
      nameControl.addEventListener('change', () => {
        const value = nameControl.value.trim();
        if (!value || value === name || entries.some(([other]) => other === value)) return;
        entries[i] = [value, target];
        write(key, entries, nameControl.id);
      });
      return h(
        'li',
        { class: 'header-row' },
        nameControl,
        outletSelect({
          id: `card-${status ? 'status' : 'reason'}-target-${i}`,
          label: c(status ? 'statusTarget' : 'reasonTarget', status ? { status: name } : { reason: name }),
          ctx: ctx.editor,
          owner: { kind: 'block', id: cardId },
          outlet: [key, name],
          value: target,
          exclude: [cardId],
          hint: `${cardId}_${status ? name : name.replace(/^http_/, '')}`,
          set: (v) => {
            if (v === undefined) entries.splice(i, 1);
            else entries[i] = [name, v];
            write(key, entries, `card-${status ? 'status' : 'reason'}-add`);
          },
        }),
        h(
          'button',
          {
            type: 'button',
            'aria-label': c(status ? 'removeStatus' : 'removeReason', status ? { status: name } : { reason: name }),
            onclick: () => (entries.splice(i, 1), write(key, entries, `card-${status ? 'status' : 'reason'}-add`)),
          },
          '✕',
        ),
      );
    });
  };
  const add = (key: 'onStatus' | 'onReason') => {
    const entries = Object.entries(routes(key));
    const taken = new Set(entries.map(([name]) => name));
    const fresh =
      key === 'onStatus'
        ? (['404', '400', '401', '403', '409', '422', '500', '503'].find((s) => !taken.has(s)) ?? '404')
        : (FAILURE_REASONS.find((r) => !taken.has(r)) ?? 'timeout');
    if (taken.has(fresh)) return;
    // A route needs a target: it starts on the card's failure block, or the first other block.
    const target =
      typeof card.onFailure === 'string'
        ? card.onFailure
        : Object.keys(isObject(ctx.flow.blocks) ? ctx.flow.blocks : {}).find((id) => id !== cardId);
    if (target === undefined)
      return void ctx.editor.createBlock('message', { owner: { kind: 'block', id: cardId }, outlet: [key, fresh] }, `${cardId}_${fresh}`);
    entries.push([fresh, target]);
    write(key, entries, key === 'onStatus' ? `card-status-${entries.length - 1}` : `card-reason-${entries.length - 1}`);
  };
  const status = rows('onStatus');
  const reason = rows('onReason');
  return h(
    'fieldset',
    { id: 'card-routing' },
    h('legend', {}, c('routing')),
    h('p', { class: 'hint' }, c('routingHint')),
    h('h3', {}, c('byStatus')),
    status.length > 0 && h('ul', { class: 'rows' }, ...status),
    h('button', { type: 'button', id: 'card-status-add', onclick: () => add('onStatus') }, c('addStatus')),
    h('h3', {}, c('byReason')),
    reason.length > 0 && h('ul', { class: 'rows' }, ...reason),
    h('button', { type: 'button', id: 'card-reason-add', onclick: () => add('onReason') }, c('addReason')),
  );
}
