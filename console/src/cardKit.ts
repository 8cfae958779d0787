import { byId, h } from './dom';
import type { TextKey } from './i18n';
import { isObject, type Json } from './json';

// What the card form's parts and the test panel share: labelled fields, the insert-a-value picker,
// name/value rows, the paths of the last test response, and where a clicked response field goes.

export type Tr = (key: TextKey, values?: Record<string, string | number>) => string;
export type { Json } from './json';
export type Groups = Array<[string, string[]]>;

export { isObject } from './json';
export const obj = (parent: Json, key: string): Json => (isObject(parent[key]) ? (parent[key] as Json) : (parent[key] = {}));

/** Insert `text` at the caret of `input` (replacing the selection), then tell its listeners. */
export function insertAtCaret(input: HTMLInputElement, text: string): void {
  const start = input.selectionStart ?? input.value.length;
  input.setRangeText(text, start, input.selectionEnd ?? start, 'end');
  input.focus();
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

/** A select of choices and an Insert button (a select alone would insert on every arrow key). */
export function picker(id: string, label: string, groups: Groups, tr: Tr, insert: (value: string) => void, action: TextKey = 'insert'): HTMLElement {
  const select = h('select', { id }, h('option', { value: '' }, tr('chooseValue')));
  for (const [name, values] of groups) if (values.length) select.append(h('optgroup', { label: name }, ...values.map((value) => h('option', { value }, value))));
  const button = h('button', {
    type: 'button',
    id: `${id}-go`,
    'aria-label': `${tr(action)}: ${label}`,
    onclick: () => {
      if (select.value) insert(select.value);
      select.value = '';
    },
  }, tr(action));
  return h('span', { class: 'picker' }, h('label', { for: id }, label), select, button);
}

export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint !== undefined && h('p', { id: `${id}-hint`, class: 'hint' }, hint));
}

export function textInput(id: string, value: unknown, onInput: (value: string) => void, attrs: Record<string, string> = {}): HTMLInputElement {
  const input = h('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs });
  input.value = typeof value === 'string' ? value : '';
  input.addEventListener('input', () => onInput(input.value));
  return input;
}

/** Wrap a path as a template: `{{ attributes.x }}`. */
export const tpl = (path: string): string => `{{ ${path} }}`;

/**
 * Name/value rows (headers, form fields, save-to-attributes): `rows` is edited in place and written
 * with `write`; `groups` feeds each value's picker (`wrap` turns a choice into the inserted text).
 */
export function rowsEditor(o: {
  id: string;
  rows: string[][];
  tr: Tr;
  write: (rebuild: boolean) => void;
  name: (n: number) => string;
  value: (n: number) => string;
  pick: (n: number) => string;
  remove: (n: number) => string;
  add: string;
  empty: string;
  /** A name for a new row while another one has no name yet. */
  fresh: string;
  groups: Groups;
  wrap?: (value: string) => string;
  pickAction?: TextKey;
  /** Called with each value input (to make it a target for clicked response fields). */
  valueInput?: (input: HTMLInputElement, n: number) => void;
}): HTMLElement[] {
  const { id, rows, tr } = o;
  const items = rows.map((row, i) => {
    const name = textInput(`${id}-name-${i}`, row[0], (v) => ((row[0] = v), o.write(false)), { 'aria-label': o.name(i + 1) });
    const value = textInput(`${id}-value-${i}`, row[1], (v) => ((row[1] = v), o.write(false)), { 'aria-label': o.value(i + 1) });
    o.valueInput?.(value, i + 1);
    const wrap = o.wrap ?? tpl;
    return h(
      'li',
      { class: 'header-row' },
      name,
      value,
      picker(`${id}-insert-${i}`, o.pick(i + 1), o.groups, tr, (v) => (o.pickAction === 'use' ? ((value.value = wrap(v)), value.dispatchEvent(new Event('input'))) : insertAtCaret(value, wrap(v))), o.pickAction),
      h('button', { type: 'button', id: `${id}-remove-${i}`, 'aria-label': o.remove(i + 1), onclick: () => (rows.splice(i, 1), write(`${id}-add`)) }, '✕'),
    );
  });
  const write = (focus: string) => (o.write(true), byId(focus)?.focus());
  return [
    items.length ? h('ul', { class: 'rows' }, ...items) : h('p', {}, o.empty),
    h('button', { type: 'button', id: `${id}-add`, onclick: () => (rows.push([rows.some(([n]) => !n) ? `${o.fresh}${rows.length + 1}` : '', '']), write(`${id}-name-${rows.length - 1}`)) }, o.add),
  ];
}

// ---- the last test response, per card ----

const responses = new Map<string, unknown>();
let formRefresh: (() => void) | undefined;

/** A test answered: keep its response body for the form's pickers, and redraw the form with them. */
export function setLastResponse(cardId: string, body: unknown): void {
  responses.set(cardId, body);
  formRefresh?.();
}
export const lastResponse = (cardId: string): unknown => responses.get(cardId);
export const setFormRefresh = (refresh: () => void): void => void (formRefresh = refresh);

/** `a.b`, `a["b c"]`, `a[0]`: a path as Liquid reads it. */
export const join = (base: string, key: string | number): string =>
  typeof key === 'number' ? `${base}[${key}]` : /^[A-Za-z_]\w*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;

/** Every scalar leaf of `value` (at most `max`), as paths from `base`. */
export function leafPaths(value: unknown, base: string, max = 60, depth = 0, out: string[] = []): string[] {
  if (out.length >= max || depth > 6) return out;
  if (Array.isArray(value)) value.slice(0, 3).forEach((item, i) => leafPaths(item, join(base, i), max, depth + 1, out));
  else if (isObject(value)) for (const [key, item] of Object.entries(value)) leafPaths(item, join(base, key), max, depth + 1, out);
  else out.push(base);
  return out;
}

/** The arrays of a response a carousel can repeat over (`response.body.tickets`), each with its items' fields. */
export function arraysIn(body: unknown): Array<{ path: string; fields: string[] }> {
  const found: Array<{ path: string; fields: string[] }> = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 5) return;
    if (Array.isArray(value)) {
      const fields = new Set<string>();
      for (const item of value.slice(0, 5)) for (const leaf of leafPaths(item, '', 30)) fields.add(leaf.replace(/^\./, ''));
      found.push({ path, fields: [...fields] });
      value.slice(0, 1).forEach((item, i) => walk(item, join(path, i), depth + 1));
    } else if (isObject(value)) for (const [key, item] of Object.entries(value)) if (/^[A-Za-z_]\w*$/.test(key)) walk(item, join(path, key), depth + 1);
  };
  walk(body, 'response.body', 0);
  return found;
}

// ---- where a clicked response field goes ----

/**
 * A field a response path can go into: `template` fields get `{{ path }}` at the caret (a path inside
 * the carousel's array becomes the item's: `{{ ticket.title }}`), `path` fields get the bare path,
 * `condition` fields the bare path at the caret.
 */
export interface PathTarget {
  id: string;
  label: string;
  kind: 'template' | 'path' | 'condition';
  repeat?: { over: string; as: string };
}

export const pick: { target?: PathTarget; mode: 'field' | 'mapping'; addMapping?: (name: string, path: string) => void } = { mode: 'mapping' };

/** Make `input` a place clicked response fields go while it is the last used. */
export function asTarget(input: HTMLInputElement, target: PathTarget): HTMLInputElement {
  input.addEventListener('focus', () => {
    pick.target = target;
    pick.mode = 'field';
    const label = byId('pick-field-label');
    if (label) label.textContent = target.label;
    const radio = byId<HTMLInputElement>('pick-mode-field');
    if (radio) {
      radio.disabled = false;
      radio.checked = true;
    }
  });
  return input;
}

/** Put a clicked response path where `pick` says; the words for what was done. */
export function usePath(path: string, tr: Tr): string {
  const target = pick.target;
  const input = target && byId<HTMLInputElement>(target.id);
  if (pick.mode === 'field' && target && input) {
    if (target.kind === 'path') {
      input.value = path;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    } else {
      const inItem = target.repeat && new RegExp(`^${target.repeat.over.replace(/[.[\]"]/g, '\\$&')}\\[\\d+\\]`).exec(path);
      const local = inItem && target.repeat ? target.repeat.as + path.slice(inItem[0].length) : path;
      insertAtCaret(input, target.kind === 'template' ? tpl(local) : local);
    }
    return tr('pickedInto', { path, field: target.label });
  }
  const name = (/(\w+)\W*$/.exec(path)?.[1] ?? 'value').replace(/^(\d)/, '_$1');
  pick.addMapping?.(name, path);
  return tr('pickedMapping', { name, path });
}
