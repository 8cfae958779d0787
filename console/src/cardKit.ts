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

/**
 * A select of choices and an Insert button (a select alone would insert on every arrow key).
 * `choose`, when given, is told each choice as it is made (arrow keys included): it may only do what a
 * later choice undoes, such as filling a field that is still empty (`fillOnChoose`).
 */
export function picker(
  id: string,
  label: string,
  groups: Groups,
  tr: Tr,
  insert: (value: string) => void,
  action: TextKey = 'insert',
  choose?: (value: string) => boolean,
): HTMLElement {
  const select = h('select', { id }, h('option', { value: '' }, tr('chooseValue')));
  for (const [name, values] of groups)
    if (values.length) select.append(h('optgroup', { label: name }, ...values.map((value) => h('option', { value }, value))));
  /** The choice `choose` took already: Insert does not add it a second time. */
  let taken = '';
  if (choose)
    select.addEventListener('change', () => {
      taken = select.value && choose(select.value) ? select.value : '';
      // A choice waiting for Insert survives the form being drawn again (workbench.ts keepChoices).
      select.dataset.waiting = select.value && !taken ? 'true' : '';
    });
  else select.addEventListener('change', () => (select.dataset.waiting = select.value ? 'true' : ''));
  const button = h(
    'button',
    {
      type: 'button',
      id: `${id}-go`,
      'aria-label': `${tr(action)}: ${label}`,
      onclick: () => {
        if (select.value && select.value !== taken) insert(select.value);
        select.value = '';
        taken = '';
        select.dataset.waiting = '';
      },
    },
    tr(action),
  );
  return h('span', { class: 'picker' }, h('label', { for: id }, label), select, button);
}

export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint !== undefined && h('p', { id: `${id}-hint`, class: 'hint' }, hint),
  );
}

export function textInput(
  id: string,
  value: unknown,
  onInput: (value: string) => void,
  attrs: Record<string, string> = {},
): HTMLInputElement {
  const input = h('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', ...attrs });
  input.value = typeof value === 'string' ? value : '';
  input.addEventListener('input', () => onInput(input.value));
  return input;
}

/**
 * Choosing a value fills `input` while it is empty, or still holds only an earlier choice (so the arrow
 * keys through the list leave the last one); anything typed there is kept, and Insert adds at the caret.
 * An earlier choice is known by its text too (any of `groups`, wrapped), so it is still one after the
 * form was drawn again (a validation's answer redraws it).
 */
export function fillOnChoose(input: HTMLInputElement, wrap: (value: string) => string, groups: Groups): (value: string) => boolean {
  let filled = '';
  const choices = new Set(groups.flatMap(([, values]) => values.map(wrap)));
  return (value) => {
    if (input.value !== '' && input.value !== filled && !choices.has(input.value)) return false;
    input.value = filled = wrap(value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    return true;
  };
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
      picker(
        `${id}-insert-${i}`,
        o.pick(i + 1),
        o.groups,
        tr,
        (v) =>
          o.pickAction === 'use' ? ((value.value = wrap(v)), value.dispatchEvent(new Event('input'))) : insertAtCaret(value, wrap(v)),
        o.pickAction,
        fillOnChoose(value, wrap, o.groups),
      ),
      h(
        'button',
        { type: 'button', id: `${id}-remove-${i}`, 'aria-label': o.remove(i + 1), onclick: () => (rows.splice(i, 1), write(`${id}-add`)) },
        '✕',
      ),
    );
  });
  const write = (focus: string) => (o.write(true), byId(focus)?.focus());
  // A row without a name is where the next one goes: "Add" takes you there rather than adding a second
  // blank row above a made-up name (a map has one entry per name, so two blank names would be one).
  const add = () => {
    const blank = rows.findIndex(([n]) => !n);
    if (blank >= 0) return void byId(`${id}-name-${blank}`)?.focus();
    rows.push(['', '']);
    write(`${id}-name-${rows.length - 1}`);
  };
  return [
    items.length ? h('ul', { class: 'rows' }, ...items) : h('p', {}, o.empty),
    h('button', { type: 'button', id: `${id}-add`, onclick: add }, o.add),
  ];
}

// ---- the last successful test response, per flow and card ----

// The pickers (response paths, a carousel's arrays and their items' fields) read the body of the
// card's last successful test: a failed test (a 404's {"error": …}) would offer the wrong fields. It
// is remembered across reloads in localStorage by flow id and card id, as its shape only: every
// value replaced by an empty one of its type, so no answer's data (or a token in it) is ever stored;
// a few items of each array, bounded in size and in number of cards.

const responses = new Map<string, unknown>();
let formRefresh: (() => void) | undefined;

const STORAGE_ITEM = 'callcard.testResponses';
/** Cards remembered (the oldest forgotten first), and the largest shape kept for one. */
const MAX_REMEMBERED = 40;
const MAX_SHAPE_CHARS = 16_000;

/** The flow open in the editor (`#/flows/<id>…`): a card id is only unique in its flow. */
export function currentFlowId(): string {
  const encoded = /^#\/flows\/([^/?#]+)/.exec(location.hash)?.[1];
  try {
    return encoded === undefined ? '' : decodeURIComponent(encoded);
  } catch {
    return encoded ?? '';
  }
}
const keyOf = (flowId: string, cardId: string): string => `${flowId}\u0000${cardId}`;
/** What localStorage holds: the shape of each card's last successful response, the newest last. */
type Remembered = { flow: string; card: string; shape: unknown };

/** A JSON value's shape: the same keys and the first items of arrays, every value empty of its type. */
export function shapeOf(value: unknown, depth = 0): unknown {
  if (depth > 8) return null;
  if (Array.isArray(value)) return value.slice(0, 5).map((item) => shapeOf(item, depth + 1));
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 80)
        .map(([key, item]) => [key, shapeOf(item, depth + 1)]),
    );
  return typeof value === 'string' ? '' : typeof value === 'number' ? 0 : typeof value === 'boolean' ? false : null;
}

function remembered(): Remembered[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_ITEM) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter((entry): entry is Remembered => isObject(entry) && typeof entry.flow === 'string' && typeof entry.card === 'string')
      : [];
  } catch {
    return [];
  }
}

function remember(flowId: string, cardId: string, body: unknown): void {
  const shape = shapeOf(body);
  const entries = remembered().filter((entry) => entry.flow !== flowId || entry.card !== cardId);
  if (JSON.stringify(shape).length <= MAX_SHAPE_CHARS) entries.push({ flow: flowId, card: cardId, shape });
  try {
    localStorage.setItem(STORAGE_ITEM, JSON.stringify(entries.slice(-MAX_REMEMBERED)));
  } catch {
    // Storage full or refused: the pickers still have it until the page is reloaded.
  }
}

/**
 * A test answered: a successful one's response body feeds the form's pickers (and is remembered for
 * the next visit), and the form is redrawn with them. A failed test changes nothing: call this only
 * for a success.
 */
export function setLastResponse(cardId: string, body: unknown, flowId = currentFlowId()): void {
  responses.set(keyOf(flowId, cardId), body);
  remember(flowId, cardId, body);
  formRefresh?.();
}
/** The body of the card's last successful test, this visit or (its shape) an earlier one; undefined when never tested. */
export function lastResponse(cardId: string, flowId = currentFlowId()): unknown {
  const key = keyOf(flowId, cardId);
  if (!responses.has(key)) {
    const stored = remembered().find((entry) => entry.flow === flowId && entry.card === cardId);
    if (!stored) return undefined;
    responses.set(key, stored.shape);
  }
  return responses.get(key);
}
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
    } else if (isObject(value))
      for (const [key, item] of Object.entries(value)) if (/^[A-Za-z_]\w*$/.test(key)) walk(item, join(path, key), depth + 1);
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

export const pick: { target?: PathTarget; mode: 'field' | 'mapping'; addMapping?: (name: string, path: string) => void } = {
  mode: 'mapping',
};

/** Make `input` a place clicked response fields go while it is the last used. */
export function asTarget(input: HTMLInputElement, target: PathTarget): HTMLInputElement {
  // Drawn again (another language, an edit): the last-used field is this one, with its label as now.
  if (pick.target?.id === target.id) pick.target = target;
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
