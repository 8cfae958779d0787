import { h } from './dom';
import { defineTexts, type Lang } from './i18n';

// The flow as a diagram: triggers on top, then blocks in layers by their distance from a trigger
// (breadth first), links as labelled arrows. Drawn from whatever the editor holds, so every field is
// read defensively (the JSON may be mid-edit). A list of the links is the text alternative.

const tx = defineTexts({
  en: {
    diagram: 'Flow diagram',
    block: 'Block {id}, {type}',
    unreachable: 'unreachable',
    unreachableList: 'Unreachable (no trigger leads there): {ids}',
    missing: 'missing',
    noBlock: 'no block {id}',
    summary: '{blocks} blocks, {triggers} triggers. Enter or click a Call an API card to open it.',
    links: 'Links as text ({n})',
    message: 'Message',
    question: 'Question',
    callApi: 'Call an API card',
    condition: 'Condition',
    setAttributes: 'Set attributes',
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
    exists: '{a} exists',
  },
  'zh-TW': {
    diagram: '流程圖',
    block: '區塊 {id}，{type}',
    unreachable: '無法到達',
    unreachableList: '無法到達（沒有觸發條件通往這裡）：{ids}',
    missing: '不存在',
    noBlock: '沒有區塊 {id}',
    summary: '{blocks} 個區塊，{triggers} 個觸發條件。按 Enter 或點選呼叫 API 卡片即可開啟。',
    links: '以文字列出連結（{n}）',
    message: '訊息',
    question: '問題',
    callApi: '呼叫 API 卡片',
    condition: '條件',
    setAttributes: '設定屬性',
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
    exists: '{a} 存在',
  },
});

type J = Record<string, unknown>;
type TypeKey = 'message' | 'question' | 'callApi' | 'condition' | 'setAttributes' | 'end' | 'keyword' | 'postback' | 'follow' | 'fallback';
const TYPES = ['message', 'question', 'callApi', 'condition', 'setAttributes', 'end', 'keyword', 'postback', 'follow', 'fallback'];
const OPS: J = { equals: '=', matches: '~', lt: '<', lte: '≤', gt: '>', gte: '≥' };
const NS = 'http://www.w3.org/2000/svg';
/** Node width and height, the gaps between nodes and between layers. */
const W = 170;
const H = 56;
const GX = 30;
const GY = 70;

const obj = (value: unknown): J => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as J) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface DNode {
  key: string;
  id: string;
  type: string;
  trigger?: boolean;
  missing?: boolean;
  reached?: boolean;
  depth: number;
  x: number;
  y: number;
}
interface DEdge {
  from: string;
  to: string;
  label: string;
}

function svg(tag: string, attrs: J, ...children: Array<Node | string>): SVGElement {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, str(value));
  element.append(...children);
  return element;
}

/** The flow as a diagram: blocks as nodes, their links as labelled edges, unreachable blocks marked. */
export function renderDiagram(flow: Record<string, unknown>, options: { lang: Lang; openBlock(id: string): void }): Node {
  const tr = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(options.lang, key, values);
  const typeName = (type: string) => (TYPES.includes(type) ? tr(type as TypeKey) : type || '?');
  // Node keys: `b` + block id, `t` + trigger index.
  const nodes = new Map<string, DNode>();
  const edges: DEdge[] = [];
  const add = (key: string, node: Partial<DNode> & { id: string; type: string }) => nodes.set(key, { key, depth: -1, x: 0, y: 0, ...node });
  const link = (from: string, to: unknown, label: string) => {
    if (str(to)) edges.push({ from, to: `b${str(to)}`, label });
  };
  const blocks = Object.entries(obj(flow.blocks));
  for (const [id, block] of blocks) add(`b${id}`, { id, type: str(obj(block).type) });
  for (const [id, raw] of blocks) {
    const block = obj(raw);
    const from = `b${id}`;
    link(from, block.next, tr('next'));
    link(from, block.onSuccess, tr('success'));
    link(from, block.onFailure, tr('failure'));
    link(from, block.empty, tr('empty'));
    link(from, block.onGiveUp, tr('giveUp'));
    for (const branch of list(block.branches)) {
      const when = obj(obj(branch).when);
      const [a, op] = [str(when.attribute), str(when.op)];
      link(from, obj(branch).next, op === 'exists' ? tr('exists', { a }) : `${a} ${str(OPS[op]) || op} ${op === 'matches' ? `/${str(when.pattern)}/` : (JSON.stringify(when.value) ?? '')}`);
    }
    link(from, block.otherwise, tr('otherwise'));
    for (const choice of list(obj(block.input).choices)) link(from, obj(choice).next, str(obj(choice).label) || str(obj(choice).value));
  }
  list(flow.triggers).forEach((raw, i) => {
    const trigger = obj(raw);
    const type = str(trigger.type);
    add(`t${i}`, { id: typeName(type), type, trigger: true });
    const detail = type === 'keyword' ? list(trigger.keywords).map((k) => JSON.stringify(str(k))).join(', ') : type === 'postback' ? `action=${str(trigger.action)}` : '';
    link(`t${i}`, trigger.start ?? flow.start, detail || tr('start'));
  });
  for (const edge of edges) if (!nodes.has(edge.to)) add(edge.to, { id: edge.to.slice(1), type: '', missing: true });

  // Layers: breadth first from the triggers; what no trigger reaches, from each such block in turn.
  const layers: DNode[][] = [];
  const visit = (roots: DNode[], depth: number, reached: boolean) => {
    let layer = roots;
    while (layer.length) {
      for (const node of layer) Object.assign(node, { depth, reached });
      (layers[depth] ??= []).push(...layer);
      const keys = new Set(layer.map((node) => node.key));
      layer = [...new Set(edges.filter((e) => keys.has(e.from)).map((e) => nodes.get(e.to)))].filter((node): node is DNode => node !== undefined && node.depth < 0);
      depth += 1;
    }
  };
  visit([...nodes.values()].filter((node) => node.trigger), 0, true);
  for (const node of nodes.values()) if (node.depth < 0) visit([node], 1, false);
  const width = Math.max(1, ...layers.map((layer) => layer?.length ?? 0)) * (W + GX);
  layers.forEach((layer, depth) =>
    layer.forEach((node, i) => Object.assign(node, { x: (width - layer.length * (W + GX) + GX) / 2 + i * (W + GX), y: 8 + depth * (H + GY) })),
  );
  const isLost = (node: DNode) => !node.trigger && !node.missing && !node.reached;
  const unreachable = [...nodes.values()].filter(isLost).map((node) => node.id);

  const edgeViews = edges.map((edge) => {
    const a = nodes.get(edge.from);
    const b = nodes.get(edge.to);
    if (!a || !b) return '';
    // Downwards: bottom to top; back up (or across) a layer: out of the right side and back in.
    const down = b.depth > a.depth;
    const bend = 40 + Math.abs(b.y - a.y) / 6;
    const p = down
      ? [a.x + W / 2, a.y + H, a.x + W / 2, a.y + H + GY / 2, b.x + W / 2, b.y - GY / 2, b.x + W / 2, b.y]
      : [a.x + W, a.y + H / 2, a.x + W + bend, a.y + H / 2, b.x + W + bend, b.y + H / 2, b.x + W, b.y + H / 2];
    // The label sits on the curve: near its end going down (edges out of one node part there), at the apex of a loop.
    const t = down ? 0.7 : 0.5;
    const at = (i: number) => (1 - t) ** 3 * (p[i] ?? 0) + 3 * (1 - t) ** 2 * t * (p[i + 2] ?? 0) + 3 * (1 - t) * t * t * (p[i + 4] ?? 0) + t ** 3 * (p[i + 6] ?? 0);
    return svg(
      'g',
      { class: `edge${b.missing ? ' broken' : ''}` },
      svg('path', { d: `M${p.slice(0, 2).join(' ')}C${p.slice(2).join(' ')}`, 'marker-end': 'url(#diagram-arrow)' }),
      svg('text', { x: at(0), y: at(1) + 4 }, cut(edge.label, 26)),
    );
  });
  const nodeViews = [...nodes.values()].map((node) => {
    const lost = isLost(node);
    const type = node.missing ? tr('missing') : node.trigger ? '' : typeName(node.type);
    const button = !node.trigger && !node.missing;
    const view = svg(
      'g',
      {
        class: `node ${node.trigger ? 'trigger' : node.missing ? 'missing' : node.type === 'callApi' ? 'callApi' : 'block'}${lost ? ' unreachable' : ''}`,
        transform: `translate(${node.x} ${node.y})`,
        ...(button ? { tabindex: 0, role: 'button', 'aria-label': `${tr('block', { id: node.id, type })}${lost ? `, ${tr('unreachable')}` : ''}` } : { 'aria-hidden': 'true' }),
      },
      svg('rect', { width: W, height: H, rx: node.trigger ? H / 2 : 6 }),
      svg('text', { x: W / 2, y: node.trigger ? H / 2 + 5 : 20, class: 'id' }, cut(node.id, 22)),
      svg('text', { x: W / 2, y: 37 }, type),
      lost ? svg('text', { x: W / 2, y: 51, class: 'warn' }, `⚠ ${tr('unreachable')}`) : '',
    );
    if (button) {
      view.addEventListener('click', () => options.openBlock(node.id));
      view.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          options.openBlock(node.id);
        }
      });
    }
    return view;
  });
  const height = layers.length * (H + GY) - GY + 16;
  const name = (key: string) => nodes.get(key)?.id ?? '?';
  return h(
    'div',
    {},
    h('p', { class: 'hint' }, tr('summary', { blocks: blocks.length, triggers: list(flow.triggers).length })),
    unreachable.length > 0 && h('p', { class: 'error' }, tr('unreachableList', { ids: unreachable.join(', ') })),
    h(
      'div',
      { class: 'diagram-scroll' },
      svg(
        'svg',
        { width, height: Math.max(height, 40), viewBox: `0 0 ${width} ${Math.max(height, 40)}`, role: 'group', 'aria-label': tr('diagram') },
        svg('defs', {}, svg('marker', { id: 'diagram-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' }, svg('path', { d: 'M0 0L10 5L0 10z' }))),
        svg('g', { 'aria-hidden': 'true' }, ...edgeViews),
        ...nodeViews,
      ),
    ),
    h(
      'details',
      { class: 'diagram-links' },
      h('summary', {}, tr('links', { n: edges.length })),
      h('ul', {}, ...edges.map((e) => h('li', {}, `${name(e.from)} → ${name(e.to)} (${e.label})${nodes.get(e.to)?.missing ? `: ${tr('noBlock', { id: name(e.to) })}` : ''}`))),
    ),
  );
}
