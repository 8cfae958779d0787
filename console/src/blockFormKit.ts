import { bindingValues, knownValues } from './card';
import { arraysIn, lastResponse, leafPaths, picker, tpl, type Groups, type Tr } from './cardKit';
import { h, type Child } from './dom';
import { blocksOf, outletSelect, type EditorContext, type OutletPath } from './editorContext';
import { idHint, topicOf } from './flowEdit';
import { defineTexts, t } from './i18n';
import { isObject, type Json } from './json';

// What the block forms (message, question, condition, set attributes, end) share: labelled fields
// that write into the block in place (an emptied optional field is left out, never written empty),
// the insert-a-value picker for template fields, a field's own problems under it, outlets, and the
// move/remove buttons of list rows.

const tx = defineTexts({
  en: {
    attributes: 'Attributes',
    params: 'Trigger parameters',
    binding: 'Verified member',
    response: 'Last test response of {card}',
    item: 'Each item ({as})',
    valueFor: 'Value for {name}',
    up: 'Move {name} up',
    down: 'Move {name} down',
    remove: 'Remove {name}',
  },
  'zh-TW': {
    attributes: '屬性',
    params: '觸發參數',
    binding: '已驗證會員',
    response: '{card} 最近一次測試的回應',
    item: '每一項（{as}）',
    valueFor: '{name} 的值',
    up: '將{name}上移',
    down: '將{name}下移',
    remove: '移除{name}',
  },
});

export interface Kit {
  ctx: EditorContext;
  /** The block's id and the block itself (edited in place). */
  id: string;
  block: Json;
  /** Where its problems are: `flow.blocks.<id>`. */
  at: string;
  /** The editor's texts, for the card kit's picker. */
  tr: Tr;
  /** What template fields can insert: attributes, trigger parameters, the last test response of a card leading here. */
  groups: Groups;
  /** That card and its last test response body, when there is one. */
  card?: string;
  response?: unknown;
  /** Wrote into the block: the JSON and the problems follow. */
  edit(): void;
  /** Rows were added, removed or moved: draw the form again, the focus on `focus`. */
  rebuild(focus: string): void;
}

/** The Call an API cards whose outlets lead to `id`. */
export function cardsLeadingTo(flow: Json, id: string): string[] {
  return Object.entries(blocksOf(flow))
    .filter(([, block]) => isObject(block) && block.type === 'callApi')
    .filter(([, card]) => {
      const c = card as Json;
      const routed = [c.onSuccess, c.onFailure, ...[c.onStatus, c.onReason].flatMap((map) => (isObject(map) ? Object.values(map) : []))];
      return routed.includes(id);
    })
    .map(([cardId]) => cardId);
}

export function makeKit(ctx: EditorContext, id: string, block: Json): Kit {
  const known = knownValues(ctx.flow);
  const cards = cardsLeadingTo(ctx.flow, id);
  const card = cards.find((cardId) => lastResponse(cardId) !== undefined) ?? cards[0];
  const response = card === undefined ? undefined : lastResponse(card);
  const groups: Groups = [
    [tx(ctx.lang, 'attributes'), known.attributes.map((name) => `attributes.${name}`)],
    [tx(ctx.lang, 'params'), known.params.map((name) => `trigger.params.${name}`)],
    [tx(ctx.lang, 'binding'), bindingValues(ctx.flow)],
  ];
  if (response !== undefined && card !== undefined)
    groups.push([tx(ctx.lang, 'response', { card }), ['response.status', ...leafPaths(response, 'response.body')]]);
  return {
    ctx,
    id,
    block,
    at: `flow.blocks.${id}`,
    tr: (key, values) => t(ctx.lang, key, values),
    groups,
    card,
    response,
    edit: () => ctx.changed(false),
    rebuild: (focus) => ctx.changed(true, focus),
  };
}

/** The fields of the items of `over` in the last test response, for a repeat's card or text. */
export function itemGroups(k: Kit, over: unknown, as: unknown): Groups {
  if (typeof as !== 'string' || !as || typeof over !== 'string') return [];
  const found = arraysIn(k.response).find((array) => array.path === over);
  return [
    [
      tx(k.ctx.lang, 'item', { as }),
      [as, 'index', ...(found?.fields ?? []).map((f) => (f ? `${as}.${f}` : as))].filter((v, i, all) => all.indexOf(v) === i),
    ],
  ];
}

/** Set `key` of `target`, or leave it out when the value is undefined, empty text or an empty list. */
export function put(target: Json, key: string, value: unknown): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete target[key];
  else target[key] = value;
}

export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The object at `index` of `items` (made an object if it is not one). */
export const itemAt = (items: unknown[], index: number): Json => (isObject(items[index]) ? (items[index] as Json) : (items[index] = {}));

/** The problems at exactly `path` (or inside it), shown under a field; marks `control` invalid. */
export function fieldProblems(k: Kit, path: string, id: string, control?: HTMLElement): HTMLElement | false {
  const mine = k.ctx.problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
  if (!mine.length) return false;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), `${id}-problem`].filter(Boolean).join(' '));
  }
  return h('p', { id: `${id}-problem`, class: 'error field-problem' }, mine.map((p) => p.message).join('; '));
}

/** Insert `text` at the caret of an input or text area, then tell its listeners. */
export function insertInto(control: HTMLInputElement | HTMLTextAreaElement, text: string): void {
  const start = control.selectionStart ?? control.value.length;
  control.setRangeText(text, start, control.selectionEnd ?? start, 'end');
  control.focus();
  control.dispatchEvent(new Event('input', { bubbles: true }));
}

export interface TextOptions {
  id: string;
  /** The accessible name (unique in the form): `Message 1 text`. */
  name: string;
  /** The visible label: `Text`. */
  label: string;
  value: unknown;
  set(value: string): void;
  /** Where the value's problems are reported, under `flow.`. */
  path?: string;
  hint?: string;
  placeholder?: string;
  multiline?: boolean;
  /** A template: a picker inserts known values (and these groups first). */
  template?: Groups | true;
}

/** A labelled text field that writes on every keystroke. */
export function textField(k: Kit, o: TextOptions): HTMLElement {
  const control = o.multiline
    ? h('textarea', { id: o.id, rows: '2', spellcheck: 'false', class: 'small' })
    : h('input', { id: o.id, type: 'text', spellcheck: 'false', autocomplete: 'off' });
  control.value = str(o.value);
  if (o.placeholder) control.placeholder = o.placeholder;
  control.setAttribute('aria-label', o.name);
  control.addEventListener('input', () => (o.set(control.value), k.edit()));
  const groups = o.template === true ? k.groups : o.template ? [...o.template, ...k.groups] : undefined;
  return labelled(
    k,
    o.id,
    o.label,
    control,
    o.hint,
    o.path,
    groups && picker(`${o.id}-insert`, tx(k.ctx.lang, 'valueFor', { name: o.name }), groups, k.tr, (v) => insertInto(control, tpl(v))),
  );
}

/** A labelled number field; empty is undefined. */
export function numberField(
  k: Kit,
  o: {
    id: string;
    name: string;
    label: string;
    value: unknown;
    set(value: number | undefined): void;
    path?: string;
    placeholder?: string;
    min?: number;
    max?: number;
    hint?: string;
  },
): HTMLElement {
  const control = h('input', { id: o.id, type: 'number', inputmode: 'decimal', 'aria-label': o.name });
  if (o.min !== undefined) control.min = String(o.min);
  if (o.max !== undefined) control.max = String(o.max);
  if (typeof o.value === 'number') control.value = String(o.value);
  if (o.placeholder) control.placeholder = o.placeholder;
  control.addEventListener('input', () => {
    const n = control.value.trim() === '' ? undefined : Number(control.value);
    o.set(n !== undefined && Number.isFinite(n) ? n : undefined);
    k.edit();
  });
  return labelled(k, o.id, o.label, control, o.hint, o.path);
}

/** A labelled select; `set` gets the chosen value. */
export function selectField(
  k: Kit,
  o: {
    id: string;
    name: string;
    label: string;
    options: Array<[string, string]>;
    value: unknown;
    set(value: string): void;
    path?: string;
    hint?: string;
  },
): HTMLElement {
  const control = h(
    'select',
    { id: o.id, 'aria-label': o.name },
    ...o.options.map(([value, text]) => h('option', { value, selected: value === o.value }, text)),
  );
  control.addEventListener('change', () => o.set(control.value));
  return labelled(k, o.id, o.label, control, o.hint, o.path);
}

function labelled(k: Kit, id: string, label: string, control: HTMLElement, hint?: string, path?: string, extra?: Child): HTMLElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  const problems = path !== undefined && fieldProblems(k, path, id, control);
  // A problem shows right under its field, before the picker and the hint.
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    problems,
    extra,
    hint !== undefined && h('p', { id: `${id}-hint`, class: 'hint' }, hint),
  );
}

const valueAt = (target: unknown, path: OutletPath): unknown =>
  path.reduce<unknown>((node, key) => (isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined), target);

/** An outlet of the block: any block, none, or a new block created and linked there. */
export function outletField(k: Kit, o: { id: string; label: string; outlet: OutletPath; hint?: string }): HTMLElement {
  const outlet = o.outlet;
  const element = outletSelect({
    id: o.id,
    label: o.label,
    ctx: k.ctx,
    owner: { kind: 'block', id: k.id },
    outlet,
    value: valueAt(k.block, outlet),
    // A new block's id from where it is linked: `show_tickets_empty`, `check_branch2`; what follows
    // `ask_order` is about the order too: `call_order`.
    hint: (type) => {
      const from = outlet[0] === 'branches' ? `${k.id}_branch${Number(outlet[1]) + 1}` : `${k.id}_${String(outlet.at(-1))}`;
      return outlet[0] === 'next' && topicOf(k.id) !== k.id ? idHint(type, topicOf(k.id), from) : from;
    },
    set: (target) => {
      const parent = valueAt(k.block, outlet.slice(0, -1));
      const key = String(outlet.at(-1));
      if (isObject(parent)) put(parent, key, target);
      k.edit();
    },
  });
  const select = element.querySelector('select');
  if (o.hint) {
    select?.setAttribute('aria-describedby', `${o.id}-hint`);
    element.append(h('p', { id: `${o.id}-hint`, class: 'hint' }, o.hint));
  }
  const problems = fieldProblems(k, `${k.at}.${outlet.join('.')}`, o.id, select ?? undefined);
  if (problems) element.append(problems);
  return element;
}

/** Move up, move down and remove for row `i` of `items`; `name` names the row (`message 2`). */
export function rowTools(
  k: Kit,
  o: { id: string; name: string; items: unknown[]; i: number; removed?: () => void; focusAfterRemove: string },
): HTMLElement {
  const { items, i } = o;
  const lang = k.ctx.lang;
  const move = (to: number, focus: string) => {
    const [item] = items.splice(i, 1);
    items.splice(to, 0, item);
    k.rebuild(focus);
  };
  return h(
    'span',
    { class: 'row-tools' },
    h(
      'button',
      {
        type: 'button',
        id: `${o.id}-up`,
        'aria-label': tx(lang, 'up', { name: o.name }),
        disabled: i === 0,
        onclick: () =>
          move(i - 1, i - 1 === 0 ? `${o.id.replace(/\d+$/, String(i - 1))}-down` : `${o.id.replace(/\d+$/, String(i - 1))}-up`),
      },
      '↑',
    ),
    h(
      'button',
      {
        type: 'button',
        id: `${o.id}-down`,
        'aria-label': tx(lang, 'down', { name: o.name }),
        disabled: i === items.length - 1,
        onclick: () => move(i + 1, `${o.id.replace(/\d+$/, String(i + 1))}-${i + 1 === items.length - 1 ? 'up' : 'down'}`),
      },
      '↓',
    ),
    h(
      'button',
      {
        type: 'button',
        id: `${o.id}-remove`,
        class: 'danger',
        'aria-label': tx(lang, 'remove', { name: o.name }),
        onclick: () => (items.splice(i, 1), o.removed?.(), k.rebuild(o.focusAfterRemove)),
      },
      '✕',
    ),
  );
}
