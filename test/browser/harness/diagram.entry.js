// @ts-check
// Plain JavaScript on purpose (as blockForms.entry.js): the repository's TypeScript program has no DOM
// types, and esbuild bundles this with the console modules it imports.
import { lastLayoutMs, renderDiagram } from '../../../console/src/diagram';
import { addBlock, deleteBlock, renameBlock, setOutlet } from '../../../console/src/flowEdit';
import { History } from '../../../console/src/history';

// A page for the diagram editor alone (test/browser/diagramEditor.test.ts), independent of the
// editor's wiring: renderDiagram mounted with edit actions made of flowEdit and History as the editor
// makes them (each edit one undo step of the JSON text, the diagram drawn again after every change
// with the focus kept on the control of the same id), and the flow on `window.harness` for the test.

/** @typedef {import('../../../console/src/flowEdit').Selection} Selection */

/** @type {{ flow: Record<string, unknown>, selection: Selection | undefined, lang: 'en' | 'zh-TW', problems: Array<{ path: string, message: string }>, history: History, draws: number, selects: number }} */
const state = { flow: {}, selection: undefined, lang: 'en', problems: [], history: new History('{}'), draws: 0, selects: 0 };

const text = () => `${JSON.stringify(state.flow, null, 2)}\n`;

/** The editor's part after an edit: one step of undo, then everything drawn again. */
function commit() {
  state.history.push(text());
  draw();
}

/** @param {string | undefined} next */
function restore(next) {
  if (next === undefined) return;
  state.flow = JSON.parse(next);
  const blocks = /** @type {Record<string, unknown>} */ (state.flow.blocks ?? {});
  if (state.selection?.kind === 'block' && !Object.hasOwn(blocks, state.selection.id)) state.selection = undefined;
  draw();
}

const edit = {
  /** @param {import('../../../console/src/flowEdit').BlockType} type @param {{ owner: Selection, outlet: Array<string | number> } | undefined} from */
  add(type, from) {
    const id = addBlock(state.flow, type, from ? { from } : {});
    state.history.push(text());
    state.selection = { kind: 'block', id };
    draw();
  },
  /** @param {Selection} owner @param {Array<string | number>} outlet @param {string | undefined} target */
  link(owner, outlet, target) {
    setOutlet(state.flow, owner, outlet, target);
    commit();
  },
  /** @param {string} id @param {string} to */
  rename(id, to) {
    const failed = renameBlock(state.flow, id, to);
    if (failed !== undefined) return failed;
    if (state.selection?.kind === 'block' && state.selection.id === id) state.selection = { kind: 'block', id: to };
    commit();
    return undefined;
  },
  /** @param {string} id */
  remove(id) {
    deleteBlock(state.flow, id);
    if (state.selection?.kind === 'block' && state.selection.id === id) state.selection = undefined;
    commit();
  },
  undo: () => restore(state.history.undo()),
  redo: () => restore(state.history.redo()),
  get canUndo() {
    return state.history.canUndo;
  },
  get canRedo() {
    return state.history.canRedo;
  },
};

/** Draw the diagram again, as the editor does: the focused control (by id) keeps the focus. */
function draw() {
  const root = document.getElementById('root');
  if (!root) return;
  const focused = root.contains(document.activeElement) && document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
  state.draws += 1;
  root.replaceChildren(
    renderDiagram(state.flow, {
      lang: state.lang,
      selection: state.selection,
      select(selection) {
        state.selects += 1;
        state.selection = selection;
        draw();
      },
      edit,
      problems: state.problems,
    }),
  );
  if (focused) document.getElementById(focused)?.focus();
}

const harness = {
  /** @param {{ flow: Record<string, unknown>, lang?: 'en' | 'zh-TW', selection?: Selection, problems?: Array<{ path: string, message: string }>, readOnly?: boolean }} o */
  mount(o) {
    state.flow = o.flow;
    state.lang = o.lang ?? 'en';
    state.selection = o.selection;
    state.problems = o.problems ?? [];
    state.history = new History(text());
    draw();
  },
  /** A form's edit: `change` writes into the flow in place, then the editor's part (undo step, redraw). */
  change(/** @type {string} */ body) {
    new Function('flow', body)(state.flow);
    commit();
  },
  flow: () => JSON.parse(JSON.stringify(state.flow)),
  selection: () => state.selection,
  layoutMs: () => lastLayoutMs,
  draws: () => state.draws,
  /** Each node's rectangle on the page (block id, or the trigger's node key). */
  rects: () =>
    [...document.querySelectorAll('#root .node')].map((element) => {
      const r = element.getBoundingClientRect();
      return { key: /** @type {HTMLElement} */ (element).dataset.node ?? '', x: r.x, y: r.y, width: r.width, height: r.height };
    }),
};

Object.assign(window, { harness });
document.body.dataset.ready = 'true';
