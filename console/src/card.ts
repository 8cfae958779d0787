import { byId, h, type Child } from './dom';
import type { TextKey } from './i18n';

// A Call an API card as a form: its endpoint, headers, payload and follow-ups, read from and written
// back into the flow document in place (unknown keys stay), so that the form and the JSON stay one.

export type Tr = (key: TextKey, values?: Record<string, string | number>) => string;
type Json = Record<string, unknown>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const DEFAULT_TIMEOUT_MS = 10_000;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** The attributes a card's own templates read: the sample values a test asks for. */
export function attributesRead(card: unknown): string[] {
  return [...new Set([...JSON.stringify(card ?? {}).matchAll(/attributes\.([A-Za-z_]\w*)/g)].map((m) => m[1] ?? ''))];
}

export interface CardFormContext {
  flow: Json;
  cardId: string;
  tr: Tr;
  /** Names of the workspace's secrets (never their values); undefined while loading. */
  secrets: string[] | undefined;
  /** The form changed the card in `flow` (in place); `rebuild`: rows were added or removed. */
  changed: (rebuild: boolean) => void;
}

/** Insert `text` at the caret of `input` (at the end when it never had one). */
function insertAtCaret(input: HTMLInputElement, text: string): void {
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? start;
  input.setRangeText(text, start, end, 'end');
  input.focus();
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

/** A select of choices and an Insert button (a select alone would insert on every arrow key). */
function picker(id: string, label: string, groups: Array<[string, string[]]>, tr: Tr, insert: (value: string) => void): HTMLElement {
  const select = h('select', { id }, h('option', { value: '' }, tr('chooseValue')));
  for (const [name, values] of groups) if (values.length) select.append(h('optgroup', { label: name }, ...values.map((value) => h('option', { value }, value))));
  const button = h('button', {
    type: 'button',
    'aria-label': `${tr('insert')}: ${label}`,
    onclick: () => {
      if (select.value) insert(select.value);
      select.value = '';
    },
  }, tr('insert'));
  return h('span', { class: 'picker' }, h('label', { for: id }, label), select, button);
}

function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint !== undefined && h('p', { id: `${id}-hint`, class: 'hint' }, hint));
}

function blockSelect(id: string, ids: string[], value: unknown, tr: Tr, set: (value: string | undefined) => void): HTMLSelectElement {
  const select = h('select', { id, onchange: () => set(select.value || undefined) }, h('option', { value: '' }, tr('noBlock')));
  for (const blockId of ids) select.append(h('option', { value: blockId, selected: blockId === value }, blockId));
  if (typeof value === 'string' && !ids.includes(value)) select.append(h('option', { value, selected: true }, `${value} ?`));
  return select;
}

/** The form of one card; every edit writes into `ctx.flow` and calls `ctx.changed`. */
export function renderCardForm(ctx: CardFormContext): HTMLElement {
  const { tr, flow, cardId } = ctx;
  const blocks = blocksOf(flow);
  const card = blocks[cardId];
  if (!isObject(card)) return h('p', {}, tr('noCard', { id: cardId }));
  const request = (): Json => (isObject(card.request) ? card.request : (card.request = {}));
  const edit = (apply: () => void, rebuild = false) => () => {
    apply();
    ctx.changed(rebuild);
  };
  const known = knownValues(flow);
  const valueGroups: Array<[string, string[]]> = [
    [tr('attributesGroup'), known.attributes.map((name) => `attributes.${name}`)],
    [tr('paramsGroup'), known.params.map((name) => `trigger.params.${name}`)],
  ];
  const req = isObject(card.request) ? card.request : {};

  // Endpoint
  const method = h('select', { id: 'card-method' });
  for (const m of METHODS) method.append(h('option', { value: m, selected: (req.method ?? 'GET') === m }, m));
  method.addEventListener('change', edit(() => (request().method = method.value)));
  const url = h('input', { id: 'card-url', type: 'text', spellcheck: 'false', autocomplete: 'off', class: 'wide' });
  url.value = typeof req.url === 'string' ? req.url : '';
  url.addEventListener('input', edit(() => (request().url = url.value)));
  const endpoint = h(
    'fieldset',
    {},
    h('legend', {}, tr('endpoint')),
    h('div', { class: 'row' }, field('card-method', tr('method'), method), h('div', { class: 'grow' }, field('card-url', tr('url'), url, tr('urlHint')))),
    picker('card-url-insert', tr('insertIntoUrl'), valueGroups, tr, (value) => insertAtCaret(url, `{{ ${value} }}`)),
  );

  // Headers
  const headers = isObject(req.headers) ? Object.entries(req.headers).map(([name, value]) => [name, String(value)]) : [];
  const writeHeaders = () => (request().headers = Object.fromEntries(headers));
  const rows = headers.map((row, i) => {
    const name = h('input', { id: `header-name-${i}`, type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-label': tr('headerName', { n: i + 1 }) });
    name.value = row[0] ?? '';
    name.addEventListener('input', edit(() => ((row[0] = name.value), writeHeaders())));
    const value = h('input', { id: `header-value-${i}`, type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-label': tr('headerValue', { n: i + 1 }) });
    value.value = row[1] ?? '';
    value.addEventListener('input', edit(() => ((row[1] = value.value), writeHeaders())));
    const secretGroups: Array<[string, string[]]> = [[tr('secretsGroup'), (ctx.secrets ?? []).map((s) => `secrets.${s}`)], ...valueGroups];
    return h(
      'li',
      { class: 'header-row' },
      name,
      value,
      picker(`header-insert-${i}`, tr('insertIntoHeader', { n: i + 1 }), secretGroups, tr, (v) => insertAtCaret(value, `{{ ${v} }}`)),
      h('button', { type: 'button', id: `header-remove-${i}`, 'aria-label': tr('removeHeader', { n: i + 1 }), onclick: edit(() => (headers.splice(i, 1), writeHeaders()), true) }, '✕'),
    );
  });
  const headerSet = h(
    'fieldset',
    {},
    h('legend', {}, tr('headers')),
    h('p', { class: 'hint' }, tr(ctx.secrets?.length === 0 ? 'noSecrets' : 'headersHint')),
    rows.length ? h('ul', { class: 'rows' }, ...rows) : h('p', {}, tr('noHeaders')),
    h('button', { type: 'button', id: 'header-add', onclick: edit(() => (headers.push([headers.some(([n]) => n === '') ? `X-Header-${headers.length + 1}` : '', '']), writeHeaders()), true) }, tr('addHeader')),
  );

  // Payload: the JSON body's value (empty: no body); other body kinds are edited in the JSON.
  const body = isObject(req.body) ? req.body : { type: 'none' };
  const payload = h('textarea', { id: 'card-body', class: 'small', spellcheck: 'false', autocomplete: 'off' });
  const payloadStatus = h('p', { id: 'card-body-status', class: 'hint', role: 'status' });
  let payloadSet: HTMLElement;
  if (body.type === 'form') payloadSet = h('fieldset', {}, h('legend', {}, tr('payload')), h('p', {}, tr('formBody')));
  else {
    payload.value = body.type === 'json' ? JSON.stringify(body.value, null, 2) : '';
    payload.addEventListener('input', () => {
      const source = payload.value.trim();
      if (!source) {
        delete request().body;
      } else {
        try {
          request().body = { type: 'json', value: JSON.parse(source) as unknown };
        } catch (error) {
          payload.setAttribute('aria-invalid', 'true');
          payloadStatus.textContent = tr('notJson', { message: error instanceof Error ? error.message : String(error) });
          return;
        }
      }
      payload.setAttribute('aria-invalid', 'false');
      payloadStatus.textContent = '';
      ctx.changed(false);
    });
    payloadSet = h('fieldset', {}, h('legend', {}, tr('payload')), field('card-body', tr('jsonBody'), payload, tr('jsonBodyHint')), payloadStatus);
  }

  // Follow-ups and delivery
  const others = Object.keys(blocks).filter((id) => id !== cardId);
  const setBlock = (key: string) => (value: string | undefined) => {
    if (value === undefined) delete card[key];
    else card[key] = value;
    ctx.changed(false);
  };
  const timeout = h('input', { id: 'card-timeout', type: 'number', min: '100', max: '30000', step: '100', inputmode: 'numeric' });
  timeout.value = String(typeof card.timeoutMs === 'number' ? card.timeoutMs : DEFAULT_TIMEOUT_MS);
  timeout.addEventListener('input', edit(() => (timeout.value === '' ? delete card.timeoutMs : (card.timeoutMs = Number(timeout.value)))));
  const retry = h('input', { id: 'card-retry', type: 'checkbox', checked: card.retry !== false });
  retry.addEventListener('change', edit(() => (retry.checked ? delete card.retry : (card.retry = false))));
  const followUp = h(
    'fieldset',
    {},
    h('legend', {}, tr('followUp')),
    h(
      'div',
      { class: 'row' },
      field('card-on-success', tr('onSuccess'), blockSelect('card-on-success', others, card.onSuccess, tr, setBlock('onSuccess'))),
      field('card-on-failure', tr('onFailure'), blockSelect('card-on-failure', others, card.onFailure, tr, setBlock('onFailure'))),
      field('card-timeout', tr('timeout'), timeout),
      h('div', { class: 'check' }, retry, h('label', { for: 'card-retry' }, tr('retry'))),
    ),
  );
  return h('form', { id: 'card-form', class: 'card-form', 'aria-labelledby': 'card-heading', onsubmit: (event) => event.preventDefault() }, h('h2', { id: 'card-heading' }, tr('cardHeading', { id: cardId })), endpoint, headerSet, payloadSet, followUp);
}

/** Keep the focus on the control with the same id after the form is rebuilt. */
export function refocus(id: string): void {
  byId(id)?.focus();
}

export type { Child };
