// @ts-check
// Plain JavaScript on purpose, as blockForms.entry.js: the repository's TypeScript program has no DOM
// types, and esbuild bundles this with the console modules it imports.
import { call, storeKey } from '../../../console/src/api';
import { blocksOf } from '../../../console/src/editorContext';
import { renderFlowSettings } from '../../../console/src/flowSettings';
import { renderTriggerForm, renderTriggerList } from '../../../console/src/triggerForms';

// A page for the trigger forms and the flow settings alone (test/browser/flowsAndTriggers.test.ts),
// independent of the editor's wiring: the trigger list and the selected trigger's form (or the flow's
// settings) mounted with an EditorContext that does what the editor does (a change redraws the list,
// and the form when asked; the flow is validated by the API 400 ms after the last change; createBlock
// adds a block and links it from the trigger), and the flow on `window.harness` for the test to read.

/** @typedef {import('../../../console/src/editorContext').Selection} Selection */
/** @type {{ flow: Record<string, unknown>, selection: Selection | undefined, lang: 'en' | 'zh-TW', problems: Array<{ path: string, message: string }>, created: unknown[], validations: number }} */
const state = { flow: {}, selection: undefined, lang: 'en', problems: [], created: [], validations: 0 };
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
      const active = activeId();
      drawList();
      if (rebuild) drawForm();
      const target = focus ?? (rebuild ? active : undefined);
      if (target) document.getElementById(target)?.focus();
      else if (active && !document.getElementById('form')?.contains(document.activeElement)) document.getElementById(active)?.focus();
      clearTimeout(timer);
      timer = setTimeout(() => void validate(), 400);
    },
    createBlock(type, from, hint) {
      const blocks = blocksOf(state.flow);
      let id = hint ?? type;
      for (let n = 2; Object.hasOwn(blocks, id); n++) id = `${hint ?? type}${n}`;
      blocks[id] = { type };
      if (from?.owner.kind === 'trigger' && Array.isArray(state.flow.triggers)) {
        const trigger = state.flow.triggers[from.owner.index];
        if (trigger && typeof trigger === 'object') trigger[String(from.outlet.at(-1))] = id;
      }
      state.created.push({ type, ...(from ? { from } : {}), ...(hint !== undefined ? { hint } : {}), id });
      state.selection = { kind: 'block', id };
      draw();
      return id;
    },
    select(selection) {
      state.selection = selection;
      draw();
    },
  };
}

const activeId = () => (document.activeElement instanceof HTMLElement ? document.activeElement.id : '');

function drawList() {
  document.getElementById('list')?.replaceChildren(renderTriggerList(context()));
}

function drawForm() {
  const form = document.getElementById('form');
  if (!form) return;
  const s = state.selection;
  if (s?.kind === 'trigger') form.replaceChildren(renderTriggerForm(context(), s.index));
  else if (s?.kind === 'settings') form.replaceChildren(renderFlowSettings(context()));
  else
    form.replaceChildren(
      Object.assign(document.createElement('p'), { id: 'selected-block', textContent: s?.kind === 'block' ? `block ${s.id}` : 'nothing' }),
    );
}

function draw() {
  drawList();
  drawForm();
}

/** What the editor does after a change: the API validates the flow, the open form shows the problems. */
async function validate() {
  const reply = await call('POST', '/admin/flows/validate', { flow: state.flow });
  state.problems = reply.ok ? [] : (reply.body.problems ?? []);
  state.validations += 1;
  const active = activeId();
  draw();
  if (active) document.getElementById(active)?.focus();
  document.body.dataset.validations = String(state.validations);
}

const harness = {
  /** @param {{ key: string, flow: Record<string, unknown>, selection?: Selection, lang?: 'en' | 'zh-TW' }} o */
  mount(o) {
    storeKey(o.key);
    state.flow = o.flow;
    state.selection = o.selection;
    state.lang = o.lang ?? 'en';
    draw();
    void validate();
  },
  flow: () => JSON.parse(JSON.stringify(state.flow)),
  selection: () => state.selection,
  created: () => JSON.parse(JSON.stringify(state.created)),
  validations: () => state.validations,
  problems: () => state.problems,
};

Object.assign(window, { harness });
document.body.dataset.ready = 'true';
