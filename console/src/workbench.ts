import type { DryRunResult, Problem } from './api';
import { renderBlockForm } from './blockForms';
import { renderCardForm } from './card';
import type { Tr } from './cardKit';
import { renderCardTest } from './cardTest';
import { renderDiagram } from './diagram';
import { byId, h } from './dom';
import { cardAlertBadge } from './health';
import { blocksOf, type BlockType, type EditorContext, type OutletPath, type Selection } from './editorContext';
import { addBlock, deleteBlock, renameBlock, setOutlet } from './flowEdit';
import { renderFlowSettings } from './flowSettings';
import { History } from './history';
import { defineTexts, type Lang } from './i18n';
import { isObject, type Json } from './json';
import { renderTriggerForm, renderTriggerList } from './triggerForms';

// The flow editor's work area, loaded as a chunk when a flow is opened: the diagram (the editor of the
// flow's shape), the triggers, the flow's settings and the form of whatever is selected (a block, the
// card with its test, a trigger). Every form edits the flow document in place; the JSON text follows
// (the editor in ./main.ts validates and saves it), and every edit is a step of undo. Editing the JSON
// by hand draws everything again from it.

const tx = defineTexts({
  en: {
    heading: 'Selected',
    nothing: 'Select a block or a trigger in the diagram, or add a block with "Add block".',
    triggers: 'Triggers',
    settings: 'Flow settings',
    blocks: 'Blocks',
    noBlocks: 'No blocks yet: add one from the diagram or a trigger.',
    openBlock: 'Open block {id}',
    undo: 'Undo',
    redo: 'Redo',
    undone: 'Undone.',
    redone: 'Redone.',
    deleted: 'Deleted block {id} and its links. Undo brings it back.',
    renamed: 'Renamed {from} to {to}; every link follows.',
    jsonFirst: 'Fix the flow JSON to use the diagram and the forms.',
  },
  'zh-TW': {
    heading: '已選取',
    nothing: '在流程圖選取區塊或觸發條件，或用「新增區塊」加入區塊。',
    triggers: '觸發條件',
    settings: '流程設定',
    blocks: '區塊',
    noBlocks: '還沒有區塊：從流程圖或觸發條件新增。',
    openBlock: '開啟區塊 {id}',
    undo: '復原',
    redo: '重做',
    undone: '已復原。',
    redone: '已重做。',
    deleted: '已刪除區塊 {id} 與它的連結。復原可以救回。',
    renamed: '已將 {from} 改名為 {to}，所有連結都已跟著更新。',
    jsonFirst: '請先修正流程 JSON，才能使用流程圖與表單。',
  },
});

/** What the editor (./main.ts) gives the work area. */
export interface WorkbenchHost {
  lang: Lang;
  /** The editor's texts (the card form and its test use them). */
  tr: Tr;
  /** The flow's text changed here: the editor shows it in the JSON box, marks it unsaved and validates it. */
  textEdited(text: string): void;
  /** A line for the editor's status (undo, delete, rename). */
  say(text: string): void;
  problems(): Problem[];
  secrets(): string[] | undefined;
  /** The workspace's connection names, for a card's endpoint; undefined while loading. */
  connections(): string[] | undefined;
  flowId: string;
  dryRun: (body: {
    flow: Json;
    blockId: string;
    attributes: Record<string, string>;
    trigger?: { params: Record<string, string> };
  }) => Promise<DryRunResult | string>;
}

export interface Workbench {
  /** The JSON was edited by hand (or replaced): parse it and draw everything from it. */
  textReplaced(text: string, undoable: boolean): void;
  /** Validation answered: the forms show their problems, the diagram its marks. */
  problemsChanged(): void;
  /** The secrets arrived, the language changed: draw again. */
  redraw(): void;
  undo(): void;
  redo(): void;
  select(selection: Selection | undefined): void;
  /** What is selected (kept when the work area is drawn again for another language or a reload). */
  readonly selection: Selection | undefined;
}

const parse = (text: string): Json | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** The first trigger with no start, if any. */
function firstUnstarted(flow: Json | undefined): Selection | undefined {
  const triggers = flow && Array.isArray(flow.triggers) ? flow.triggers : [];
  const index = triggers.findIndex((trigger) => isObject(trigger) && trigger.start === undefined);
  return index >= 0 ? { kind: 'trigger', index } : undefined;
}

const serialise = (flow: Json): string => `${JSON.stringify(flow, null, 2)}\n`;

/**
 * Draw the work area into `root` (its panels are created here) and keep it in step with the flow.
 * `previous`: the work area this one replaces (a language switch), whose selection and undo go on here.
 */
export function mountWorkbench(root: HTMLElement, host: WorkbenchHost, text: string, previous?: Workbench): Workbench {
  const t = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(host.lang, key, values);
  let flow = parse(text);
  // A flow just opened shows first what it still needs: a trigger that starts nowhere (a new flow's keywords).
  let selection: Selection | undefined = previous ? previous.selection : firstUnstarted(flow);
  const history = (previous && histories.get(previous)) ?? new History(text);
  /**
   * The selected trigger itself: the trigger list moves and removes triggers by their place (the forms
   * edit the flow in place), and the selection, by index, follows it there (see `followTrigger`).
   */
  let selectedTrigger: unknown;
  const triggersOf = (): unknown[] => (flow && Array.isArray(flow.triggers) ? flow.triggers : []);
  const rememberTrigger = () => (selectedTrigger = selection?.kind === 'trigger' ? triggersOf()[selection.index] : undefined);
  /** After a form's edit: the selected trigger where it is now, or nothing selected when it was removed. */
  const followTrigger = () => {
    if (selection?.kind !== 'trigger' || triggersOf()[selection.index] === selectedTrigger) return;
    const index = triggersOf().indexOf(selectedTrigger);
    selection = index >= 0 ? { kind: 'trigger', index } : undefined;
    rememberTrigger();
  };
  rememberTrigger();

  const diagramBox = h('div', { id: 'diagram' });
  const side = h('div', { id: 'flow-outline', class: 'outline' });
  const panel = h('div', { id: 'inspector', class: 'inspector' });
  root.replaceChildren(
    h(
      'section',
      { class: 'card diagram', id: 'diagram-panel', 'aria-labelledby': 'diagram-heading' },
      h('h2', { id: 'diagram-heading' }, host.tr('diagramHeading')),
      diagramBox,
    ),
    h(
      'div',
      { class: 'work-forms' },
      side,
      h(
        'section',
        { class: 'card cards', id: 'card-panel', 'aria-labelledby': 'inspector-heading' },
        h('h2', { id: 'inspector-heading', class: 'visually-hidden' }, t('heading')),
        panel,
      ),
    ),
  );

  /** The flow's text after a form or the diagram changed `flow`: one undo step (`merge`: typing in one field). */
  const commit = (merge?: string) => {
    if (!flow) return;
    const next = serialise(flow);
    history.push(next, merge !== undefined ? { merge } : undefined);
    host.textEdited(next);
  };

  const context = (): EditorContext | undefined =>
    flow && {
      lang: host.lang,
      flow,
      problems: host.problems(),
      secrets: host.secrets(),
      connections: host.connections(),
      changed: (rebuild = false, focus?: string) => {
        const active = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
        commit(rebuild ? undefined : active || 'form');
        followTrigger();
        drawDiagram();
        drawOutline();
        if (rebuild) drawPanel(focus ?? active);
      },
      createBlock: (type, from, hint) => create(type, from, hint),
      select: (next) => select(next),
    };

  const create = (type: BlockType, from?: { owner: Selection; outlet: OutletPath }, hint?: string): string => {
    if (!flow) return '';
    const id = addBlock(flow, type, { lang: host.lang, ...(hint !== undefined ? { id: hint } : {}), ...(from ? { from } : {}) });
    commit();
    select({ kind: 'block', id });
    return id;
  };

  const edit = {
    add: (type: BlockType, from?: { owner: Selection; outlet: OutletPath }) => void create(type, from),
    link: (owner: Selection, outlet: OutletPath, target: string | undefined) => {
      if (!flow) return;
      setOutlet(flow, owner, outlet, target);
      commit();
      drawAll();
    },
    rename: (id: string, to: string) => {
      if (!flow) return undefined;
      const failed = renameBlock(flow, id, to);
      if (failed !== undefined) return failed;
      if (selection?.kind === 'block' && selection.id === id) selection = { kind: 'block', id: to };
      commit();
      host.say(t('renamed', { from: id, to }));
      drawAll();
      return undefined;
    },
    remove: (id: string) => {
      if (!flow) return;
      deleteBlock(flow, id);
      if (selection?.kind === 'block' && selection.id === id) selection = undefined;
      commit();
      host.say(t('deleted', { id }));
      drawAll();
    },
    undo: () => undo(),
    redo: () => redo(),
    get canUndo() {
      return history.canUndo;
    },
    get canRedo() {
      return history.canRedo;
    },
  };

  function drawDiagram(): void {
    if (!flow) return void diagramBox.replaceChildren(h('p', { class: 'hint' }, t('jsonFirst')));
    const focused =
      diagramBox.contains(document.activeElement) && document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    diagramBox.replaceChildren(
      renderDiagram(flow, { lang: host.lang, selection, select: (s) => select(s, false), edit, problems: host.problems() }),
    );
    if (focused) byId(focused)?.focus();
  }

  function drawOutline(): void {
    const ctx = context();
    if (!ctx || !flow) return void side.replaceChildren();
    const ids = Object.keys(blocksOf(flow));
    const current = selection;
    side.replaceChildren(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'trigger-list-heading' },
        h('h2', { id: 'trigger-list-heading' }, t('triggers')),
        renderTriggerList(ctx),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'block-list-heading' },
        h('h2', { id: 'block-list-heading' }, t('blocks')),
        ids.length
          ? h(
              'ul',
              { class: 'card-ids', id: 'card-list' },
              ...ids.map((id) => {
                const block = blocksOf(flow ?? {})[id];
                const card = isObject(block) && block.type === 'callApi';
                return h(
                  'li',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      id: card ? `open-card-${id}` : `open-block-${id}`,
                      'aria-pressed': String(current?.kind === 'block' && current.id === id),
                      'aria-label': card ? host.tr('openCard', { id }) : t('openBlock', { id }),
                      onclick: () => select({ kind: 'block', id }),
                    },
                    id,
                  ),
                );
              }),
            )
          : h('p', { class: 'hint' }, t('noBlocks')),
        h(
          'button',
          {
            type: 'button',
            id: 'open-settings',
            'aria-pressed': String(current?.kind === 'settings'),
            onclick: () => select({ kind: 'settings' }),
          },
          t('settings'),
        ),
      ),
    );
  }

  /** Draw the form of the selection; the control `focus` takes the focus (`keepView`: without scrolling the page to it). */
  function drawPanel(focus?: string, keepView = false): void {
    const ctx = context();
    if (!ctx || !flow) return void panel.replaceChildren(h('p', { class: 'hint' }, t('jsonFirst')));
    const caret = caretOf(focus);
    const choices = waitingChoices(panel);
    const s = selection;
    let parts: Node[];
    if (s === undefined) parts = [h('p', { class: 'hint', id: 'inspector-empty' }, t('nothing'))];
    else if (s.kind === 'settings') parts = [renderFlowSettings(ctx)];
    else if (s.kind === 'trigger') parts = [renderTriggerForm(ctx, s.index)];
    else {
      const block = blocksOf(flow)[s.id];
      if (isObject(block) && block.type === 'callApi') {
        const changed = (rebuild: boolean) => ctx.changed(rebuild);
        parts = [
          // Its alert state (when it has rules) and a link to its health, beside the card.
          cardAlertBadge(host.lang, host.flowId, s.id),
          renderCardForm({ flow, cardId: s.id, tr: host.tr, secrets: ctx.secrets, changed, editor: ctx }),
          renderCardTest({ flow, cardId: s.id, tr: host.tr, dryRun: host.dryRun, flowId: host.flowId }),
        ];
      } else parts = [renderBlockForm(ctx, s.id)];
    }
    panel.replaceChildren(...parts);
    keepChoices(choices);
    if (focus) restoreCaret(focus, caret, keepView);
  }

  function drawAll(focus?: string): void {
    drawDiagram();
    drawOutline();
    drawPanel(focus);
  }

  /** Select a thing; `focusForm`: its form's first control takes the focus (from the outline, or a block just created). */
  function select(next: Selection | undefined, focusForm = true): void {
    selection = next;
    rememberTrigger();
    drawAll();
    if (focusForm) panel.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
  }

  function replace(next: string): void {
    flow = parse(next);
    if (flow && selection?.kind === 'block' && !Object.hasOwn(blocksOf(flow), selection.id)) selection = undefined;
    if (flow && selection?.kind === 'trigger' && !(Array.isArray(flow.triggers) && selection.index < flow.triggers.length))
      selection = undefined;
    rememberTrigger();
    drawAll(document.activeElement instanceof HTMLElement ? document.activeElement.id : undefined);
  }

  function undo(): void {
    const text = history.undo();
    if (text === undefined) return;
    host.textEdited(text);
    replace(text);
    host.say(t('undone'));
  }

  function redo(): void {
    const text = history.redo();
    if (text === undefined) return;
    host.textEdited(text);
    replace(text);
    host.say(t('redone'));
  }

  drawAll();
  const work: Workbench = {
    get selection() {
      return selection;
    },
    textReplaced(next, undoable) {
      if (undoable) history.push(next, { merge: 'json' });
      replace(next);
    },
    problemsChanged() {
      drawDiagram();
      // The open form shows its problems in place; typing in it goes on where it was. The page stays where
      // it is: the admin may have gone on to the diagram (a drag there) while the focus stayed in the form.
      const active =
        document.activeElement instanceof HTMLElement && panel.contains(document.activeElement) ? document.activeElement.id : undefined;
      drawPanel(active, true);
    },
    redraw: () => drawAll(),
    undo,
    redo,
    select,
  };
  histories.set(work, history);
  return work;
}

/** Each work area's undo history, handed on to the one that replaces it. */
const histories = new WeakMap<Workbench, History>();

/**
 * The pickers' choices not yet inserted (cardKit.ts `picker`): a validation's answer can draw the form
 * again between choosing a value and pressing Insert, and the choice must still be there.
 */
function waitingChoices(root: HTMLElement): [string, string][] {
  return [...root.querySelectorAll<HTMLSelectElement>('.picker select')]
    .filter((select) => select.id && select.value && select.dataset.waiting === 'true')
    .map((select) => [select.id, select.value]);
}

function keepChoices(choices: [string, string][]): void {
  for (const [id, value] of choices) {
    const select = byId(id);
    if (!(select instanceof HTMLSelectElement) || ![...select.options].some((option) => option.value === value)) continue;
    select.value = value;
    select.dataset.waiting = 'true';
  }
}

/** Where the caret of a text control is, to put it back after the form was drawn again. */
function caretOf(id: string | undefined): [number, number] | undefined {
  const element = id ? byId(id) : undefined;
  if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
    try {
      return [element.selectionStart ?? 0, element.selectionEnd ?? 0];
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function restoreCaret(id: string, caret: [number, number] | undefined, keepView = false): void {
  const element = byId(id);
  if (!element) return;
  element.focus(keepView ? { preventScroll: true } : undefined);
  if (caret && (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement)) {
    try {
      element.setSelectionRange(caret[0], caret[1]);
    } catch {
      // number inputs have no selection
    }
  }
}
