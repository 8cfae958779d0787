import { asTarget, field, insertAtCaret, isObject, lastResponse, leafPaths, obj, pick, picker, rowsEditor, setFormRefresh, textInput, tpl, type Groups, type Json, type Tr } from './cardKit';
import { followUpSet } from './cardFollowUp';
import { payloadSet } from './cardPayload';
import { byId, h, type Child } from './dom';

// A Call an API card as a form: its endpoint, headers, payload, success follow-up and the rest (failure
// block, timeout, retry, success condition, fire-and-forget, save-to-attributes), read from and written
// back into the flow document in place (unknown keys stay), so that the form and the JSON stay one.

export { isObject, type Tr };

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const DEFAULT_TIMEOUT_MS = 10_000;

const blocksOf = (flow: Json): Json => (isObject(flow.blocks) ? flow.blocks : {});

/** The ids of the flow's Call an API cards, in document order. */
export function cardIds(flow: Json): string[] {
  return Object.entries(blocksOf(flow))
    .filter(([, block]) => isObject(block) && block.type === 'callApi')
    .map(([id]) => id);
}

/** The attribute names and trigger parameters the flow mentions: what the value picker offers. */
export function knownValues(flow: Json): { attributes: string[]; params: string[] } {
  const source = JSON.stringify(flow);
  const attributes = new Set<string>();
  const params = new Set<string>();
  for (const match of source.matchAll(/attributes\.([A-Za-z_]\w*)/g)) attributes.add(match[1] ?? '');
  for (const match of source.matchAll(/"saveAs":"([A-Za-z_]\w*)"/g)) attributes.add(match[1] ?? '');
  for (const block of Object.values(blocksOf(flow))) {
    if (!isObject(block)) continue;
    for (const map of [block.saveToAttributes, block.set]) if (isObject(map)) for (const name of Object.keys(map)) attributes.add(name);
  }
  for (const match of source.matchAll(/trigger\.params\.([A-Za-z_]\w*)/g)) params.add(match[1] ?? '');
  for (const match of source.matchAll(/"data":"([^"]*)"/g)) for (const key of new URLSearchParams(match[1]).keys()) if (/^[A-Za-z_]\w*$/.test(key)) params.add(key);
  attributes.delete('');
  return { attributes: [...attributes].sort(), params: [...params].sort() };
}

const reads = (card: unknown, what: string): string[] => [...new Set([...JSON.stringify(card ?? {}).matchAll(new RegExp(`${what}\\.([A-Za-z_]\\w*)`, 'g'))].map((m) => m[1] ?? ''))];
/** The attributes a card's own templates read: the sample values a test asks for. */
export const attributesRead = (card: unknown): string[] => reads(card, 'attributes');
/** The trigger parameters a card's own templates read. */
export const paramsRead = (card: unknown): string[] => reads(card, 'trigger\\.params');

export interface CardFormContext {
  flow: Json;
  cardId: string;
  tr: Tr;
  /** Names of the workspace's secrets (never their values); undefined while loading. */
  secrets: string[] | undefined;
  /** The form changed the card in `flow` (in place); `rebuild`: rows were added or removed. */
  changed: (rebuild: boolean) => void;
}

function blockSelect(id: string, ids: string[], value: unknown, tr: Tr, set: (value: string | undefined) => void): HTMLSelectElement {
  const select = h('select', { id, onchange: () => set(select.value || undefined) }, h('option', { value: '' }, tr('noBlock')));
  for (const blockId of ids) select.append(h('option', { value: blockId, selected: blockId === value }, blockId));
  if (typeof value === 'string' && !ids.includes(value)) select.append(h('option', { value, selected: true }, `${value} ?`));
  return select;
}

const check = (id: string, checked: boolean, label: string, set: (on: boolean) => void, hint?: string): HTMLElement => {
  const box = h('input', { id, type: 'checkbox', checked, onchange: () => set(box.checked) });
  if (hint) box.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'check' }, box, h('label', { for: id }, label), hint !== undefined && h('span', { id: `${id}-hint`, class: 'hint' }, hint));
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
    ctx.changed(rebuild);
    if (focus) byId(focus)?.focus();
  };
  const edit = (apply: () => void) => () => (apply(), ctx.changed(false));
  const known = knownValues(flow);
  const valueGroups: Groups = [
    [tr('attributesGroup'), known.attributes.map((name) => `attributes.${name}`)],
    [tr('paramsGroup'), known.params.map((name) => `trigger.params.${name}`)],
  ];
  const req = isObject(card.request) ? card.request : {};
  const response = lastResponse(cardId);
  const responseGroups: Groups = [[tr('responseGroup'), response === undefined ? [] : ['response.status', ...leafPaths(response, 'response.body')]]];

  // Endpoint
  const method = h('select', { id: 'card-method' });
  for (const m of METHODS) method.append(h('option', { value: m, selected: (req.method ?? 'GET') === m }, m));
  method.addEventListener('change', edit(() => (request().method = method.value)));
  const url = textInput('card-url', req.url, (v) => ((request().url = v), ctx.changed(false)), { class: 'wide' });
  const endpoint = h(
    'fieldset',
    {},
    h('legend', {}, tr('endpoint')),
    h('div', { class: 'row' }, field('card-method', tr('method'), method), h('div', { class: 'grow' }, field('card-url', tr('url'), url, tr('urlHint')))),
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
  const timeout = h('input', { id: 'card-timeout', type: 'number', min: '100', max: '30000', step: '100', inputmode: 'numeric' });
  timeout.value = String(typeof card.timeoutMs === 'number' ? card.timeoutMs : DEFAULT_TIMEOUT_MS);
  timeout.addEventListener('input', () => setKey('timeoutMs', timeout.value === '' ? undefined : Number(timeout.value)));
  const when = textInput('card-success-when', card.successWhen, (v) => setKey('successWhen', v.trim() ? v : undefined), { class: 'wide' });
  asTarget(when, { id: when.id, label: tr('successWhen'), kind: 'condition' });
  const saves = isObject(card.saveToAttributes) ? Object.entries(card.saveToAttributes).map(([name, path]) => [name, String(path)]) : [];
  const writeSaves = (rebuild: boolean) => ((card.saveToAttributes = Object.fromEntries(saves)), saves.length || delete card.saveToAttributes, ctx.changed(rebuild));
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
      field('card-on-failure', tr('onFailure'), blockSelect('card-on-failure', others, card.onFailure, tr, (v) => setKey('onFailure', v))),
      field('card-timeout', tr('timeout'), timeout),
    ),
    check('card-retry', card.retry !== false, tr('retry'), (on) => setKey('retry', on, true)),
    check('card-fire-and-forget', card.fireAndForget === true, tr('fireAndForget'), (on) => setKey('fireAndForget', on, false), tr('fireAndForgetHint')),
    field('card-success-when', tr('successWhen'), when, tr('successWhenHint')),
    picker('card-success-when-insert', tr('pathForCondition'), responseGroups, tr, (path) => insertAtCaret(when, path)),
    h(
      'fieldset',
      { id: 'save-mappings' },
      h('legend', {}, tr('saveToAttributes')),
      h('p', { class: 'hint' }, tr(response === undefined ? 'saveHintNoTest' : 'saveHint')),
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
    endpoint,
    headerSet,
    payloadSet({ request, tr, groups: valueGroups, changed }),
    followUpSet({ blocks, card, cardId, others, tr, response, groups: [...responseGroups, ...valueGroups], changed }),
    rest,
  );
}

/** Keep the focus on the control with the same id after the form is rebuilt. */
export function refocus(id: string): void {
  byId(id)?.focus();
}

export type { Child };
