import {
  call,
  flowPath,
  type DryRunResult,
  forgetKey,
  storedKey,
  storeKey,
  Unreachable,
  type ApiResult,
  type ConnectionList,
  type FlowList,
  type FlowSummary,
  type FlowVersion,
  type Problem,
  type SavedFlow,
  type SecretList,
  type ValidatedFlow,
} from './api';
import { pageCall, type Page, type PageContext } from './context';
import { byId, h } from './dom';
import { defineTexts, isLang, LANGS, t, type Lang, type TextKey } from './i18n';
import type { Json } from './json';
import { isPageName, PAGES, type PageName } from './pages';
import { mountVersions, showUnsaved, type Channel } from './versions';
import type * as WorkbenchChunk from './workbench';
import type { Workbench } from './workbench';

// The callcard console: sign in with a workspace admin key, list the flows (./flowList.ts: new, rename,
// duplicate, delete), edit a flow (its JSON checked by the API as you type and saved here; its diagram,
// triggers, settings and every block as forms in the work area, ./workbench.ts, a chunk loaded when a
// flow opens; its versions) and the pages beside the flows (./pages.ts). Plain DOM, no framework; views
// are rebuilt whole on navigation and language changes, and only their live parts while editing.

const LANG_ITEM = 'callcard.lang';
/** Quiet time after the last keystroke before the flow is sent to POST /admin/flows/validate. */
const VALIDATE_DELAY_MS = 400;

/** A text to show, kept as a key so that switching languages translates it (`said`: already in words). */
interface Message {
  key: TextKey | OwnKey;
  said?: string;
  values?: Record<string, string | number>;
  kind: 'ok' | 'error' | 'info';
}

interface EditorState {
  flowId: string;
  /** The version the text was loaded from or last saved as: the baseVersion of the next save (0: a new flow, not saved yet). */
  version?: number;
  text: string;
  savedText: string;
  check: 'idle' | 'checking' | 'valid' | 'invalid';
  problems: Problem[];
  warnings: Problem[];
  status?: Message;
  conflict?: { base: number; latest: number };
  saving: boolean;
  loadError?: Message;
  /** The work area (diagram and forms), once its chunk has loaded. */
  work?: Workbench;
  /** The workspace's secret names, for header values. */
  secrets?: string[];
  /** The workspace's connection names, for a card's endpoint. */
  connections?: string[];
}

type View =
  | { name: 'signIn'; message?: Message; busy?: boolean }
  | { name: 'flows'; flows?: FlowSummary[]; error?: Message }
  | ({ name: 'editor' } & EditorState)
  | { name: 'page'; page: PageName };

let lang: Lang = initialLang();
let view: View = { name: 'signIn' };
/** The page drawn last, told when it is left. */
let mountedPage: Page | undefined;
let validateTimer: ReturnType<typeof setTimeout> | undefined;
/** Only the answer to the latest validation request is shown. */
let validateSeq = 0;
/** Set while the console itself puts the hash back (a cancelled leave), so that change is not routed. */
let ignoreHashChange = false;

function initialLang(): Lang {
  const stored = localStorage.getItem(LANG_ITEM);
  if (isLang(stored)) return stored;
  return navigator.languages.some((l) => l.toLowerCase().startsWith('zh')) || !navigator.language.toLowerCase().startsWith('en')
    ? 'zh-TW'
    : 'en';
}

/** The editor's own texts, beside the console's shared ones (./i18n.ts). */
const own = defineTexts({
  en: { newFlowUnsaved: 'A new flow, not saved yet: add a trigger and its blocks, then Save creates it.' },
  'zh-TW': { newFlowUnsaved: '新的流程，尚未儲存：加入觸發條件與區塊後，按「儲存」即建立。' },
});
type OwnKey = Parameters<typeof own>[1];
const OWN_KEYS = new Set<string>(['newFlowUnsaved']);

const tr = (key: TextKey, values?: Record<string, string | number>): string => t(lang, key, values);
const text = (message: Message): string =>
  message.said ??
  (OWN_KEYS.has(message.key) ? own(lang, message.key as OwnKey, message.values) : tr(message.key as TextKey, message.values));

// ---- DOM helpers ----

function messageLine(message: Message | undefined, id: string, live = true): HTMLElement {
  return h(
    'p',
    { id, class: `status ${message?.kind ?? ''}`, ...(live ? { role: message?.kind === 'error' ? 'alert' : 'status' } : {}) },
    message ? text(message) : '',
  );
}

/** A problem's path as the author sees it: relative to the flow document (`blocks.ask.next`). */
function displayPath(path: string): string {
  if (path === 'flow' || path === '') return tr('wholeFlow');
  return path.startsWith('flow.') ? path.slice('flow.'.length) : path;
}

// ---- rendering ----

function render(focus: 'heading' | 'keep' = 'heading'): void {
  const focusedId = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
  document.documentElement.lang = lang;
  document.title = view.name === 'editor' ? `${view.flowId} · ${tr('title')}` : tr('title');
  const root = byId('root');
  if (!root) return;
  const leaving = mountedPage;
  mountedPage = undefined;
  leaving?.unmount?.();
  const main = h('main', { id: 'main', class: view.name === 'editor' ? 'wide' : undefined }, ...renderView());
  root.replaceChildren(renderHeader(), main);
  if (view.name === 'page') void mountPage(view, main, focus === 'keep' ? focusedId : 'view-heading');
  if (focus === 'keep' && focusedId) byId(focusedId)?.focus();
  else if (view.name === 'signIn') byId('admin-key')?.focus();
  else byId('view-heading')?.focus();
}

function renderHeader(): HTMLElement {
  const select = h('select', { id: 'lang', onchange: (event) => setLang((event.target as HTMLSelectElement).value) });
  for (const option of LANGS)
    select.append(h('option', { value: option.code, lang: option.code, selected: option.code === lang }, option.label));
  const signedIn = storedKey() !== undefined;
  const current = view.name === 'page' ? view.page : view.name === 'flows' || view.name === 'editor' ? 'flows' : undefined;
  const link = (name: 'flows' | PageName, label: TextKey) =>
    h(
      'li',
      {},
      h('a', { href: name === 'flows' ? '#/' : `#/${name}`, ...(current === name ? { 'aria-current': 'page' } : {}) }, tr(label)),
    );
  return h(
    'header',
    {},
    h('span', { class: 'brand' }, tr('title')),
    signedIn &&
      h(
        'nav',
        { 'aria-label': tr('navLabel') },
        h(
          'ul',
          {},
          link('flows', 'navFlows'),
          link('simulator', 'navSimulator'),
          link('channels', 'navChannels'),
          link('connections', 'navConnections'),
          link('secrets', 'navSecrets'),
          link('logs', 'navLogs'),
        ),
      ),
    h(
      'div',
      { class: 'tools' },
      h('label', { for: 'lang' }, tr('language')),
      select,
      storedKey() !== undefined && h('button', { type: 'button', id: 'sign-out', onclick: () => signOut() }, tr('signOut')),
    ),
  );
}

function renderView(): Node[] {
  switch (view.name) {
    case 'signIn':
      return renderSignIn(view);
    case 'flows':
      return renderFlows(view);
    case 'editor':
      return renderEditor(view);
    case 'page':
      return [];
  }
}

/** Load a page's chunk (once) and draw it, unless the console has moved on meanwhile. */
async function mountPage(state: Extract<View, { name: 'page' }>, main: HTMLElement, focusId: string): Promise<void> {
  let page: Page;
  try {
    page = await PAGES[state.page]();
  } catch (error) {
    main.replaceChildren(
      messageLine(
        { key: 'unreachable', values: { message: error instanceof Error ? error.message : String(error) }, kind: 'error' },
        'page-status',
      ),
    );
    return;
  }
  if (view !== state || !main.isConnected) return;
  mountedPage = page;
  page.mount(main, pageContext());
  byId(focusId)?.focus();
}

/** The context a page or an editor panel works with. */
function pageContext(): PageContext {
  return {
    lang,
    call: pageCall(
      (status, error) => tr('failed', { status, error }),
      (message) => tr('unreachable', { message }),
      () => void keyRefused(),
    ),
    navigate: (hash) => {
      location.hash = hash;
    },
  };
}

function renderSignIn(state: Extract<View, { name: 'signIn' }>): Node[] {
  const form = h(
    'form',
    { class: 'card signin', onsubmit: (event) => void signIn(event) },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'admin-key' }, tr('keyLabel')),
      h('input', {
        id: 'admin-key',
        name: 'admin-key',
        type: 'password',
        autocomplete: 'off',
        spellcheck: 'false',
        required: true,
        'aria-describedby': 'key-hint',
      }),
      h('p', { id: 'key-hint', class: 'hint' }, tr('keyHint')),
    ),
    h('button', { type: 'submit', class: 'primary', disabled: state.busy === true }, state.busy ? tr('checking') : tr('signIn')),
    messageLine(state.message, 'sign-in-status'),
  );
  return [h('h1', { id: 'view-heading', tabindex: '-1' }, tr('signInHeading')), form];
}

function renderFlows(state: Extract<View, { name: 'flows' }>): Node[] {
  const heading = h('h1', { id: 'view-heading', tabindex: '-1' }, tr('flowsHeading'));
  if (state.error) return [heading, messageLine(state.error, 'flows-status')];
  if (!state.flows) return [heading, h('p', { role: 'status' }, tr('loading'))];
  const root = h('div', { id: 'flow-list' }, h('p', { role: 'status' }, tr('loading')));
  const flows = state.flows;
  // The list with its actions (new, rename, duplicate, delete) is a chunk of its own.
  void import('./flowList')
    .then((chunk) => {
      if (view === state && root.isConnected)
        chunk.renderFlowList(root, { ctx: pageContext(), flows, openNew, reload: () => void loadFlows() });
    })
    .catch((error: unknown) =>
      root.replaceChildren(
        messageLine(
          { key: 'unreachable', values: { message: error instanceof Error ? error.message : String(error) }, kind: 'error' },
          'flows-status',
        ),
      ),
    );
  return [heading, root];
}

/** The flow's own name in the editor's text (the heading), else its id. */
function flowName(state: EditorState): string {
  const name = /"name":\s*"((?:[^"\\]|\\.)*)"/.exec(state.text)?.[1];
  try {
    return name ? (JSON.parse(`"${name}"`) as string) : state.flowId;
  } catch {
    return state.flowId;
  }
}

function renderEditor(state: EditorState): Node[] {
  const heading = h(
    'h1',
    { id: 'view-heading', tabindex: '-1' },
    tr('editorHeading', { id: flowName(state) }),
    ' ',
    h('code', { class: 'flow-id', id: 'flow-id' }, state.flowId),
  );
  const back = h('a', { href: '#/', id: 'back' }, tr('backToFlows'));
  if (state.loadError) return [heading, h('p', {}, back), messageLine(state.loadError, 'editor-status')];
  if (state.version === undefined) return [heading, h('p', {}, back), h('p', { role: 'status' }, tr('loading'))];
  const textarea = h('textarea', {
    id: 'flow-json',
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    'aria-describedby': 'json-hint problem-summary',
    oninput: (event) => onEdit((event.target as HTMLTextAreaElement).value),
  });
  textarea.value = state.text;
  const work = h('div', { class: 'work-main', id: 'work-main' }, h('p', { role: 'status' }, tr('loading')));
  void mountWork(state, work);
  return [
    heading,
    h(
      'div',
      { class: 'toolbar' },
      back,
      h('button', { type: 'button', id: 'save', class: 'primary', onclick: () => void save() }, tr('save')),
      h('span', { id: 'version', class: 'version' }),
    ),
    h('div', { id: 'editor-status-box' }),
    // A flow never saved has its panel too: publishing saves it first.
    h('section', { class: 'card versions', id: 'versions-panel' }),
    // The diagram and the forms, with the flow's JSON and its problems beside them (below on a narrow screen).
    h(
      'div',
      { class: 'workspace' },
      work,
      h(
        'div',
        { class: 'work-side editor' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'flow-json' }, tr('jsonLabel')),
          h('p', { id: 'json-hint', class: 'hint' }, tr('jsonHint')),
          textarea,
        ),
        h('section', { class: 'card problems', id: 'problems', 'aria-labelledby': 'problems-heading' }),
      ),
    ),
  ];
}

/** The work area's chunk, loaded once, when the first flow is opened. */
let workChunk: Promise<typeof WorkbenchChunk> | undefined;

/** Draw the work area (diagram and forms) of the editor `state` into `root`, once its chunk is here. */
async function mountWork(state: EditorState, root: HTMLElement): Promise<void> {
  let chunk: typeof WorkbenchChunk;
  try {
    chunk = await (workChunk ??= import('./workbench'));
  } catch (error) {
    workChunk = undefined;
    root.replaceChildren(
      messageLine(
        { key: 'unreachable', values: { message: error instanceof Error ? error.message : String(error) }, kind: 'error' },
        'work-status',
      ),
    );
    return;
  }
  if (view !== state || !root.isConnected) return;
  state.work = chunk.mountWorkbench(
    root,
    {
      lang,
      tr,
      flowId: state.flowId,
      textEdited: (text) => formEdited(state, text),
      say: (line) => {
        state.status = { key: 'loading', said: line, kind: 'info' };
        updateEditor();
      },
      problems: () => (state.check === 'invalid' ? state.problems : []).concat(state.warnings),
      secrets: () => state.secrets,
      connections: () => state.connections,
      dryRun,
    },
    state.text,
    state.work,
  );
}

/** The live parts of the editor: version, save button, status, conflict and problems. */
function updateEditor(): void {
  if (view.name !== 'editor' || view.version === undefined) return;
  const state = view;
  const version = byId('version');
  if (version) version.textContent = tr('version', { version: state.version ?? '' });
  const save = byId<HTMLButtonElement>('save');
  if (save) {
    save.disabled = state.saving;
    save.textContent = state.saving ? tr('saving') : tr('save');
  }
  showUnsaved();
  byId('flow-json')?.setAttribute('aria-invalid', String(state.check === 'invalid'));

  const statusBox = byId('editor-status-box');
  if (statusBox) {
    const conflict = state.conflict;
    statusBox.replaceChildren(
      messageLine(state.status, 'editor-status'),
      ...(conflict
        ? [
            h(
              'div',
              { class: 'notice', id: 'conflict', role: 'alert' },
              h('p', {}, tr('conflict', { base: conflict.base, latest: conflict.latest })),
              h('p', {}, tr('conflictHelp')),
              h(
                'button',
                { type: 'button', id: 'reload', onclick: () => void openFlow(state.flowId, 'reload') },
                tr('reload', { latest: conflict.latest }),
              ),
            ),
          ]
        : []),
    );
  }

  const panel = byId('problems');
  if (panel) {
    const summary =
      state.check === 'checking'
        ? tr('validating')
        : state.check === 'invalid'
          ? state.problems.length === 1
            ? tr('problemOne')
            : tr('problemCount', { count: state.problems.length })
          : state.check === 'valid'
            ? tr('valid')
            : '';
    const list = (items: Problem[], id: string) =>
      h('ul', { id }, ...items.map((problem) => h('li', {}, h('code', {}, displayPath(problem.path)), h('span', {}, problem.message))));
    panel.replaceChildren(
      h('h2', { id: 'problems-heading' }, tr('problemsHeading')),
      h(
        'p',
        { id: 'problem-summary', role: 'status', class: state.check === 'invalid' ? 'error' : state.check === 'valid' ? 'ok' : '' },
        summary,
      ),
      ...(state.check === 'invalid' ? [list(state.problems, 'problem-list')] : []),
      ...(state.warnings.length ? [h('h2', {}, tr('warningsHeading')), list(state.warnings, 'warning-list')] : []),
    );
  }
}

/** POST /admin/dry-run with the flow as edited (saved or not). */
async function dryRun(body: {
  flow: Record<string, unknown>;
  blockId: string;
  attributes: Record<string, string>;
}): Promise<DryRunResult | string> {
  const result = await api(() => call<DryRunResult>('POST', '/admin/dry-run', body));
  if (isMessage(result)) return text(result);
  if (result.ok) return result.body;
  return result.body.problems?.length
    ? result.body.problems.map((p) => `${displayPath(p.path)}: ${p.message}`).join('\n')
    : text(failure(result));
}

/** A form or the diagram changed the flow: the JSON box shows it, and it is checked. */
function formEdited(state: EditorState, next: string): void {
  if (view !== state) return;
  state.text = next;
  const textarea = byId<HTMLTextAreaElement>('flow-json');
  if (textarea && textarea.value !== next) textarea.value = next;
  const heading = byId('view-heading')?.firstChild;
  if (heading) heading.textContent = tr('editorHeading', { id: flowName(state) });
  scheduleValidate();
}

// ---- actions ----

function setLang(value: string): void {
  if (!isLang(value)) return;
  lang = value;
  localStorage.setItem(LANG_ITEM, value);
  render('keep');
  updateEditor();
  drawVersions();
}

/** The API refused the signed-in key (revoked meanwhile): sign out and say so. Whether there was a key to refuse. */
function keyRefused(): boolean {
  if (storedKey() === undefined) return false;
  forgetKey();
  show({ name: 'signIn', message: { key: 'keyRejected', kind: 'error' } });
  return true;
}

/** Run an API call; a refused key signs out, an unreachable API becomes a message. */
async function api<T>(run: () => Promise<ApiResult<T>>): Promise<ApiResult<T> | Message> {
  try {
    const result = await run();
    if (result.status === 401 && keyRefused()) return { key: 'keyRejected', kind: 'error' };
    return result;
  } catch (error) {
    if (error instanceof Unreachable) return { key: 'unreachable', values: { message: error.message }, kind: 'error' };
    throw error;
  }
}

const failure = (result: { status: number; body: { error: string } }): Message => ({
  key: 'failed',
  values: { status: result.status, error: result.body.error },
  kind: 'error',
});
const isMessage = (value: unknown): value is Message => typeof value === 'object' && value !== null && 'key' in value && 'kind' in value;

function show(next: View): void {
  view = next;
  render();
  updateEditor();
}

async function signIn(event: Event): Promise<void> {
  event.preventDefault();
  const key = byId<HTMLInputElement>('admin-key')?.value.trim() ?? '';
  if (!key) return;
  show({ name: 'signIn', busy: true });
  const result = await api(() => call<FlowList>('GET', '/admin/flows', undefined, key));
  if (isMessage(result)) return show({ name: 'signIn', message: result });
  if (!result.ok) {
    const message: Message =
      result.status === 401 ? { key: 'refused', values: { error: result.body.error }, kind: 'error' } : failure(result);
    return show({ name: 'signIn', message });
  }
  storeKey(key);
  if (location.hash && location.hash !== '#/') return route();
  show({ name: 'flows', flows: result.body.flows });
}

function signOut(): void {
  if (!confirmLeave()) return;
  forgetKey();
  clearTimeout(validateTimer);
  setHash('#/');
  show({ name: 'signIn', message: { key: 'signedOut', kind: 'info' } });
}

async function loadFlows(): Promise<void> {
  show({ name: 'flows' });
  const result = await api(() => call<FlowList>('GET', '/admin/flows'));
  if (view.name !== 'flows') return;
  if (isMessage(result)) return show({ name: 'flows', error: result });
  show(result.ok ? { name: 'flows', flows: result.body.flows } : { name: 'flows', error: failure(result) });
}

/** Open the latest version of a flow in the editor (`reload`: after a conflict, replacing the text). */
async function openFlow(flowId: string, mode: 'open' | 'reload' = 'open'): Promise<void> {
  const empty: EditorState = { flowId, text: '', savedText: '', check: 'idle', problems: [], warnings: [], saving: false };
  if (mode === 'open') show({ name: 'editor', ...empty });
  const result = await api(() => call<FlowVersion>('GET', flowPath(flowId)));
  if (isMessage(result)) return show({ name: 'editor', ...empty, loadError: result });
  if (!result.ok) return show({ name: 'editor', ...empty, loadError: failure(result) });
  const text = `${JSON.stringify(result.body.flow, null, 2)}\n`;
  // A reload keeps what was selected in the work area.
  const work = view.name === 'editor' && view.flowId === flowId ? view.work : undefined;
  show({ name: 'editor', ...empty, version: result.body.version, text, savedText: text, work });
  drawVersions();
  void loadSecrets();
  if (mode === 'reload') byId('flow-json')?.focus();
  void validateNow();
}

/**
 * The secret names for the header picker (values never come to the console: the API masks them) and
 * the connection names for a card's endpoint.
 */
async function loadSecrets(): Promise<void> {
  const state = view;
  const [result, connections] = await Promise.all([
    api(() => call<SecretList>('GET', '/admin/secrets')),
    api(() => call<ConnectionList>('GET', '/admin/connections')),
  ]);
  if (view !== state || view.name !== 'editor') return;
  if (!isMessage(connections) && connections.ok) view.connections = connections.body.connections.map((connection) => connection.name);
  // The signing key signs callcard's calls and is never sent: no header may name it.
  if (!isMessage(result) && result.ok)
    view.secrets = result.body.secrets.filter((secret) => secret.purpose !== 'signing').map((secret) => secret.name);
  if (!document.getElementById('card-panel')?.contains(document.activeElement)) view.work?.redraw();
}

/** The versions panel of the open flow (drawn again after a save; `publish`: Save and publish's channels, published once it has loaded). */
function drawVersions(publish?: Channel[]): void {
  const panel = byId('versions-panel');
  if (view.name !== 'editor' || view.version === undefined || !panel) return;
  mountVersions(panel, {
    flowId: view.flowId,
    version: view.version,
    ctx: pageContext(),
    loadVersion: (flow, version) => loadEarlierVersion(flow, version),
    unsaved: () => view.name === 'editor' && (view.version === 0 || isDirty()),
    saveThenPublish: (channels) => void save(channels),
    ...(publish ? { publishAfterSave: publish } : {}),
  });
}

/** An earlier version's document, put into the editor as unsaved text: saving it makes it the latest version. */
function loadEarlierVersion(flow: Record<string, unknown>, version: number): void {
  if (view.name !== 'editor' || view.version === undefined) return;
  if (isDirty() && !window.confirm(tr('unsavedReplace'))) return;
  onEdit(`${JSON.stringify(flow, null, 2)}\n`);
  const textarea = byId<HTMLTextAreaElement>('flow-json');
  if (textarea) textarea.value = view.text;
  view.status = { key: 'loadedVersion', values: { version }, kind: 'info' };
  updateEditor();
  textarea?.focus();
}

/** A frame is asked for when the text changed: the diagram and the forms follow once per frame, not once per input event. */
let workFrame: number | undefined;

/** The JSON was typed into (or an earlier version put there): the work area draws it, as one step of undo. */
function onEdit(value: string): void {
  if (view.name !== 'editor') return;
  const state = view;
  state.text = value;
  scheduleValidate();
  if (workFrame === undefined)
    workFrame = requestAnimationFrame(() => {
      workFrame = undefined;
      if (view === state) state.work?.textReplaced(state.text, true);
    });
}

/** A new flow from the flow list (blank or a template), open in the editor and not saved yet: the first save creates it. */
function openNew(flowId: string, flow: Json): void {
  const text = `${JSON.stringify(flow, null, 2)}\n`;
  setHash(`#/flows/${encodeURIComponent(flowId)}`);
  currentHash = location.hash;
  show({
    name: 'editor',
    flowId,
    version: 0,
    text,
    savedText: '',
    check: 'idle',
    problems: [],
    warnings: [],
    saving: false,
    status: { key: 'newFlowUnsaved', kind: 'info' },
  });
  drawVersions();
  void loadSecrets();
  void validateNow();
}

function scheduleValidate(): void {
  if (view.name !== 'editor') return;
  view.check = 'checking';
  clearTimeout(validateTimer);
  validateTimer = setTimeout(() => void validateNow(), VALIDATE_DELAY_MS);
  updateEditor();
}

/** The editor's text as a flow document, or the problem that keeps it from being one. */
function parseFlow(source: string): { flow: Record<string, unknown> } | { problem: Problem } {
  try {
    const flow: unknown = JSON.parse(source);
    if (typeof flow !== 'object' || flow === null || Array.isArray(flow)) return { problem: { path: '', message: tr('notObject') } };
    return { flow: flow as Record<string, unknown> };
  } catch (error) {
    return { problem: { path: '', message: tr('notJson', { message: error instanceof Error ? error.message : String(error) }) } };
  }
}

async function validateNow(): Promise<void> {
  if (view.name !== 'editor') return;
  const state = view;
  const seq = ++validateSeq;
  const parsed = parseFlow(state.text);
  if ('problem' in parsed) {
    Object.assign(state, { check: 'invalid', problems: [parsed.problem], warnings: [] });
    return updateEditor();
  }
  state.check = 'checking';
  updateEditor();
  const result = await api(() => call<ValidatedFlow>('POST', '/admin/flows/validate', { flow: parsed.flow }));
  if (seq !== validateSeq || view !== state) return;
  if (isMessage(result)) state.status = result;
  else if (result.ok) Object.assign(state, { check: 'valid', problems: [], warnings: result.body.warnings ?? [] });
  else if (result.status === 400 && result.body.problems)
    Object.assign(state, { check: 'invalid', problems: result.body.problems, warnings: [] });
  else state.status = failure(result);
  updateEditor();
  state.work?.problemsChanged();
}

/** Save the editor's text as a new version (`publish`: then publish that version to these channels). */
async function save(publish?: Channel[]): Promise<void> {
  if (view.name !== 'editor' || view.saving || view.version === undefined) return;
  const state = view;
  clearTimeout(validateTimer);
  const parsed = parseFlow(state.text);
  if ('problem' in parsed) {
    Object.assign(state, { check: 'invalid', problems: [parsed.problem], warnings: [], status: { key: 'fixFirst', kind: 'error' } });
    return updateEditor();
  }
  const savedText = state.text;
  const baseVersion = state.version;
  state.saving = true;
  state.status = { key: 'saving', kind: 'info' };
  updateEditor();
  const creating = baseVersion === 0;
  const result = await api(() =>
    creating
      ? call<SavedFlow>('POST', '/admin/flows', { flowId: state.flowId, flow: parsed.flow })
      : call<SavedFlow>('PUT', flowPath(state.flowId), { baseVersion, flow: parsed.flow }),
  );
  state.saving = false;
  if (view !== state) return;
  validateSeq += 1; // an earlier validation's answer is older than this one
  if (isMessage(result)) state.status = result;
  else if (result.ok) {
    Object.assign(state, {
      version: result.body.version,
      savedText,
      conflict: undefined,
      check: 'valid',
      problems: [],
      warnings: result.body.warnings ?? [],
      status: { key: result.body.unchanged ? 'unchanged' : 'saved', values: { version: result.body.version }, kind: 'ok' },
    });
    // A new flow's first save: its heading and the rest follow its saved state.
    if (creating) render('keep');
    drawVersions(publish);
  } else if (result.status === 409 && result.body.latestVersion !== undefined) {
    Object.assign(state, { conflict: { base: baseVersion, latest: result.body.latestVersion }, status: undefined });
  } else if (result.status === 400 && result.body.problems) {
    Object.assign(state, { check: 'invalid', problems: result.body.problems, status: { key: 'fixFirst', kind: 'error' } });
  } else state.status = failure(result);
  updateEditor();
}

// ---- navigation ----

const isDirty = (): boolean => view.name === 'editor' && view.version !== undefined && view.text !== view.savedText;

function confirmLeave(): boolean {
  return !isDirty() || window.confirm(tr('unsavedLeave'));
}

function setHash(hash: string): void {
  if (location.hash === hash || (hash === '#/' && location.hash === '')) return;
  ignoreHashChange = true;
  location.hash = hash;
}

/** `#/flows/{id}`: that flow's editor; `#/{page}`: a page of ./pages.ts; anything else: the flow list (or sign-in without a key). */
function route(): void {
  clearTimeout(validateTimer);
  if (storedKey() === undefined) return show({ name: 'signIn' });
  const flowId = /^#\/flows\/(.+)$/.exec(location.hash)?.[1];
  const page = /^#\/([a-z]+)$/.exec(location.hash)?.[1];
  if (flowId !== undefined) void openFlow(decodeURIComponent(flowId));
  else if (page !== undefined && isPageName(page)) show({ name: 'page', page });
  else void loadFlows();
}

let currentHash = location.hash;
window.addEventListener('hashchange', () => {
  if (ignoreHashChange) {
    ignoreHashChange = false;
    currentHash = location.hash;
    return;
  }
  if (!confirmLeave()) {
    setHash(currentHash || '#/');
    return;
  }
  currentHash = location.hash;
  route();
});
window.addEventListener('beforeunload', (event) => {
  if (isDirty()) event.preventDefault();
});
document.addEventListener('keydown', (event) => {
  if (!(event.ctrlKey || event.metaKey) || view.name !== 'editor') return;
  const key = event.key.toLowerCase();
  if (key === 's') {
    event.preventDefault();
    void save();
    return;
  }
  // Undo and redo of the flow's edits; a text field keeps its own undo of what is being typed.
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  if (key === 'z' || key === 'y') {
    event.preventDefault();
    if (key === 'y' || event.shiftKey) view.work?.redo();
    else view.work?.undo();
  }
});

route();
