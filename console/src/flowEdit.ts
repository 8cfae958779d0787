import type { Json } from './json';

// Pure operations on a flow document as the editor holds it (a plain JSON object, possibly mid-edit:
// every field is read defensively and nothing is assumed about its shape). They edit the document in
// place, as the forms do, and never write a default the admin did not set: an outlet unlinked loses
// its key (a map of routes that becomes empty loses the map), a new block is the smallest one a
// hand-written flow would have. No DOM here: test/unit/console/flowEdit.test.ts runs them in node.
//
// The block types, outlet paths and selections the whole editor uses are declared here, once
// (./editorContext.ts re-exports them for the forms).

export const BLOCK_TYPES = ['message', 'question', 'callApi', 'condition', 'setAttributes', 'unbind', 'linkAccount', 'end'] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];
/** Where a link starts: `['next']`, `['branches', 0, 'next']`, `['onStatus', '404']`, a trigger's `['start']`. */
export type OutletPath = Array<string | number>;
/** A block (by id), a trigger (by index), or the flow's own settings (whose `start` is an outlet too). */
export type Selection = { kind: 'block'; id: string } | { kind: 'trigger'; index: number } | { kind: 'settings' };

export type OutletKind =
  'next' | 'onSuccess' | 'onFailure' | 'empty' | 'onGiveUp' | 'branch' | 'otherwise' | 'onStatus' | 'onReason' | 'start';

export interface Outlet {
  path: OutletPath;
  kind: OutletKind;
  /** The block it links to; undefined when unlinked. */
  target?: string;
  /** The outlet's key (`next`, `onFailure`), the status (`404`), the reason (`timeout`), or the branch's test (`tier = "gold"`). */
  label: string;
}

/** Block ids as the schema has them (shared/flow/schema.ts). */
export const BLOCK_ID = /^[A-Za-z][\w-]{0,63}$/;
const ATTRIBUTE = /^[A-Za-z_]\w{0,63}$/;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const OPS: Record<string, string> = { equals: '=', matches: '~', lt: '<', lte: '≤', gt: '>', gte: '≥' };

/** A branch's test in a few characters: `tier = "gold"`, `age ≥ 18`, `email exists`. */
export function branchLabel(branch: unknown): string {
  const when = isObject(branch) && isObject(branch.when) ? branch.when : {};
  const attribute = typeof when.attribute === 'string' ? when.attribute : '?';
  const op = typeof when.op === 'string' ? when.op : '';
  if (op === 'exists') return `${attribute} exists`;
  if (op === 'matches') return `${attribute} ~ /${typeof when.pattern === 'string' ? when.pattern : ''}/`;
  return `${attribute} ${OPS[op] ?? op} ${JSON.stringify(when.value) ?? ''}`.trim();
}

/**
 * Every outlet of a block, linked or not, in the order a reader meets them: a message's `next` and
 * `empty`; a question's `next` and `onGiveUp`; a card's `onSuccess`, `onFailure`, then each route of
 * `onStatus` and `onReason`; a condition's branches and `otherwise`; set attributes' and unbind's `next`; none for
 * an end (or a block of no known type).
 */
export function outlets(block: unknown): Outlet[] {
  if (!isObject(block)) return [];
  const one = (kind: OutletKind, key: string): Outlet => ({ path: [key], kind, label: key, ...targetOf(block[key]) });
  switch (block.type) {
    case 'message':
      return [one('next', 'next'), one('empty', 'empty')];
    case 'question':
      return [one('next', 'next'), one('onGiveUp', 'onGiveUp')];
    case 'callApi': {
      const routes = (kind: 'onStatus' | 'onReason'): Outlet[] =>
        isObject(block[kind])
          ? Object.entries(block[kind]).map(([key, target]) => ({ path: [kind, key], kind, label: key, ...targetOf(target) }))
          : [];
      return [one('onSuccess', 'onSuccess'), one('onFailure', 'onFailure'), ...routes('onStatus'), ...routes('onReason')];
    }
    case 'condition':
      return [
        ...list(block.branches).map((branch, i): Outlet => ({
          path: ['branches', i, 'next'],
          kind: 'branch',
          label: branchLabel(branch),
          ...targetOf(isObject(branch) ? branch.next : undefined),
        })),
        one('otherwise', 'otherwise'),
      ];
    case 'setAttributes':
    case 'unbind':
      return [one('next', 'next')];
    case 'linkAccount':
      // Linked (its card resolves the nonce and binds), not linked, and on a channel it does not link on.
      return [one('onSuccess', 'onLinked'), one('onFailure', 'onFailure'), one('otherwise', 'elsewhere')];
    default:
      return [];
  }
}

/** A trigger's one outlet, where its conversation starts. */
export function triggerOutlet(trigger: unknown): Outlet {
  return { path: ['start'], kind: 'start', label: 'start', ...targetOf(isObject(trigger) ? trigger.start : undefined) };
}

const targetOf = (value: unknown): { target?: string } => (text(value) !== undefined ? { target: value as string } : {});

/** The flow's blocks (created when missing or not an object, as the editor's `blocksOf` does). */
const blocksOf = (flow: Json): Json => (isObject(flow.blocks) ? flow.blocks : (flow.blocks = {}));

/** The attribute names the flow already uses (questions' `saveAs`, `set`, `saveToAttributes`). */
function attributesOf(flow: Json): string[] {
  const names = new Set<string>();
  for (const block of Object.values(isObject(flow.blocks) ? flow.blocks : {})) {
    if (!isObject(block)) continue;
    if (typeof block.saveAs === 'string') names.add(block.saveAs);
    for (const map of [block.set, block.saveToAttributes]) if (isObject(map)) for (const key of Object.keys(map)) names.add(key);
  }
  return [...names];
}

/** `base`, else `base2`, `base3`…: the first that `taken` does not hold, cut to `max` characters. */
function firstFree(base: string, taken: (name: string) => boolean, max = 64): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : String(n);
    const name = base.slice(0, max - suffix.length) + suffix;
    if (!taken(name)) return name;
  }
}

/**
 * A block id not used in `flow`, made from `base`: `ask_order`, else `ask_order2`, `ask_order3`…
 * Characters a block id cannot have become `_`, and an id starts with a letter (`block_` is put in
 * front otherwise), so the answer always matches `BLOCK_ID`.
 */
export function uniqueId(flow: Json, base: string): string {
  let clean = base.trim().replace(/[^\w-]/g, '_');
  if (!/^[A-Za-z]/.test(clean)) clean = `block_${clean}`;
  const blocks = isObject(flow.blocks) ? flow.blocks : {};
  return firstFree(clean.replace(/_+$/, '') || 'block', (id) => Object.hasOwn(blocks, id));
}

/** Texts of a new block in the editor's language (the admin rewrites them). */
const PLACEHOLDERS = {
  en: { message: 'New message', prompt: 'Your answer?', link: 'Please sign in to link your membership to this chat.' },
  'zh-TW': { message: '新訊息', prompt: '請輸入您的回答', link: '請登入會員，將會員帳號連結到這個聊天。' },
} as const;
type PlaceholderLang = keyof typeof PLACEHOLDERS;

/**
 * The smallest block of `type` that a hand-written flow would have, no default written:
 * - message: one text message with a placeholder text;
 * - question: a placeholder prompt, `input: { type: 'text' }`, saved as a fresh attribute (`answer`, `answer2`…);
 * - callApi: `request: { url: 'https://' }` (GET, no headers, no body: the defaults; the URL is the admin's to finish, and the API says so until then);
 * - condition: one branch testing that an attribute exists (the first the flow saves, else `answer`),
 *   without `next`: a branch needs one, so the flow's check asks for it at `branches[0].next`, which
 *   the diagram shows as the branch's outlet to link (the least surprising skeleton: nearly valid, and
 *   never a link the admin did not choose);
 * - setAttributes: `set: {}` (the schema's one required field, empty until a row is added);
 * - unbind: nothing but its type (it removes the customer's verified binding, then goes to `next`);
 * - linkAccount: `loginUrl: 'https://'` and a placeholder text (its card, `onLinked`, is the admin's to link);
 * - end: nothing but its type.
 * `flow` (optional) keeps the question's attribute fresh and gives the condition an attribute to test.
 */
export function newBlock(type: BlockType, flow: Json = {}, lang: PlaceholderLang = 'en'): Json {
  const texts = PLACEHOLDERS[lang] ?? PLACEHOLDERS.en;
  const used = attributesOf(flow);
  switch (type) {
    case 'message':
      return { type, messages: [{ type: 'text', text: texts.message }] };
    case 'question':
      return { type, prompt: texts.prompt, input: { type: 'text' }, saveAs: firstFree('answer', (name) => used.includes(name)) };
    case 'callApi':
      return { type, request: { url: 'https://' } };
    case 'condition':
      return { type, branches: [{ when: { op: 'exists', attribute: used.find((name) => ATTRIBUTE.test(name)) ?? 'answer' } }] };
    case 'setAttributes':
      return { type, set: {} };
    case 'unbind':
      return { type };
    case 'linkAccount':
      return { type, loginUrl: 'https://', text: texts.link };
    default:
      return { type: 'end' };
  }
}

/** The id a new block of `type` is named after when no hint is given: `message`, `call_api`, `set_attributes`. */
/** Keywords as people list them: "order, 訂單" (a comma, a full-width comma or 、 separates), trimmed, each once. */
export function splitKeywords(text: string): string[] {
  return text
    .split(/[,，、]/)
    .map((v) => v.trim())
    .filter((v, i, all) => v !== '' && all.indexOf(v) === i);
}

/** What a new block's id says it does, in front of its topic: `ask_order`, `call_order`, `check_order`. */
const TYPE_PREFIXES: Partial<Record<BlockType, string>> = {
  question: 'ask_',
  callApi: 'call_',
  condition: 'check_',
  setAttributes: 'set_',
};

/** The topic of a block id: `ask_order`, `ask_order2` and `call_order` are all about `order`. */
export function topicOf(id: string): string {
  return id.replace(/^(ask|call|check|set)_(.+?)\d*$/, '$2');
}

/**
 * The id hint of a new block of `type` about `topic` (a keyword, an action, the block it follows):
 * a question about `order` is `ask_order`, a card `call_order`; a message or an end keeps `fallback`
 * (`order_next`, `welcome`), which says where it is linked from.
 */
export function idHint(type: BlockType, topic: string, fallback = topic): string {
  const prefix = TYPE_PREFIXES[type];
  return prefix && topic ? prefix + topic : fallback;
}

const TYPE_IDS: Record<BlockType, string> = {
  message: 'message',
  question: 'question',
  callApi: 'call_api',
  condition: 'condition',
  setAttributes: 'set_attributes',
  unbind: 'unlink',
  linkAccount: 'link_account',
  end: 'end',
};

/**
 * Add a new block of `type` (`newBlock`) under an id made unique from `opts.id` (else from the
 * type), linked from `opts.from` when given (a block's outlet, a trigger's start, or the settings'
 * start). Returns its id.
 */
export function addBlock(
  flow: Json,
  type: BlockType,
  opts: { id?: string; from?: { owner: Selection; outlet: OutletPath }; lang?: PlaceholderLang } = {},
): string {
  const id = uniqueId(flow, opts.id ?? TYPE_IDS[type] ?? 'block');
  blocksOf(flow)[id] = newBlock(type, flow, opts.lang);
  if (opts.from) setOutlet(flow, opts.from.owner, opts.from.outlet, id);
  return id;
}

/** The object `owner` names in `flow` (a block, a trigger, or the flow itself for its settings). */
function ownerOf(flow: Json, owner: Selection): Json | undefined {
  if (owner.kind === 'settings') return flow;
  if (owner.kind === 'trigger') {
    const trigger = list(flow.triggers)[owner.index];
    return isObject(trigger) ? trigger : undefined;
  }
  const block = isObject(flow.blocks) ? flow.blocks[owner.id] : undefined;
  return isObject(block) ? block : undefined;
}

/**
 * Link `owner`'s outlet at `outlet` to `target`, or unlink it (`undefined`): the key goes, a branch
 * stays without its `next`, and a map of routes (`onStatus`, `onReason`) left empty goes too. A route
 * map is created when a route is set into it; a branch that does not exist is not created.
 */
export function setOutlet(flow: Json, owner: Selection, outlet: OutletPath, target: string | undefined): void {
  const holder = ownerOf(flow, owner);
  if (!holder || outlet.length === 0) return;
  let parent: unknown = holder;
  const trail: Array<{ container: Json; key: string }> = [];
  for (const [i, step] of outlet.slice(0, -1).entries()) {
    if (Array.isArray(parent) && typeof step === 'number') {
      parent = parent[step];
      continue;
    }
    if (!isObject(parent)) return;
    let next = parent[String(step)];
    if (next === undefined && target !== undefined && typeof outlet[i + 1] === 'string') next = parent[String(step)] = {};
    trail.push({ container: parent, key: String(step) });
    parent = next;
  }
  if (!isObject(parent)) return;
  const key = String(outlet.at(-1));
  if (target !== undefined) {
    parent[key] = target;
    return;
  }
  delete parent[key];
  // A route map left empty goes (`onStatus: {}` is nothing an admin wrote); a branch stays.
  for (let i = trail.length - 1; i >= 0; i--) {
    const step = trail[i];
    if (!step) break;
    const value = step.container[step.key];
    if (!isObject(value) || Object.keys(value).length > 0) break;
    delete step.container[step.key];
  }
}

/** Why a rename is refused (translated by the caller): an id the schema refuses, one taken, or no block to rename. */
export type RenameError = 'invalidId' | 'idTaken' | 'noSuchBlock';

/** Every link in the flow: each block's outlets, each trigger's start, and the flow's own start and verify. */
function everyLink(flow: Json): Array<{ owner: Selection; outlet: Outlet }> {
  const links: Array<{ owner: Selection; outlet: Outlet }> = [];
  for (const [id, block] of Object.entries(isObject(flow.blocks) ? flow.blocks : {}))
    for (const outlet of outlets(block)) links.push({ owner: { kind: 'block', id }, outlet });
  list(flow.triggers).forEach((trigger, index) => links.push({ owner: { kind: 'trigger', index }, outlet: triggerOutlet(trigger) }));
  links.push({ owner: { kind: 'settings' }, outlet: { path: ['start'], kind: 'start', label: 'start', ...targetOf(flow.start) } });
  // Where verification starts (a personal card sends a customer who is not verified there).
  links.push({ owner: { kind: 'settings' }, outlet: { path: ['verify'], kind: 'start', label: 'verify', ...targetOf(flow.verify) } });
  return links;
}

/**
 * Rename block `from` to `to`: every reference follows (each outlet of each block, route maps and
 * branches included, each trigger's start, the flow's start) and the block keeps its place among the
 * blocks. Returns why it cannot be done, or undefined when done (renaming to the same id does nothing).
 */
export function renameBlock(flow: Json, from: string, to: string): RenameError | undefined {
  const blocks = isObject(flow.blocks) ? flow.blocks : undefined;
  if (!blocks || !Object.hasOwn(blocks, from)) return 'noSuchBlock';
  if (from === to) return undefined;
  if (!BLOCK_ID.test(to)) return 'invalidId';
  if (Object.hasOwn(blocks, to)) return 'idTaken';
  for (const { owner, outlet } of everyLink(flow)) if (outlet.target === from) setOutlet(flow, owner, outlet.path, to);
  // The same object, its keys in the same order (forms may hold it).
  const entries = Object.entries(blocks);
  for (const [id] of entries) delete blocks[id];
  for (const [id, block] of entries) blocks[id === from ? to : id] = block;
  return undefined;
}

/** Delete block `id` and every link to it (outlets unlinked; a trigger keeps its other fields without `start`). */
export function deleteBlock(flow: Json, id: string): void {
  for (const { owner, outlet } of everyLink(flow)) if (outlet.target === id) setOutlet(flow, owner, outlet.path, undefined);
  if (isObject(flow.blocks)) delete flow.blocks[id];
}
