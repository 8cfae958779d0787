import { Graph, layout } from '@dagrejs/dagre';
import type { Problem } from './api';
import { h } from './dom';
import { BLOCK_TYPES, outlets, triggerOutlet, type BlockType, type Outlet, type OutletPath, type Selection } from './flowEdit';
import { defineTexts, type Lang } from './i18n';
import type { Json } from './json';

// The flow editor's diagram, a chunk of its own (with the layout library, @dagrejs/dagre): triggers and
// blocks as nodes laid out top-down, links as labelled arrows, unreachable and missing blocks marked,
// and a list of the links as its text alternative. It is also an editor of the flow's shape:
//
// - a toolbar: Add block ▾ (each type), Undo, Redo, Zoom out, the zoom level, Zoom in, Fit;
// - pan by dragging the background or with the scrollbars; zoom with the buttons or Ctrl + wheel;
// - a node is a button: click or Enter selects it (`select`), and the selected node is highlighted;
// - the selected block has Rename (an inline field; F2 on the node), Delete (Delete on the node) and
//   Link… (a select per outlet: no block, any block, or a new block of any type); a trigger has Link…;
// - each outlet is a small labelled handle at the bottom of its node: dragged onto a block it links
//   there, dropped on empty canvas it offers "new block here" (a menu of the types); a click opens Link….
//
// The drawing is a pure function of the flow and the options passed in: nothing of the flow is kept
// between two calls, so drawing again after every change can never show a stale link (issue 18: a
// failure link set in the card form is drawn at once). Only the view is kept from one drawing to the
// next (zoom, scroll, which menu or field is open), so that the editor can redraw at every change.
//
// DiagramOptions:
//   lang, selection (highlighted), select(s) (a node clicked or Entered),
//   edit (left out: a read-only diagram with the zoom tools only):
//     add(type, from?)       a new block, linked from `from` (an outlet) when given; the editor selects it
//     link(owner, outlet, target | undefined)
//     rename(id, to)         returns undefined when done, else why not: a RenameError of ./flowEdit.ts
//                            (`invalidId`, `idTaken`, `noSuchBlock`, said here in words) or a text to show
//     remove(id)             the block and its links (the editor keeps it undoable)
//     undo(), redo(), canUndo, canRedo
//   problems: the API's problems (`flow.blocks.ask.next`), counted on their nodes and outlets.

export interface DiagramEdit {
  add(type: BlockType, from?: { owner: Selection; outlet: OutletPath }): void;
  link(owner: Selection, outlet: OutletPath, target: string | undefined): void;
  rename(id: string, to: string): string | undefined | void;
  remove(id: string): void;
  undo(): void;
  redo(): void;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
}

export interface DiagramOptions {
  lang: Lang;
  selection?: Selection | undefined;
  select(selection: Selection): void;
  edit?: DiagramEdit | undefined;
  problems?: Problem[] | undefined;
}

const tx = defineTexts({
  en: {
    diagram: 'Flow diagram',
    canvas: 'Flow diagram canvas: drag the background to pan',
    tools: 'Diagram tools',
    block: 'Block {id}, {type}',
    trigger: 'Trigger {n}, {type}',
    unreachable: 'unreachable',
    unreachableList: 'Unreachable (no trigger leads there): {ids}',
    problems: '{n} problem(s)',
    missing: 'missing',
    noBlock: 'no block {id}',
    summary: '{blocks} blocks, {triggers} triggers. Click or Enter selects a node.',
    editHint:
      'Drag the background to pan; Ctrl + wheel or the buttons zoom. Drag an outlet (a dot at the bottom of a node) onto a block to link it, or onto empty space for a new block. Keyboard: select a node, then Rename (F2), Delete (Delete key) or Link….',
    links: 'Links as text ({n})',
    message: 'Message',
    question: 'Question',
    callApi: 'Call an API card',
    condition: 'Condition',
    setAttributes: 'Set attributes',
    unbind: 'Unlink member',
    linkAccount: 'Link account',
    end: 'End',
    keyword: 'Keyword',
    postback: 'Postback',
    follow: 'Follow',
    fallback: 'Fallback',
    next: 'next',
    success: 'success',
    failure: 'failure',
    empty: 'empty',
    giveUp: 'give-up',
    otherwise: 'otherwise',
    start: 'start',
    status: 'status {code}',
    branchN: 'branch {n}',
    exists: '{a} exists',
    addBlock: 'Add block',
    addMenu: 'Block types',
    undo: 'Undo',
    redo: 'Redo',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    zoomReset: '{pct}: zoom to 100%',
    fit: 'Fit',
    fitName: 'Fit the whole flow in view',
    actions: 'Actions for {name}',
    rename: 'Rename',
    renameName: 'Rename block {id}',
    renameField: 'New id for block {id}',
    renameSave: 'Save the new id',
    cancel: 'Cancel',
    remove: 'Delete',
    removeName: 'Delete block {id}',
    linkButton: 'Link…',
    linkName: 'Links of {name}',
    close: 'Close',
    outNext: 'Next',
    outOnSuccess: 'On success',
    outOnFailure: 'On failure',
    outEmpty: 'When empty',
    outOnGiveUp: 'On give-up',
    outBranch: 'Branch {n}: {test}',
    outOtherwise: 'Otherwise',
    outOnStatus: 'On status {code}',
    outOnReason: 'On reason {reason}',
    outStart: 'Start',
    none: '(none)',
    blocks: 'Blocks',
    create: 'Create a new block',
    newOf: 'New {type} block',
    dropMenu: 'New block here, linked from {outlet}',
    dropHeading: 'New block here',
    invalidId: 'an id is letters, digits, _ or -, starting with a letter (64 at most)',
    idTaken: 'another block is already named {to}',
    noSuchBlock: 'there is no such block',
    renameFailed: 'Cannot rename {id}: {reason}',
    goTo: 'Go to block {id}',
  },
  'zh-TW': {
    diagram: '流程圖',
    canvas: '流程圖畫布：拖曳背景即可平移',
    tools: '流程圖工具',
    block: '區塊 {id}，{type}',
    trigger: '觸發條件 {n}，{type}',
    unreachable: '無法到達',
    unreachableList: '無法到達（沒有觸發條件通往這裡）：{ids}',
    problems: '{n} 個問題',
    missing: '不存在',
    noBlock: '沒有區塊 {id}',
    summary: '{blocks} 個區塊，{triggers} 個觸發條件。點選或按 Enter 即可選取。',
    editHint:
      '拖曳背景可平移；Ctrl + 滾輪或按鈕可縮放。把區塊底部的出口（小圓點）拖到另一個區塊上即可連結，拖到空白處可建立新區塊。鍵盤：選取後可重新命名（F2）、刪除（Delete 鍵）或設定連結…。',
    links: '以文字列出連結（{n}）',
    message: '訊息',
    question: '問題',
    callApi: '呼叫 API 卡片',
    condition: '條件',
    setAttributes: '設定屬性',
    unbind: '解除會員綁定',
    linkAccount: '連結帳號',
    end: '結束',
    keyword: '關鍵字',
    postback: 'Postback',
    follow: '加入好友',
    fallback: '其他訊息',
    next: '下一步',
    success: '成功',
    failure: '失敗',
    empty: '沒有資料',
    giveUp: '放棄',
    otherwise: '否則',
    start: '開始',
    status: '狀態 {code}',
    branchN: '分支 {n}',
    exists: '{a} 存在',
    addBlock: '新增區塊',
    addMenu: '區塊類型',
    undo: '復原',
    redo: '重做',
    zoomIn: '放大',
    zoomOut: '縮小',
    zoomReset: '{pct}：縮放為 100%',
    fit: '全覽',
    fitName: '顯示整個流程',
    actions: '{name} 的動作',
    rename: '重新命名',
    renameName: '重新命名區塊 {id}',
    renameField: '區塊 {id} 的新 ID',
    renameSave: '儲存新 ID',
    cancel: '取消',
    remove: '刪除',
    removeName: '刪除區塊 {id}',
    linkButton: '連結…',
    linkName: '{name} 的連結',
    close: '關閉',
    outNext: '下一步',
    outOnSuccess: '成功時',
    outOnFailure: '失敗時',
    outEmpty: '沒有資料時',
    outOnGiveUp: '放棄時',
    outBranch: '分支 {n}：{test}',
    outOtherwise: '否則',
    outOnStatus: '狀態 {code} 時',
    outOnReason: '原因為 {reason} 時',
    outStart: '開始',
    none: '（無）',
    blocks: '區塊',
    create: '建立新區塊',
    newOf: '新的{type}區塊',
    dropMenu: '在這裡建立新區塊，由 {outlet} 連過來',
    dropHeading: '在這裡建立新區塊',
    invalidId: 'ID 由英文字母、數字、_ 或 - 組成，以字母開頭（最多 64 個字元）',
    idTaken: '已經有名為 {to} 的區塊',
    noSuchBlock: '沒有這個區塊',
    renameFailed: '無法重新命名 {id}：{reason}',
    goTo: '前往區塊 {id}',
  },
});
type Key = Parameters<typeof tx>[1];

type TypeKey =
  | 'message'
  | 'question'
  | 'callApi'
  | 'condition'
  | 'setAttributes'
  | 'unbind'
  | 'linkAccount'
  | 'end'
  | 'keyword'
  | 'postback'
  | 'follow'
  | 'fallback';
const TYPES: readonly string[] = [
  'message',
  'question',
  'callApi',
  'condition',
  'setAttributes',
  'unbind',
  'linkAccount',
  'end',
  'keyword',
  'postback',
  'follow',
  'fallback',
];
/** Glyphs of the common fonts (no emoji font needed). */
const ICONS: Record<string, string> = {
  message: '✉',
  question: '?',
  callApi: '⇄',
  condition: '◇',
  setAttributes: '✎',
  unbind: '⊘',
  linkAccount: '⚿',
  end: '■',
};
const NS = 'http://www.w3.org/2000/svg';

/**
 * A block this many blocks link to is a hub (an apology every card fails to): its first link is drawn to
 * it, the others to a "↪ id" stub beside their source; a trigger's link is always drawn.
 */
const HUB = 5;
/** Node geometry: width, the height of the id and type lines, the outlet rows (3 handles a row). */
const W = 196;
const HEAD = 46;
const ROW = 22;
const PER_ROW = 3;
const PAD = 6;
const ZOOM_MIN = 0.05;
const ZOOM_MAX = 2;

const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
const cut = (text: string, max: number): string => ([...text].length > max ? `${[...text].slice(0, max - 1).join('')}…` : text);
/** Roughly how wide a label is drawn (11px text; wide characters count twice): the layout leaves room for it. */
const textWidth = (text: string): number => [...text].reduce((sum, ch) => sum + (ch.charCodeAt(0) > 0x2e80 ? 11 : 6.2), 0);
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

interface DNode {
  key: string;
  /** `proxy`: a small "↪ id" stub drawn beside a link's source, instead of a long line to a block many link to. */
  kind: 'block' | 'trigger' | 'missing' | 'proxy';
  /** Block id; for a trigger, its index as text. */
  id: string;
  type: string;
  /** A trigger's keywords or action. */
  detail: string;
  index: number;
  outlets: Outlet[];
  reached: boolean;
  problems: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

interface DEdge {
  name: string;
  from: string;
  to: string;
  outlet: Outlet;
  label: string;
  /** The proxy node the link is drawn to (the key of a `proxy` node), when it is not drawn to its block. */
  via?: string;
  points: Array<{ x: number; y: number }>;
  lx: number;
  ly: number;
}

/** What is kept from one drawing to the next: the view, not the flow. */
interface View {
  zoom: number;
  left: number;
  top: number;
  /** The open menu: Add block, or "new block here" at a point of the canvas for an outlet. */
  menu?: { kind: 'add' } | { kind: 'drop'; owner: Selection; outlet: OutletPath; x: number; y: number; name: string };
  /** The node whose Link… panel is open. */
  links?: string;
  /** The block being renamed, and the text typed so far. */
  renaming?: { id: string; text: string; error?: string };
  /** The element to focus once drawn next (within a moment): an id, or `selected` (the selected node). */
  focus?: { id: string; at: number };
}

const view: View = { zoom: 1, left: 0, top: 0 };

/** The parts of a drawing that a gesture (a drag from a handle, a pan) works on. */
interface Parts {
  canvas: HTMLElement;
  viewport: HTMLElement;
  dragLine: SVGElement;
  /** Draw it again in place (a menu or panel opened). */
  redraw(): void;
}

/**
 * The editing diagram drawn last. The editor draws the diagram again while the pointer may be down
 * (the API's check of the last edit answers, and its problems are marked on the nodes): a drag or a
 * pan begun on an earlier drawing goes on in this one, instead of ending with the elements it began on.
 */
let live: Parts | undefined;
/** The line of a drag in progress (kept for the drawing that replaces the one it began on). */
let dragPath = '';

/** The last layout, by everything it depends on (so it is never stale): typing in a form draws again without laying out again. */
let memo:
  | {
      key: string;
      nodes: Map<string, { x: number; y: number }>;
      edges: Map<string, Pick<DEdge, 'points' | 'lx' | 'ly'>>;
      width: number;
      height: number;
    }
  | undefined;

const keyOf = (selection: Selection | undefined): string =>
  !selection ? '' : selection.kind === 'block' ? `b:${selection.id}` : selection.kind === 'trigger' ? `t:${selection.index}` : 'settings';
const domId = (key: string): string => `diagram-node-${key.replace(':', '-').replace(/[^\w-]/g, '_')}`;
const problemPath = (path: string): string => path.replace(/^flow\./, '').replace(/\[(\d+)\]/g, '.$1');

/** The flow as nodes and edges, each field read defensively (the JSON may be mid-edit). */
function model(flow: Json, tr: (key: Key, values?: Record<string, string | number>) => string, problems: Problem[]) {
  const nodes = new Map<string, DNode>();
  const edges: DEdge[] = [];
  const paths = problems.map((p) => problemPath(p.path));
  const count = (prefix: string) => paths.filter((p) => p === prefix || p.startsWith(`${prefix}.`)).length;
  const add = (node: Omit<DNode, 'x' | 'y' | 'w' | 'h' | 'reached'>) => {
    const rows = Math.ceil(node.outlets.length / PER_ROW);
    nodes.set(node.key, { ...node, reached: false, x: 0, y: 0, w: W, h: HEAD + (rows ? rows * ROW + PAD : 0) });
  };
  const blocks = Object.entries(obj(flow.blocks));
  for (const [id, block] of blocks)
    add({
      key: `b:${id}`,
      kind: 'block',
      id,
      type: str(obj(block).type),
      detail: '',
      index: -1,
      outlets: outlets(block),
      problems: count(`blocks.${id}`),
    });
  const triggers = list(flow.triggers);
  triggers.forEach((raw, index) => {
    const trigger = obj(raw);
    const type = str(trigger.type);
    const detail =
      type === 'keyword'
        ? list(trigger.keywords)
            .map((k) => JSON.stringify(str(k)))
            .join(', ')
        : type === 'postback'
          ? `action=${str(trigger.action)}`
          : '';
    const outlet = triggerOutlet(trigger);
    // A trigger that names no block starts at the flow's `start` (kept for editors): drawn so, linked on the trigger.
    const start = outlet.target ?? (str(flow.start) || undefined);
    add({
      key: `t:${index}`,
      kind: 'trigger',
      id: String(index),
      type,
      detail,
      index,
      outlets: [{ ...outlet, ...(start !== undefined ? { target: start } : {}) }],
      problems: count(`triggers.${index}`),
    });
  });
  for (const node of [...nodes.values()]) {
    node.outlets.forEach((outlet) => {
      if (outlet.target === undefined) return;
      const to = `b:${outlet.target}`;
      if (!nodes.has(to)) add({ key: to, kind: 'missing', id: outlet.target, type: '', detail: '', index: -1, outlets: [], problems: 0 });
      edges.push({
        name: `${node.key}|${outlet.path.join('.')}`,
        from: node.key,
        to,
        outlet,
        label: edgeLabel(node, outlet, tr),
        points: [],
        lx: 0,
        ly: 0,
      });
    });
  }
  // Reached: from the triggers (and the flow's verify start) along the links.
  const verify = nodes.get(`b:${str(flow.verify)}`);
  const queue = [...nodes.values()].filter((node) => node.kind === 'trigger' || node === verify);
  for (const node of queue) node.reached = true;
  while (queue.length) {
    const node = queue.shift();
    for (const edge of edges) {
      const target = edge.from === node?.key ? nodes.get(edge.to) : undefined;
      if (target && !target.reached) {
        target.reached = true;
        queue.push(target);
      }
    }
  }
  // A hub (an apology many cards fail to, the end): its first link drawn to it, the others to stubs.
  // Long lines across the whole flow are what makes a large flow unreadable (and slow to lay out).
  const incoming = new Map<string, DEdge[]>();
  for (const edge of edges)
    if (edge.from !== edge.to && nodes.get(edge.from)?.kind === 'block' && nodes.get(edge.to)?.kind === 'block')
      incoming.set(edge.to, [...(incoming.get(edge.to) ?? []), edge]);
  for (const [to, into] of incoming) {
    if (into.length < HUB) continue;
    const target = nodes.get(to);
    for (const edge of into.slice(1)) {
      edge.via = `p:${edge.name}`;
      const w = Math.min(textWidth(`↪ ${target?.id ?? ''}`) + 26, W);
      nodes.set(edge.via, {
        key: edge.via,
        kind: 'proxy',
        id: target?.id ?? '',
        type: target?.type ?? '',
        detail: '',
        index: -1,
        outlets: [],
        reached: true,
        problems: 0,
        x: 0,
        y: 0,
        w,
        h: 24,
      });
    }
  }
  return { nodes, edges, blocks: blocks.length, triggers: triggers.length };
}

function edgeLabel(node: DNode, outlet: Outlet, tr: (key: Key, values?: Record<string, string | number>) => string): string {
  switch (outlet.kind) {
    case 'next':
      return tr('next');
    case 'onSuccess':
      return tr('success');
    case 'onFailure':
      return tr('failure');
    case 'empty':
      return tr('empty');
    case 'onGiveUp':
      return tr('giveUp');
    case 'otherwise':
      return tr('otherwise');
    case 'onStatus':
      return tr('status', { code: outlet.label });
    case 'onReason':
      return outlet.label;
    case 'start':
      return node.detail || tr('start');
    case 'branch':
      return branchText(outlet, tr);
  }
}

/** A branch's test in words: `tier = "gold"`, `memberId exists`. */
function branchText(outlet: Outlet, tr: (key: Key, values?: Record<string, string | number>) => string): string {
  return outlet.label.endsWith(' exists') ? tr('exists', { a: outlet.label.slice(0, -' exists'.length) }) : outlet.label;
}

/** A handle's short label at the bottom of its node. */
function handleLabel(outlet: Outlet, tr: (key: Key, values?: Record<string, string | number>) => string): string {
  if (outlet.kind === 'branch') return tr('branchN', { n: Number(outlet.path[1]) + 1 });
  if (outlet.kind === 'onStatus' || outlet.kind === 'onReason') return outlet.label;
  return edgeLabel({ detail: '' } as DNode, outlet, tr);
}

/** An outlet's name in the Link… panel: `On failure`, `Branch 1: tier = "gold"`. */
function outletName(outlet: Outlet, tr: (key: Key, values?: Record<string, string | number>) => string): string {
  switch (outlet.kind) {
    case 'branch':
      return tr('outBranch', { n: Number(outlet.path[1]) + 1, test: branchText(outlet, tr) });
    case 'onStatus':
      return tr('outOnStatus', { code: outlet.label });
    case 'onReason':
      return tr('outOnReason', { reason: outlet.label });
    default: {
      const key = `out${outlet.kind[0]?.toUpperCase() ?? ''}${outlet.kind.slice(1)}` as Key;
      return tr(key);
    }
  }
}

/** Where a handle sits in its node (its centre), by its place among the node's outlets. */
function handleAt(node: DNode, i: number): { x: number; y: number; w: number } {
  const rows = Math.ceil(node.outlets.length / PER_ROW);
  const row = Math.floor(i / PER_ROW);
  const inRow = row === rows - 1 ? node.outlets.length - row * PER_ROW : PER_ROW;
  const w = (node.w - 2 * PAD) / inRow;
  return { x: PAD + w * (i - row * PER_ROW) + w / 2, y: HEAD + row * ROW + ROW / 2, w };
}

/** Lay the nodes and edges out with dagre (top-down), or take the last layout when nothing it depends on changed. */
function place(nodes: Map<string, DNode>, edges: DEdge[]): { width: number; height: number; ms: number } {
  const key = JSON.stringify([[...nodes.values()].map((n) => [n.key, n.w, n.h]), edges.map((e) => [e.name, e.to, e.via, e.label])]);
  const started = performance.now();
  if (memo?.key !== key) {
    const g = new Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 26, ranksep: 36, edgesep: 14, marginx: 16, marginy: 16, ranker: 'network-simplex' });
    g.setDefaultEdgeLabel(() => ({}));
    for (const node of nodes.values()) g.setNode(node.key, { width: node.w, height: node.h });
    for (const edge of edges)
      g.setEdge(
        edge.from,
        edge.via ?? edge.to,
        { width: Math.min(textWidth(cut(edge.label, 26)) + 8, 170), height: 16, labelpos: 'c' },
        edge.name,
      );
    layout(g, { disableOptimalOrderHeuristic: nodes.size > 40 });
    const graph = g.graph() as { width?: number; height?: number };
    memo = {
      key,
      nodes: new Map([...nodes.keys()].map((k) => [k, { x: g.node(k)?.x ?? 0, y: g.node(k)?.y ?? 0 }])),
      edges: new Map(
        edges.map((e) => {
          const label = g.edge(e.from, e.via ?? e.to, e.name) as
            { points?: Array<{ x: number; y: number }>; x?: number; y?: number } | undefined;
          return [e.name, { points: label?.points ?? [], lx: label?.x ?? 0, ly: label?.y ?? 0 }];
        }),
      ),
      width: Math.max(graph.width ?? 0, 80),
      height: Math.max(graph.height ?? 0, 60),
    };
  }
  for (const node of nodes.values()) {
    const at = memo.nodes.get(node.key) ?? { x: 0, y: 0 };
    node.x = at.x - node.w / 2;
    node.y = at.y - node.h / 2;
  }
  for (const edge of edges) Object.assign(edge, memo.edges.get(edge.name));
  return { width: memo.width, height: memo.height, ms: performance.now() - started };
}

/** How long the last layout took (ms), for the tests' record. */
export let lastLayoutMs = 0;

/** A glyph beside a visible label, left out of the accessible name. */
const icon = (glyph: string): HTMLElement => h('span', { class: 'icon', 'aria-hidden': 'true' }, glyph);

function svg(tag: string, attrs: Record<string, string | number>, ...children: Array<Node | string>): SVGElement {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** A smooth path through the points (straight to the middle of each leg, curved at each point). */
function curve(points: Array<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${first.x} ${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i];
    const q = rest[i + 1];
    if (p && q) d += `Q${p.x} ${p.y} ${(p.x + q.x) / 2} ${(p.y + q.y) / 2}`;
  }
  const last = rest.at(-1);
  return last ? `${d}L${last.x} ${last.y}` : d;
}

/** The flow as the editor's diagram (see the top of this file). */
export function renderDiagram(flow: Json, options: DiagramOptions): HTMLElement {
  const { lang, edit } = options;
  const tr = (key: Key, values?: Record<string, string | number>) => tx(lang, key, values);
  const typeName = (type: string) => (TYPES.includes(type) ? tr(type as TypeKey) : type || '?');
  const { nodes, edges, blocks, triggers } = model(flow, tr, options.problems ?? []);
  const size = place(nodes, edges);
  lastLayoutMs = size.ms;
  // Each node's handles in the order of where their links go (left to right), so that links leaving a
  // node do not cross; an unlinked handle keeps its place among them.
  const byName = new Map(edges.map((edge) => [edge.name, edge]));
  const slots = new Map<string, number[]>();
  for (const node of nodes.values()) {
    if (node.outlets.length < 2) continue;
    const keyed = node.outlets.map((outlet, i) => {
      const next = byName.get(`${node.key}|${outlet.path.join('.')}`)?.points[1];
      return { i, x: next && next.y > node.y + node.h ? next.x - node.x : handleAt(node, i).x };
    });
    keyed.sort((a, b) => a.x - b.x || a.i - b.i);
    const slot: number[] = [];
    keyed.forEach((k, at) => (slot[k.i] = at));
    slots.set(node.key, slot);
  }
  const slotOf = (node: DNode, i: number): number => slots.get(node.key)?.[i] ?? i;
  const selected = keyOf(options.selection);
  const isLost = (node: DNode) => node.kind === 'block' && !node.reached;
  const unreachable = [...nodes.values()].filter(isLost).map((node) => node.id);
  const nameOf = (node: DNode | undefined): string => (!node ? '?' : node.kind === 'trigger' ? typeName(node.type) : node.id);
  const nodeName = (node: DNode): string =>
    node.kind === 'trigger' ? tr('trigger', { n: node.index + 1, type: typeName(node.type) }) : node.id;
  /** After an action, where the focus goes once the diagram is drawn again (the editor draws it at once). */
  const focusNext = (id: string) => (view.focus = { id, at: Date.now() });

  // ---- the canvas: edges under the nodes ----
  const edgeLayer = svg('svg', { class: 'diagram-edges', width: size.width, height: size.height, 'aria-hidden': 'true' });
  edgeLayer.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'diagram-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M0 0L10 5L0 10z' }),
      ),
    ),
  );
  for (const edge of edges) {
    const from = nodes.get(edge.from);
    const to = nodes.get(edge.via ?? edge.to);
    if (!from || !to) continue;
    const points = edge.points.map((p) => ({ ...p }));
    // Out of its handle when the edge leaves downwards.
    const i = from.outlets.indexOf(edge.outlet);
    const handle = handleAt(from, slotOf(from, i));
    const second = points[1];
    if (points[0] && second && second.y > from.y + from.h) points[0] = { x: from.x + handle.x, y: from.y + handle.y };
    const active = selected !== '' && (edge.from === selected || edge.to === selected);
    edgeLayer.append(
      svg(
        'g',
        { class: `edge${to.kind === 'missing' ? ' broken' : ''}${active ? ' active' : ''}`, 'data-from': edge.from, 'data-to': edge.to },
        svg('path', { d: curve(points), 'marker-end': 'url(#diagram-arrow)' }),
        svg('text', { x: edge.lx, y: edge.ly + 4 }, cut(edge.label, 26)),
      ),
    );
  }
  const dragLine = svg('path', { class: 'diagram-drag', d: dragPath });
  edgeLayer.append(dragLine);

  const canvas = h('div', { class: 'diagram-canvas' }, edgeLayer);
  canvas.style.width = `${size.width}px`;
  canvas.style.height = `${size.height}px`;
  const sizer = h('div', { class: 'diagram-sizer' }, canvas);
  const viewport = h('div', { class: 'diagram-viewport', id: 'diagram-viewport', role: 'group', 'aria-label': tr('canvas') }, sizer);
  // The zoom level, a button back to 100 %.
  const zoomLevel = h('button', { type: 'button', id: 'diagram-zoom-level', class: 'zoom-level', onclick: () => zoomTo(1) });
  const own: Parts = { canvas, viewport, dragLine, redraw: () => redrawHere() };
  if (options.edit) live = own;
  /** This drawing's parts, or, once it has left the page, those of the drawing that replaced it. */
  const current = (): Parts => (own.canvas.isConnected || !live?.canvas.isConnected ? own : live);

  // ---- the nodes, in reading order (top to bottom, left to right): the order Tab follows ----
  const ordered = [...nodes.values()].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const node of ordered) canvas.append(node.kind === 'proxy' ? proxyView(node) : nodeView(node));

  /** A stub "↪ id" for a link to a hub: a click takes the focus to the hub (out of the Tab order: the hub itself is in it). */
  function proxyView(node: DNode): HTMLElement {
    const go = h(
      'button',
      { type: 'button', class: 'node-main', tabindex: '-1', 'aria-label': tr('goTo', { id: node.id }), title: tr('goTo', { id: node.id }) },
      `↪ ${cut(node.id, 24)}`,
    );
    go.addEventListener('click', () => {
      const target = canvas.querySelector<HTMLElement>(`.node[data-node="b:${CSS.escape(node.id)}"] .node-main`);
      target?.focus({ preventScroll: true });
      target?.scrollIntoView({ block: 'center', inline: 'center' });
    });
    const view_ = h('div', { class: 'node proxy', 'data-node': node.key, 'data-block': node.id }, go);
    Object.assign(view_.style, { left: `${node.x}px`, top: `${node.y}px`, width: `${node.w}px`, height: `${node.h}px` });
    return view_;
  }

  function nodeView(node: DNode): HTMLElement {
    const lost = isLost(node);
    const isSelected = node.key === selected;
    const owner: Selection | undefined =
      node.kind === 'block' ? { kind: 'block', id: node.id } : node.kind === 'trigger' ? { kind: 'trigger', index: node.index } : undefined;
    const cls = node.kind === 'trigger' ? 'trigger' : node.kind === 'missing' ? 'missing' : node.type === 'callApi' ? 'callApi' : 'block';
    const typeLine =
      node.kind === 'missing'
        ? tr('missing')
        : node.kind === 'trigger'
          ? typeName(node.type)
          : `${ICONS[node.type] ?? '?'} ${typeName(node.type)}`;
    const marks = [lost && tr('unreachable'), node.problems > 0 && tr('problems', { n: node.problems })].filter(
      (m): m is string => typeof m === 'string',
    );
    const label =
      node.kind === 'trigger'
        ? `${tr('trigger', { n: node.index + 1, type: typeName(node.type) })}${node.detail ? ` ${node.detail}` : ''}`
        : tr('block', { id: node.id, type: node.kind === 'missing' ? tr('missing') : typeName(node.type) });
    const main =
      owner === undefined
        ? h(
            'div',
            { class: 'node-main', 'aria-hidden': 'true' },
            h('span', { class: 'node-id' }, cut(node.id, 24)),
            h('span', { class: 'node-type' }, typeLine),
          )
        : h(
            'button',
            {
              type: 'button',
              class: 'node-main',
              id: domId(node.key),
              'aria-pressed': String(isSelected),
              'aria-label': [label, ...marks].join(', '),
              title: node.kind === 'trigger' ? label : node.id,
              onclick: () => options.select(owner),
              onkeydown: (event: Event) => {
                const key = (event as KeyboardEvent).key;
                if (!edit || node.kind !== 'block') return;
                if (key === 'F2') {
                  event.preventDefault();
                  startRename(node.id);
                } else if (key === 'Delete') {
                  event.preventDefault();
                  remove(node.id);
                }
              },
            },
            h('span', { class: 'node-id' }, node.kind === 'trigger' ? typeLine : cut(node.id, 24)),
            h('span', { class: 'node-type' }, node.kind === 'trigger' ? cut(node.detail, 28) : typeLine),
            marks.length > 0 && h('span', { class: 'node-warn' }, `⚠ ${marks.join(' · ')}`),
          );
    const view_ = h(
      'div',
      {
        class: `node ${cls}${lost ? ' unreachable' : ''}${isSelected ? ' selected' : ''}${node.problems ? ' has-problems' : ''}`,
        'data-node': node.key,
        ...(node.kind !== 'trigger' ? { 'data-block': node.id } : {}),
      },
      main,
    );
    Object.assign(view_.style, { left: `${node.x}px`, top: `${node.y}px`, width: `${node.w}px`, height: `${node.h}px` });
    if (node.outlets.length && owner) {
      const handles = h('div', { class: 'node-outlets', 'aria-hidden': 'true' });
      node.outlets.forEach((outlet, i) => {
        const at = handleAt(node, slotOf(node, i));
        const bad = options.problems?.some(
          (p) =>
            problemPath(p.path) === `${node.kind === 'block' ? `blocks.${node.id}` : `triggers.${node.index}`}.${outlet.path.join('.')}`,
        );
        const text = handleLabel(outlet, tr);
        const handle = h(
          'span',
          {
            class: `handle${outlet.target !== undefined ? ' linked' : ''}${bad ? ' bad' : ''}`,
            'data-outlet': outlet.path.join('.'),
            title: `${outletName(outlet, tr)} → ${outlet.target ?? tr('none')}`,
          },
          h('span', { class: 'dot' }),
          cut(text, 10),
        );
        Object.assign(handle.style, {
          left: `${at.x - at.w / 2 + 2}px`,
          top: `${at.y - ROW / 2 + 2}px`,
          width: `${at.w - 4}px`,
          height: `${ROW - 4}px`,
        });
        if (edit) handle.addEventListener('pointerdown', (event) => startLink(event, node, owner, outlet, i));
        handles.append(handle);
      });
      view_.append(handles);
    }
    if (isSelected && edit && owner) view_.append(actionsFor(node, owner));
    return view_;
  }

  // ---- the selected node's actions: Rename, Delete, Link… ----
  function actionsFor(node: DNode, owner: Selection): HTMLElement {
    const e = edit as DiagramEdit;
    const name = nodeName(node);
    const bar = h('div', { class: 'node-actions', role: 'group', 'aria-label': tr('actions', { name }) });
    const renaming = node.kind === 'block' && view.renaming?.id === node.id ? view.renaming : undefined;
    if (renaming) {
      const input = h('input', {
        id: 'diagram-rename-input',
        value: renaming.text,
        'aria-label': tr('renameField', { id: node.id }),
        spellcheck: 'false',
        autocomplete: 'off',
        ...(renaming.error ? { 'aria-invalid': 'true', 'aria-describedby': 'diagram-rename-error' } : {}),
      });
      input.addEventListener('input', () => (renaming.text = input.value));
      const form = h(
        'form',
        { class: 'rename-form', onsubmit: (event: Event) => (event.preventDefault(), submitRename(node.id, input.value.trim())) },
        h('label', { class: 'visually-hidden', for: 'diagram-rename-input' }, tr('renameField', { id: node.id })),
        input,
        h('button', { type: 'submit', id: 'diagram-rename-save', 'aria-label': tr('renameSave') }, '✓'),
        h('button', { type: 'button', id: 'diagram-rename-cancel', 'aria-label': tr('cancel'), onclick: () => cancelRename() }, '✕'),
        renaming.error !== undefined && h('p', { class: 'rename-error', id: 'diagram-rename-error', role: 'alert' }, renaming.error),
      );
      form.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          cancelRename();
        }
      });
      bar.append(form);
    } else {
      if (node.kind === 'block') {
        bar.append(
          h(
            'button',
            { type: 'button', id: 'diagram-rename', 'aria-label': tr('renameName', { id: node.id }), onclick: () => startRename(node.id) },
            tr('rename'),
          ),
          h(
            'button',
            {
              type: 'button',
              id: 'diagram-delete',
              class: 'danger',
              'aria-label': tr('removeName', { id: node.id }),
              onclick: () => remove(node.id),
            },
            tr('remove'),
          ),
        );
      }
      const open = view.links === node.key;
      bar.append(
        h(
          'button',
          {
            type: 'button',
            id: 'diagram-link',
            'aria-expanded': String(open),
            'aria-controls': 'diagram-link-panel',
            'aria-label': tr('linkName', { name }),
            onclick: () => {
              view.links = open ? undefined : node.key;
              focusNext(open ? 'diagram-link' : firstLinkSelect(node));
              redrawHere();
            },
          },
          tr('linkButton'),
        ),
      );
      if (open) bar.append(linkPanel(node, owner, e, name));
    }
    return bar;
  }

  /** The id of the select of `outlet` in `node`'s Link… panel. */
  function selectId(node: DNode, outlet: Outlet): string {
    return `diagram-link-${node.key.replace(':', '-')}-${outlet.path.join('-')}`.replace(/[^\w-]/g, '_');
  }
  function firstLinkSelect(node: DNode): string {
    return node.outlets[0] ? selectId(node, node.outlets[0]) : 'diagram-link';
  }

  function linkPanel(node: DNode, owner: Selection, e: DiagramEdit, name: string): HTMLElement {
    const ids = [...nodes.values()].filter((n) => n.kind === 'block').map((n) => n.id);
    const panel = h('div', { class: 'link-panel', id: 'diagram-link-panel', role: 'group', 'aria-label': tr('linkName', { name }) });
    for (const outlet of node.outlets) {
      const id = selectId(node, outlet);
      const select = h('select', { id }, h('option', { value: '' }, tr('none')));
      const existing = h('optgroup', { label: tr('blocks') });
      for (const block of ids) existing.append(h('option', { value: `b:${block}`, selected: block === outlet.target }, block));
      if (outlet.target !== undefined && !ids.includes(outlet.target))
        existing.append(h('option', { value: `b:${outlet.target}`, selected: true }, `${outlet.target} (${tr('missing')})`));
      const create = h('optgroup', { label: tr('create') });
      for (const type of BLOCK_TYPES) create.append(h('option', { value: `n:${type}` }, tr('newOf', { type: typeName(type) })));
      select.append(existing, create);
      select.addEventListener('change', () => {
        const [kind, rest] = [select.value.slice(0, 2), select.value.slice(2)];
        if (kind === 'n:') {
          view.links = undefined;
          e.add(rest as BlockType, { owner, outlet: outlet.path });
        } else e.link(owner, outlet.path, kind === 'b:' ? rest : undefined);
      });
      panel.append(h('div', { class: 'field' }, h('label', { for: id }, outletName(outlet, tr)), select));
    }
    panel.append(
      h(
        'button',
        {
          type: 'button',
          id: 'diagram-link-close',
          onclick: () => {
            view.links = undefined;
            focusNext('diagram-link');
            redrawHere();
          },
        },
        tr('close'),
      ),
    );
    panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        view.links = undefined;
        focusNext('diagram-link');
        redrawHere();
      }
    });
    return panel;
  }

  // ---- actions ----
  function startRename(id: string): void {
    view.renaming = { id, text: id };
    focusNext('diagram-rename-input');
    if (keyOf(options.selection) === `b:${id}`) redrawHere();
    else options.select({ kind: 'block', id });
  }

  function cancelRename(): void {
    view.renaming = undefined;
    focusNext('diagram-rename');
    redrawHere();
  }

  function submitRename(id: string, to: string): void {
    if (!edit) return;
    if (to === id || to === '') return cancelRename();
    const renaming = view.renaming;
    view.renaming = undefined;
    focusNext('selected');
    const failed = edit.rename(id, to);
    if (typeof failed === 'string') {
      const reason = failed === 'invalidId' || failed === 'idTaken' || failed === 'noSuchBlock' ? tr(failed, { to }) : failed;
      view.renaming = { id, text: renaming?.text ?? to, error: tr('renameFailed', { id, reason }) };
      focusNext('diagram-rename-input');
      redrawHere();
    }
  }

  function remove(id: string): void {
    if (!edit) return;
    view.renaming = undefined;
    view.links = undefined;
    focusNext('diagram-undo');
    edit.remove(id);
  }

  /** Draw this diagram again in place, for a change of the view only (a panel opened or closed). */
  function redrawHere(): void {
    const root = wrapper.isConnected ? wrapper : undefined;
    const next = renderDiagram(flow, options);
    root?.replaceWith(next);
  }

  // ---- linking by dragging a handle ----
  // The pointer is followed on the window, and the drawing read at each step through `current()`: the
  // diagram may be drawn again during the drag (see `live`), and the handle pressed leave the page.
  function startLink(event: PointerEvent, node: DNode, owner: Selection, outlet: Outlet, i: number): void {
    if (event.button !== 0 || !edit) return;
    event.preventDefault();
    event.stopPropagation();
    const handle = event.currentTarget as HTMLElement;
    const pointer = event.pointerId;
    handle.setPointerCapture?.(pointer);
    const at = handleAt(node, slotOf(node, i));
    const start = { x: node.x + at.x, y: node.y + at.y };
    const [x0, y0] = [event.clientX, event.clientY];
    let moved = false;
    let over: HTMLElement | undefined;
    const point = (e: PointerEvent) => {
      const rect = current().canvas.getBoundingClientRect();
      return { x: (e.clientX - rect.left) / view.zoom, y: (e.clientY - rect.top) / view.zoom };
    };
    const targetAt = (e: PointerEvent): HTMLElement | undefined => {
      const element = document.elementFromPoint(e.clientX, e.clientY);
      const found = element instanceof Element ? element.closest<HTMLElement>('.node[data-block]') : null;
      return found && current().canvas.contains(found) && !found.classList.contains('missing') ? found : undefined;
    };
    const line = (d: string) => {
      dragPath = d;
      dragLine.setAttribute('d', d);
      current().dragLine.setAttribute('d', d);
    };
    const move = (e: PointerEvent) => {
      if (e.pointerId !== pointer) return;
      if (!moved && Math.hypot(e.clientX - x0, e.clientY - y0) < 4) return;
      moved = true;
      const p = point(e);
      line(`M${start.x} ${start.y}L${p.x} ${p.y}`);
      const target = targetAt(e);
      if (target !== over) {
        over?.classList.remove('drop-target');
        target?.classList.add('drop-target');
        over = target;
      }
    };
    const stop = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      window.removeEventListener('pointercancel', cancel);
      line('');
      over?.classList.remove('drop-target');
    };
    const up = (e: PointerEvent) => {
      if (e.pointerId !== pointer) return;
      stop();
      if (!moved) {
        // A click on a handle: the node's Link… panel, its outlet's select focused.
        view.links = node.key;
        focusNext(selectId(node, outlet));
        if (keyOf(options.selection) === node.key) current().redraw();
        else options.select(owner);
        return;
      }
      const target = targetAt(e);
      if (target?.dataset.block !== undefined) return void edit?.link(owner, outlet.path, target.dataset.block);
      const rect = current().viewport.getBoundingClientRect();
      if (e.clientX < rect.left || e.clientX > rect.right || e.clientY < rect.top || e.clientY > rect.bottom) return;
      const p = point(e);
      view.menu = { kind: 'drop', owner, outlet: outlet.path, x: p.x, y: p.y, name: `${nodeName(node)}: ${outletName(outlet, tr)}` };
      focusNext(`diagram-drop-${BLOCK_TYPES[0]}`);
      current().redraw();
    };
    const cancel = (e: PointerEvent) => {
      if (e.pointerId === pointer) stop();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    window.addEventListener('pointercancel', cancel);
  }

  // ---- "new block here" ----
  const menu = view.menu;
  if (menu?.kind === 'drop' && edit) {
    const close = () => {
      view.menu = undefined;
      redrawHere();
    };
    const drop = h(
      'div',
      { class: 'diagram-menu drop-menu', id: 'diagram-drop-menu', role: 'group', 'aria-label': tr('dropMenu', { outlet: menu.name }) },
      h('p', { class: 'menu-title' }, tr('dropHeading')),
      ...BLOCK_TYPES.map((type) =>
        h(
          'button',
          {
            type: 'button',
            id: `diagram-drop-${type}`,
            onclick: () => {
              view.menu = undefined;
              edit.add(type, { owner: menu.owner, outlet: menu.outlet });
            },
          },
          icon(ICONS[type] ?? ''),
          typeName(type),
        ),
      ),
      h('button', { type: 'button', id: 'diagram-drop-cancel', class: 'quiet', onclick: close }, tr('cancel')),
    );
    drop.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
    });
    Object.assign(drop.style, { left: `${menu.x}px`, top: `${menu.y}px` });
    canvas.append(drop);
  }

  // ---- the toolbar ----
  const button = (id: string, glyph: string, text: string, name: string | undefined, onclick: () => void, disabled = false) =>
    h(
      'button',
      { type: 'button', id, ...(name ? { 'aria-label': name, title: name } : {}), disabled, onclick },
      icon(glyph),
      text && ` ${text}`,
    );
  const tools = h('div', { class: 'diagram-toolbar', role: 'group', 'aria-label': tr('tools') });
  let closeAddMenu = (): void => undefined;
  if (edit) {
    const addOpen = menu?.kind === 'add';
    const addMenu = h(
      'div',
      { class: 'diagram-menu add-menu', id: 'diagram-add-menu', role: 'group', 'aria-label': tr('addMenu'), hidden: !addOpen },
      ...BLOCK_TYPES.map((type) =>
        h(
          'button',
          {
            type: 'button',
            id: `diagram-add-${type}`,
            onclick: () => {
              view.menu = undefined;
              edit.add(type);
            },
          },
          icon(ICONS[type] ?? ''),
          typeName(type),
        ),
      ),
    );
    const toggle = h(
      'button',
      {
        type: 'button',
        id: 'diagram-add',
        'aria-expanded': String(addOpen),
        'aria-controls': 'diagram-add-menu',
        onclick: () => {
          const open = view.menu?.kind !== 'add';
          view.menu = open ? { kind: 'add' } : undefined;
          toggle.setAttribute('aria-expanded', String(open));
          addMenu.hidden = !open;
          if (open) addMenu.querySelector('button')?.focus();
        },
      },
      icon('+'),
      ` ${tr('addBlock')} `,
      icon('▾'),
    );
    closeAddMenu = () => {
      view.menu = undefined;
      addMenu.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
    };
    addMenu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        closeAddMenu();
        toggle.focus();
      }
    });
    tools.append(
      h('div', { class: 'add-wrap' }, toggle, addMenu),
      button(
        'diagram-undo',
        '↶',
        tr('undo'),
        undefined,
        () => {
          focusNext('diagram-undo');
          edit.undo();
        },
        !edit.canUndo,
      ),
      button(
        'diagram-redo',
        '↷',
        tr('redo'),
        undefined,
        () => {
          focusNext('diagram-redo');
          edit.redo();
        },
        !edit.canRedo,
      ),
    );
  }
  tools.append(
    h(
      'span',
      { class: 'zoom-tools' },
      button('diagram-zoom-out', '−', '', tr('zoomOut'), () => zoomTo(view.zoom / 1.25)),
      zoomLevel,
      button('diagram-zoom-in', '+', '', tr('zoomIn'), () => zoomTo(view.zoom * 1.25)),
      button('diagram-fit', '⤢', tr('fit'), tr('fitName'), () => fit()),
    ),
  );

  // ---- zoom and pan ----
  function applyZoom(): void {
    sizer.style.width = `${size.width * view.zoom}px`;
    sizer.style.height = `${size.height * view.zoom}px`;
    canvas.style.transform = `scale(${view.zoom})`;
    const pct = `${Math.round(view.zoom * 100)}%`;
    zoomLevel.textContent = pct;
    zoomLevel.setAttribute('aria-label', tr('zoomReset', { pct }));
    wrapper.dataset.zoom = String(view.zoom);
  }

  /** Zoom to `zoom`, keeping the canvas point under (ax, ay) of the viewport (its centre by default) where it is. */
  function zoomTo(zoom: number, ax = viewport.clientWidth / 2, ay = viewport.clientHeight / 2): void {
    const next = clamp(zoom, ZOOM_MIN, ZOOM_MAX);
    const [cx, cy] = [(viewport.scrollLeft + ax) / view.zoom, (viewport.scrollTop + ay) / view.zoom];
    view.zoom = next;
    applyZoom();
    viewport.scrollLeft = cx * next - ax;
    viewport.scrollTop = cy * next - ay;
  }

  function fit(): void {
    const zoom = clamp(Math.min((viewport.clientWidth - 4) / size.width, (viewport.clientHeight - 4) / size.height, 1), ZOOM_MIN, ZOOM_MAX);
    view.zoom = zoom;
    applyZoom();
    viewport.scrollLeft = 0;
    viewport.scrollTop = 0;
  }

  viewport.addEventListener(
    'wheel',
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      const rect = viewport.getBoundingClientRect();
      zoomTo(view.zoom * Math.exp(-event.deltaY * 0.002), event.clientX - rect.left, event.clientY - rect.top);
    },
    { passive: false },
  );
  viewport.addEventListener('scroll', () => {
    view.left = viewport.scrollLeft;
    view.top = viewport.scrollTop;
  });
  viewport.addEventListener('pointerdown', (event) => {
    const target = event.target as Element | null;
    if (event.button !== 0 || !target || target.closest('.node, .diagram-menu')) return;
    event.preventDefault();
    // A press on the background closes the menus.
    if (view.menu?.kind === 'drop') canvas.querySelector('.drop-menu')?.remove();
    if (view.menu) closeAddMenu();
    view.menu = undefined;
    const pointer = event.pointerId;
    viewport.setPointerCapture?.(pointer);
    viewport.classList.add('panning');
    let [x, y] = [event.clientX, event.clientY];
    // On the window, scrolling the drawing in the page: the diagram may be drawn again during the pan (see `live`).
    const move = (e: PointerEvent) => {
      if (e.pointerId !== pointer) return;
      const scroller = current().viewport;
      scroller.classList.add('panning');
      scroller.scrollLeft -= e.clientX - x;
      scroller.scrollTop -= e.clientY - y;
      [x, y] = [e.clientX, e.clientY];
    };
    const up = (e: PointerEvent) => {
      if (e.pointerId !== pointer) return;
      viewport.classList.remove('panning');
      current().viewport.classList.remove('panning');
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      window.removeEventListener('pointercancel', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    window.addEventListener('pointercancel', up);
  });

  // ---- the whole ----
  const wrapper = h(
    'div',
    { class: 'diagram-editor', 'data-layout-ms': size.ms.toFixed(1) },
    h('p', { class: 'hint' }, tr('summary', { blocks, triggers })),
    edit !== undefined && h('p', { class: 'hint' }, tr('editHint')),
    unreachable.length > 0 && h('p', { class: 'error' }, tr('unreachableList', { ids: unreachable.join(', ') })),
    tools,
    viewport,
    h(
      'details',
      { class: 'diagram-links' },
      h('summary', {}, tr('links', { n: edges.length })),
      h(
        'ul',
        {},
        ...edges.map((e) => {
          const to = nodes.get(e.to);
          return h(
            'li',
            {},
            `${nameOf(nodes.get(e.from))} → ${nameOf(to)} (${e.label})${to?.kind === 'missing' ? `: ${tr('noBlock', { id: to.id })}` : ''}`,
          );
        }),
      ),
    ),
  );
  applyZoom();
  // Once the editor has put it in the page: the scroll where it was, and the focus where an action left it.
  queueMicrotask(() => {
    viewport.scrollLeft = view.left;
    viewport.scrollTop = view.top;
    if (!wrapper.isConnected || !view.focus) return;
    const focus = view.focus.id;
    const fresh = Date.now() - view.focus.at < 2000;
    view.focus = undefined;
    if (!fresh) return;
    let element =
      focus === 'selected'
        ? wrapper.querySelector<HTMLElement>('.node.selected .node-main')
        : wrapper.querySelector<HTMLElement>(`#${CSS.escape(focus)}`);
    if (element instanceof HTMLButtonElement && element.disabled)
      element =
        wrapper.querySelector<HTMLElement>(focus === 'diagram-undo' ? '#diagram-redo:not([disabled])' : '#diagram-undo:not([disabled])') ??
        viewport;
    if (element) {
      element.focus({ preventScroll: true });
      element.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    }
  });
  return wrapper;
}
