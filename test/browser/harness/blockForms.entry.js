// @ts-check
// Plain JavaScript on purpose: the repository's TypeScript program has no DOM types (the console's own
// tsconfig has them), and esbuild bundles this with the console modules it imports.
import { call, storeKey } from '../../../console/src/api';
import { renderBlockForm } from '../../../console/src/blockForms';
import { setLastResponse } from '../../../console/src/cardKit';
import { blocksOf } from '../../../console/src/editorContext';
import { isObject } from '../../../console/src/json';

// A page for the block forms alone (test/browser/blockForms.test.ts), independent of the editor's
// wiring: the form of one block mounted with an EditorContext that does what the editor does (a
// change redraws the form when asked, the flow is validated by the API 400 ms after the last change
// and the form shows the problems, createBlock adds and links a block and opens it), and the flow
// and the calls to createBlock on `window.harness` for the test to read.

/** @type {{ flow: Record<string, unknown>, selected: string, lang: 'en' | 'zh-TW', problems: Array<{ path: string, message: string }>, created: unknown[], validations: number, changes: number }} */
const state = { flow: {}, selected: '', lang: 'en', problems: [], created: [], validations: 0, changes: 0 };
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;

/** @returns {import('../../../console/src/editorContext').EditorContext} */
function context() {
  return {
    lang: state.lang,
    flow: state.flow,
    problems: state.problems,
    secrets: [],
    changed(rebuild = false, focus = undefined) {
      state.changes += 1;
      if (rebuild) draw(focus ?? activeId());
      clearTimeout(timer);
      timer = setTimeout(() => void validate(), 400);
    },
    createBlock(type, from, hint) {
      const blocks = blocksOf(state.flow);
      let id = hint ?? type;
      for (let n = 2; Object.hasOwn(blocks, id); n++) id = `${hint ?? type}${n}`;
      blocks[id] = { type };
      if (from?.owner.kind === 'block') {
        const owner = blocks[from.owner.id];
        let parent = owner;
        for (const key of from.outlet.slice(0, -1)) parent = isObject(parent) || Array.isArray(parent) ? parent[key] : undefined;
        if (isObject(parent)) parent[String(from.outlet.at(-1))] = id;
      }
      state.created.push({ type, ...(from ? { from } : {}), ...(hint !== undefined ? { hint } : {}), id });
      state.selected = id;
      draw();
      return id;
    },
    select(selection) {
      if (selection.kind === 'block') state.selected = selection.id;
      draw();
    },
  };
}

const activeId = () => (document.activeElement instanceof HTMLElement ? document.activeElement.id : '');

/** @param {string} [focus] */
function draw(focus) {
  const root = document.getElementById('root');
  if (!root) return;
  const caret = focus ? caretOf(focus) : undefined;
  root.replaceChildren(renderBlockForm(context(), state.selected));
  if (focus) {
    const element = document.getElementById(focus);
    element?.focus();
    if (caret && (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement)) {
      try {
        element.setSelectionRange(caret[0], caret[1]);
      } catch {
        // number inputs have no selection
      }
    }
  }
}

/** @param {string} id @returns {[number, number] | undefined} */
function caretOf(id) {
  const element = document.getElementById(id);
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
    try {
      return [element.selectionStart ?? 0, element.selectionEnd ?? 0];
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** What the editor does after a change: the API validates the flow, the open form shows the problems. */
async function validate() {
  const reply = await call('POST', '/admin/flows/validate', { flow: state.flow });
  state.problems = reply.ok ? [] : (reply.body.problems ?? []);
  state.validations += 1;
  const root = document.getElementById('root');
  draw(root?.contains(document.activeElement) ? activeId() : undefined);
  document.body.dataset.validations = String(state.validations);
}

const harness = {
  /** @param {{ key: string, flow: Record<string, unknown>, id: string, lang?: 'en' | 'zh-TW', responses?: Record<string, unknown> }} o */
  mount(o) {
    storeKey(o.key);
    state.flow = o.flow;
    state.selected = o.id;
    state.lang = o.lang ?? 'en';
    for (const [cardId, body] of Object.entries(o.responses ?? {})) setLastResponse(cardId, body);
    draw();
    // As the editor does when a flow is opened.
    void validate();
  },
  flow: () => JSON.parse(JSON.stringify(state.flow)),
  block: (/** @type {string} */ id) => JSON.parse(JSON.stringify(blocksOf(state.flow)[id] ?? null)),
  created: () => JSON.parse(JSON.stringify(state.created)),
  selected: () => state.selected,
  validations: () => state.validations,
  problems: () => state.problems,
};

Object.assign(window, { harness });
document.body.dataset.ready = 'true';
