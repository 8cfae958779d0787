import type { Problem } from './api';
import { h } from './dom';
import { defineTexts, type Lang } from './i18n';
import { isObject, type Json } from './json';

// What the flow editor gives each of its forms (a block, a trigger, the flow's settings): the flow
// document to edit in place, and the editor's actions. The forms are chunks loaded when first opened;
// this module is the contract between them and the editor (./main.ts), and the outlet picker they share.

// The block types, outlet paths and selections are those of ./flowEdit.ts (pure, no DOM: its unit
// tests run in node), declared there once.
import { BLOCK_TYPES, type BlockType, type OutletPath, type Selection } from './flowEdit';

export { BLOCK_TYPES, type BlockType, type OutletPath, type Selection };

export interface EditorContext {
  lang: Lang;
  /** The flow document as the editor holds it: forms edit it in place, then call `changed`. */
  flow: Json;
  /**
   * The form wrote into `flow`: the JSON, the diagram and the problems follow, and it is one step of
   * undo (typing into one field within a moment is one step). `rebuild`: draw the open form again
   * (rows added or removed), keeping the focus on the control with the id `focus` (or the focused one).
   */
  changed(rebuild?: boolean, focus?: string): void;
  /**
   * A new block of `type` (its id made unique from `hint`, else from the type), linked from `from`
   * when given (a block's outlet or a trigger's start), then opened. Returns its id.
   */
  createBlock(type: BlockType, from?: { owner: Selection; outlet: OutletPath }, hint?: string): string;
  /** Open another thing's form (the diagram selects it too). */
  select(selection: Selection): void;
  /** The flow's problems as the API reported them last (paths like `flow.blocks.ask.next`). */
  problems: Problem[];
  /** The workspace's secret names for header values (never their values); undefined while loading. */
  secrets?: string[];
  /** The workspace's connection names, for a card's endpoint; undefined while loading. */
  connections?: string[];
}

const tx = defineTexts({
  en: {
    none: '(none)',
    missing: '{id} (no such block)',
    existing: 'Blocks',
    create: 'Create a new block',
    newOf: 'New {type} block',
    message: 'message',
    question: 'question',
    callApi: 'Call an API',
    condition: 'condition',
    setAttributes: 'set attributes',
    unbind: 'unlink member',
    linkAccount: 'link account',
    end: 'end',
    problemsHere: 'Problems here',
  },
  'zh-TW': {
    none: '（無）',
    missing: '{id}（沒有這個區塊）',
    existing: '區塊',
    create: '建立新區塊',
    newOf: '新的{type}區塊',
    message: '訊息',
    question: '問題',
    callApi: '呼叫 API',
    condition: '條件',
    setAttributes: '設定屬性',
    unbind: '解除會員綁定',
    linkAccount: '連結帳號',
    end: '結束',
    problemsHere: '這裡的問題',
  },
});

/** A block type's name in the editor's language: `Call an API`, `訊息`. */
export const blockTypeName = (lang: Lang, type: BlockType): string => tx(lang, type);

export const blocksOf = (flow: Json): Json => (isObject(flow.blocks) ? flow.blocks : (flow.blocks = {}));

/**
 * A select for one outlet: no block, any block of the flow, or a new block of any type created and
 * linked there at once ("create a block" beside every outlet). `value` is the outlet's current
 * target; `set` writes the choice (undefined: unlinked). The select's accessible name is `label`.
 */
export function outletSelect(o: {
  id: string;
  label: string;
  ctx: EditorContext;
  owner: Selection;
  outlet: OutletPath;
  value: unknown;
  /** Leave out of the choices (a block does not usually link to itself; it may, through this list). */
  exclude?: string[];
  /** A hint for the new block's id (`call_order_failed`), or one per type of new block (`ask_order`, `call_order`). */
  hint?: string | ((type: BlockType) => string);
  set(target: string | undefined): void;
}): HTMLElement {
  const { ctx } = o;
  const lang = ctx.lang;
  const ids = Object.keys(blocksOf(ctx.flow)).filter((id) => !o.exclude?.includes(id));
  const select = h('select', { id: o.id }, h('option', { value: '' }, tx(lang, 'none')));
  const existing = h('optgroup', { label: tx(lang, 'existing') });
  // A block's option has its id as value; a new block's has `new:type` (no block id has a colon).
  for (const id of ids) existing.append(h('option', { value: id, selected: id === o.value }, id));
  if (typeof o.value === 'string' && !ids.includes(o.value))
    existing.append(h('option', { value: o.value, selected: true }, tx(lang, 'missing', { id: o.value })));
  const create = h('optgroup', { label: tx(lang, 'create') });
  for (const type of BLOCK_TYPES) create.append(h('option', { value: `new:${type}` }, tx(lang, 'newOf', { type: tx(lang, type) })));
  select.append(existing, create);
  select.addEventListener('change', () => {
    const value = select.value;
    if (value.startsWith('new:')) {
      const type = value.slice(4) as BlockType;
      ctx.createBlock(type, { owner: o.owner, outlet: o.outlet }, typeof o.hint === 'function' ? o.hint(type) : o.hint);
    } else o.set(value || undefined);
  });
  return h('div', { class: 'field' }, h('label', { for: o.id }, o.label), select);
}

/** The problems whose path lies inside `prefix` (`flow.blocks.ask`), shown in place at the top of a form. */
export function problemsIn(ctx: EditorContext, prefix: string, id: string): HTMLElement | false {
  const mine = ctx.problems.filter((p) => p.path === prefix || p.path.startsWith(`${prefix}.`) || p.path.startsWith(`${prefix}[`));
  if (!mine.length) return false;
  const show = (path: string) => (path.startsWith('flow.') ? path.slice(5) : path);
  return h(
    'div',
    { class: 'notice form-problems', id, role: 'group', 'aria-label': tx(ctx.lang, 'problemsHere') },
    h('ul', {}, ...mine.map((p) => h('li', {}, h('code', {}, show(p.path)), ' ', p.message))),
  );
}
