import { CHANNEL_KIND_LIST, isChannelKind } from '../../shared/domain/channelKindList';
import { flowPath, type Deleted, type FlowSummary, type FlowVersion, type SavedFlow } from './api';
import type { Outcome, PageContext } from './context';
import { byId, h } from './dom';
import { defineTexts, type Lang } from './i18n';
import { splitKeywords } from './flowEdit';
import { isObject, type Json } from './json';
import { EXAMPLE_BASE_URL, flowFromTemplate, TEMPLATE_IDS, templateCallsApi, type TemplateId } from '../../shared/flow/templates';

// The flow list (a chunk of its own, loaded by ./main.ts): every flow with its actions (rename,
// duplicate, delete), and the New flow form, which opens a template in the editor unsaved (its
// first Save creates it: a blank flow is not valid yet, so nothing is posted here).

const tx = defineTexts({
  en: {
    noFlows: 'No flows yet: start one from a template or from scratch.',
    newFlow: 'New flow',
    colName: 'Name',
    colId: 'Flow id',
    colVersion: 'Latest version',
    colUpdated: 'Updated',
    colActions: 'Actions',
    openFlow: 'Open flow {name}',
    rename: 'Rename',
    renameFlow: 'Rename flow {name}',
    duplicate: 'Duplicate',
    duplicateFlow: 'Duplicate flow {name}',
    delete: 'Delete',
    deleteFlow: 'Delete flow {name}',
    newName: 'New name of {name}',
    saveName: 'Save the name',
    cancel: 'Cancel',
    renaming: 'Renaming…',
    renamed: 'Renamed to "{name}" (version {version}).',
    nameSame: 'The name is unchanged.',
    nameMissing: 'Give the flow a name.',
    duplicateLegend: 'Duplicate {name}',
    copyName: 'Name of the copy',
    copyId: 'Flow id of the copy',
    copyOf: '{name} (copy)',
    makeCopy: 'Duplicate',
    duplicating: 'Duplicating…',
    duplicated: 'Duplicated as "{name}" ({id}). It is not published anywhere yet.',
    deleteHeading: 'Delete {name}?',
    deleteText: 'Flow {id} and all its versions are deleted. This cannot be undone.',
    deleteConfirm: 'Delete the flow',
    deleting: 'Deleting…',
    deleted: 'Deleted "{name}".',
    published: 'Published on {channels}: unpublish it there first.',
    line: 'LINE {id}',
    messenger: 'Messenger {id}',
    newHeading: 'New flow',
    name: 'Name',
    flowId: 'Flow id',
    flowIdHint: 'Letters, digits, _ or -, starting with a letter or digit (up to 64). Made from the name until you change it.',
    flowIdBad: 'The flow id must be 1-64 letters, digits, _ or -, starting with a letter or digit.',
    flowIdTaken: 'There is already a flow {id}.',
    template: 'Template',
    baseUrl: "Your brand API's base URL",
    baseUrlHint: 'The template calls its endpoints under this address; you can change each card later.',
    baseUrlFrom: 'Taken from flow {id}.',
    baseUrlBad: 'The base URL is an address starting with https:// (or http:// for a local API).',
    openEditor: 'Open in the editor',
    keywords: 'Keywords that start it (optional)',
    keywordsHint: 'Say "order, 訂單" and the flow starts with a keyword trigger; you choose where it starts in the editor.',
    newHint: 'The flow opens in the editor unsaved: Save creates it.',
    t_blank: 'Blank',
    d_blank: 'No triggers or blocks yet: build the bot from scratch.',
    t_myTickets: 'My tickets',
    d_myTickets:
      'A rich-menu postback (action=my_tickets): verifies the member by phone once, then shows their unused tickets as a carousel.',
    t_bestSellers: 'Best sellers',
    d_bestSellers: "Keywords hot / 熱銷: today's best sellers, live from your API, as a carousel.",
    t_registration: 'Registration',
    d_registration: 'Keywords register / 報名: three questions, the answers sent to your API, its outcome told back.',
    t_orderStatus: 'Order status',
    d_orderStatus:
      'Keywords order / 訂單: asks the order number, looks it up with the secret ORDERS_API_KEY, shows its status and items; an unknown order is said so.',
  },
  'zh-TW': {
    noFlows: '還沒有流程：從範本或從頭開始建立一個。',
    newFlow: '新增流程',
    colName: '名稱',
    colId: '流程 ID',
    colVersion: '最新版本',
    colUpdated: '更新時間',
    colActions: '動作',
    openFlow: '開啟流程 {name}',
    rename: '重新命名',
    renameFlow: '重新命名流程 {name}',
    duplicate: '複製',
    duplicateFlow: '複製流程 {name}',
    delete: '刪除',
    deleteFlow: '刪除流程 {name}',
    newName: '{name} 的新名稱',
    saveName: '儲存名稱',
    cancel: '取消',
    renaming: '重新命名中…',
    renamed: '已重新命名為「{name}」（版本 {version}）。',
    nameSame: '名稱沒有變更。',
    nameMissing: '請為流程命名。',
    duplicateLegend: '複製 {name}',
    copyName: '副本名稱',
    copyId: '副本的流程 ID',
    copyOf: '{name}（副本）',
    makeCopy: '複製',
    duplicating: '複製中…',
    duplicated: '已複製為「{name}」（{id}），尚未在任何頻道發布。',
    deleteHeading: '要刪除 {name} 嗎？',
    deleteText: '流程 {id} 與它的所有版本都會刪除，無法復原。',
    deleteConfirm: '刪除流程',
    deleting: '刪除中…',
    deleted: '已刪除「{name}」。',
    published: '已發布在 {channels}：請先在那裡取消發布。',
    line: 'LINE {id}',
    messenger: 'Messenger {id}',
    newHeading: '新增流程',
    name: '名稱',
    flowId: '流程 ID',
    flowIdHint: '英文字母、數字、_ 或 -，以字母或數字開頭（最多 64 字）。在您修改之前會依名稱產生。',
    flowIdBad: '流程 ID 須為 1 到 64 個英文字母、數字、_ 或 -，並以字母或數字開頭。',
    flowIdTaken: '已經有流程 {id} 了。',
    template: '範本',
    baseUrl: '品牌 API 的基本網址',
    baseUrlHint: '範本會呼叫這個網址下的端點；之後可以逐一修改每張卡片。',
    baseUrlFrom: '取自流程 {id}。',
    baseUrlBad: '基本網址須以 https://（本機 API 可用 http://）開頭。',
    openEditor: '在編輯器中開啟',
    keywords: '啟動它的關鍵字（選填）',
    keywordsHint: '輸入「order, 訂單」，流程就以關鍵字觸發條件開始；從哪裡開始，在編輯器中選擇。',
    newHint: '流程會在編輯器中開啟但尚未儲存：按「儲存」即建立。',
    t_blank: '空白',
    d_blank: '沒有觸發條件與區塊：從頭建立機器人。',
    t_myTickets: '我的票券',
    d_myTickets: '圖文選單的 postback（action=my_tickets）：先以手機號碼驗證會員一次，再以輪播顯示未使用的票券。',
    t_bestSellers: '熱銷商品',
    d_bestSellers: '關鍵字 hot／熱銷：從您的 API 即時取得今日熱銷商品，以輪播顯示。',
    t_registration: '活動報名',
    d_registration: '關鍵字 register／報名：三個問題，答案送到您的 API，再告知結果。',
    t_orderStatus: '訂單查詢',
    d_orderStatus: '關鍵字 order／訂單：詢問訂單編號，以密鑰 ORDERS_API_KEY 查詢，顯示狀態與品項；查無訂單時會告知。',
  },
});
type Key = Parameters<typeof tx>[1];

/** Flow ids as the admin API takes them (functions/admin/schemas.ts, flowIdSchema). */
export const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * A flow id made from a name: lower case, accents dropped, every run of other characters a `-`
 * (`Order status (TW)` → `order-status-tw`); `flow` when nothing is left (a name in Chinese), then
 * made unique among `taken` with `-2`, `-3`…
 */
export function slugOf(name: string, taken: readonly string[] = []): string {
  const slug =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56)
      .replace(/-+$/, '') || 'flow';
  let id = slug;
  for (let n = 2; taken.includes(id); n++) id = `${slug}-${n}`;
  return id;
}

interface ListOptions {
  ctx: PageContext;
  flows: FlowSummary[];
  /** Open a new, unsaved flow in the editor (its first save creates it). */
  openNew(flowId: string, flow: Json): void;
  /** Load the list again (it calls renderFlowList with the new flows). */
  reload(): void;
}

type Note = { kind: 'ok' | 'error'; text: string };
type Action = { kind: 'rename' | 'duplicate'; flowId: string } | undefined;

interface NewForm {
  name: string;
  flowId: string;
  /** The id was typed by the admin: the name no longer makes it. */
  idEdited: boolean;
  template: TemplateId;
  baseUrl: string;
  /** A blank flow's first keywords, as typed ("order, 訂單"): a keyword trigger to start with. */
  keywords: string;
  /** The flow whose cards gave the base URL. */
  baseFrom?: string;
  errors: Partial<Record<'name' | 'flowId' | 'baseUrl', string>>;
}

// The list's state lives here, so that a reload (a new list of flows) keeps the outcome line and an open form.
let root: HTMLElement | undefined;
let o: ListOptions | undefined;
let note: Note | undefined;
let action: Action;
let form: NewForm | undefined;
let busy = false;
/** The flow the delete dialog asks about. */
let deleting: FlowSummary | undefined;
/** The list was reloaded after an action: its outcome stays on the new page. */
let reloading = false;
/** The id of the control to focus after the next draw. */
let focusNext: string | undefined;

/** Draw the flow list into `root`; called again by the console with the reloaded flows. */
export function renderFlowList(target: HTMLElement, options: ListOptions): void {
  if (root !== target) {
    // Drawn anew (the list reloaded, or the page opened again): no form stays open, and only the
    // outcome of the action that asked for the reload is still told.
    action = undefined;
    form = undefined;
    deleting = undefined;
    if (!reloading) note = undefined;
  }
  reloading = false;
  root = target;
  o = options;
  busy = false;
  if (action && !options.flows.some((f) => f.flowId === action?.flowId)) action = undefined;
  draw();
}

function t(key: Key, values?: Record<string, string | number>): string {
  return tx(o?.ctx.lang ?? 'en', key, values);
}

function draw(): void {
  if (!root || !o) return;
  const { flows } = o;
  const status = h(
    'p',
    { id: 'flow-list-status', class: `status ${note?.kind ?? ''}`, role: note?.kind === 'error' ? 'alert' : 'status', tabindex: '-1' },
    note?.text ?? '',
  );
  const newButton = h(
    'button',
    {
      type: 'button',
      id: 'new-flow',
      class: 'primary',
      'aria-expanded': String(form !== undefined),
      'aria-controls': 'new-flow-form',
      onclick: () => toggleNew(),
    },
    t('newFlow'),
  );
  const parts: Node[] = [];
  if (!flows.length) parts.push(h('div', { class: 'flows-empty' }, h('p', { id: 'no-flows' }, t('noFlows')), newButton));
  else parts.push(h('div', { class: 'toolbar' }, newButton));
  if (form) parts.push(renderNewForm(form));
  parts.push(status);
  if (flows.length) parts.push(renderTable(flows));
  root.replaceChildren(...parts);
  const dialog = renderDeleteDialog();
  if (dialog) root.append(dialog);
  if (focusNext) {
    byId(focusNext)?.focus();
    focusNext = undefined;
  }
}

function renderTable(flows: FlowSummary[]): HTMLElement {
  const lang: Lang = o?.ctx.lang ?? 'en';
  const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const rows: HTMLElement[] = [];
  for (const flow of flows) {
    const renaming = action?.kind === 'rename' && action.flowId === flow.flowId;
    const nameCell = renaming
      ? h('td', {}, renderRename(flow))
      : h(
          'td',
          {},
          h('a', { href: `#/flows/${encodeURIComponent(flow.flowId)}`, 'aria-label': t('openFlow', { name: flow.name }) }, flow.name),
        );
    rows.push(
      h(
        'tr',
        {},
        nameCell,
        h('td', {}, h('code', {}, flow.flowId)),
        h('td', {}, String(flow.latestVersion)),
        h('td', {}, h('time', { datetime: flow.updatedAt }, dateFormat.format(new Date(flow.updatedAt)))),
        h(
          'td',
          { class: 'flow-actions' },
          h(
            'button',
            {
              type: 'button',
              id: `rename-${flow.flowId}`,
              'aria-label': t('renameFlow', { name: flow.name }),
              disabled: busy,
              onclick: () => startAction({ kind: 'rename', flowId: flow.flowId }, 'rename-input'),
            },
            t('rename'),
          ),
          h(
            'button',
            {
              type: 'button',
              id: `duplicate-${flow.flowId}`,
              'aria-label': t('duplicateFlow', { name: flow.name }),
              disabled: busy,
              onclick: () => startAction({ kind: 'duplicate', flowId: flow.flowId }, 'copy-name'),
            },
            t('duplicate'),
          ),
          h(
            'button',
            {
              type: 'button',
              id: `delete-${flow.flowId}`,
              class: 'danger',
              'aria-label': t('deleteFlow', { name: flow.name }),
              disabled: busy,
              onclick: () => askDelete(flow),
            },
            t('delete'),
          ),
        ),
      ),
    );
    if (action?.kind === 'duplicate' && action.flowId === flow.flowId)
      rows.push(h('tr', { class: 'flow-action-row' }, h('td', { colspan: '5' }, renderDuplicate(flow))));
  }
  const head = h(
    'tr',
    {},
    ...(['colName', 'colId', 'colVersion', 'colUpdated', 'colActions'] as const).map((key) => h('th', { scope: 'col' }, t(key))),
  );
  return h('table', { id: 'flows' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function startAction(next: Action, focus: string): void {
  action = next;
  note = undefined;
  focusNext = focus;
  draw();
}

function cancelAction(flowId: string, button: string): void {
  action = undefined;
  focusNext = `${button}-${flowId}`;
  draw();
}

// ---- rename: a new version with only the name changed ----

function renderRename(flow: FlowSummary): HTMLElement {
  const input = h('input', {
    id: 'rename-input',
    type: 'text',
    value: flow.name,
    required: true,
    maxlength: '200',
    'aria-label': t('newName', { name: flow.name }),
  });
  return h(
    'form',
    {
      class: 'inline-form',
      id: 'rename-form',
      onsubmit: (event) => {
        event.preventDefault();
        void rename(flow, input.value);
      },
      onkeydown: (event) => {
        if ((event as KeyboardEvent).key === 'Escape') cancelAction(flow.flowId, 'rename');
      },
    },
    input,
    h('button', { type: 'submit', class: 'primary', disabled: busy }, busy ? t('renaming') : t('saveName')),
    h('button', { type: 'button', onclick: () => cancelAction(flow.flowId, 'rename') }, t('cancel')),
  );
}

/** The latest version of a flow, as saved. */
async function latest(flowId: string): Promise<Outcome<FlowVersion>> {
  if (!o) throw new Error('no list');
  return o.ctx.call<FlowVersion>('GET', flowPath(flowId));
}

function fail(result: Extract<Outcome<unknown>, { ok: false }>, focus = 'flow-list-status'): void {
  const problems = result.body.problems?.map((p) => `${p.path}: ${p.message}`).join('; ');
  finish({ kind: 'error', text: problems ? `${result.text} (${problems})` : result.text }, focus);
}

function finish(next: Note, focus = 'flow-list-status'): void {
  busy = false;
  note = next;
  focusNext = focus;
  draw();
}

async function rename(flow: FlowSummary, value: string): Promise<void> {
  const name = value.trim();
  if (!o || busy) return;
  if (!name) return finish({ kind: 'error', text: t('nameMissing') }, 'rename-input');
  if (name === flow.name) {
    action = undefined;
    return finish({ kind: 'ok', text: t('nameSame') }, `rename-${flow.flowId}`);
  }
  busy = true;
  note = { kind: 'ok', text: t('renaming') };
  draw();
  const current = await latest(flow.flowId);
  if (!current.ok) return fail(current);
  const saved = await o.ctx.call<SavedFlow>('PUT', flowPath(flow.flowId), {
    baseVersion: current.body.version,
    flow: { ...current.body.flow, name },
  });
  if (!saved.ok) return fail(saved, 'rename-input');
  action = undefined;
  note = { kind: 'ok', text: t('renamed', { name, version: saved.body.version }) };
  focusNext = `rename-${flow.flowId}`;
  reloading = true;
  o.reload();
}

// ---- duplicate: a new flow, a copy of the latest version ----

function renderDuplicate(flow: FlowSummary): HTMLElement {
  const taken = o?.flows.map((f) => f.flowId) ?? [];
  const name = h('input', { id: 'copy-name', type: 'text', value: t('copyOf', { name: flow.name }), required: true, maxlength: '200' });
  const id = h('input', {
    id: 'copy-id',
    type: 'text',
    value: slugOf(`${flow.flowId}-copy`, taken),
    required: true,
    maxlength: '64',
    spellcheck: 'false',
    autocapitalize: 'off',
    'aria-describedby': 'copy-id-hint',
  });
  return h(
    'form',
    {
      id: 'duplicate-form',
      'aria-label': t('duplicateLegend', { name: flow.name }),
      onsubmit: (event) => {
        event.preventDefault();
        void duplicate(flow, name.value, id.value);
      },
      onkeydown: (event) => {
        if ((event as KeyboardEvent).key === 'Escape') cancelAction(flow.flowId, 'duplicate');
      },
    },
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field grow' }, h('label', { for: 'copy-name' }, t('copyName')), name),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'copy-id' }, t('copyId')),
        id,
        h('p', { class: 'hint', id: 'copy-id-hint' }, t('flowIdHint')),
      ),
    ),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'submit', class: 'primary', disabled: busy }, busy ? t('duplicating') : t('makeCopy')),
      h('button', { type: 'button', onclick: () => cancelAction(flow.flowId, 'duplicate') }, t('cancel')),
    ),
  );
}

async function duplicate(flow: FlowSummary, nameValue: string, idValue: string): Promise<void> {
  if (!o || busy) return;
  const name = nameValue.trim();
  const flowId = idValue.trim();
  if (!name) return finish({ kind: 'error', text: t('nameMissing') }, 'copy-name');
  if (!FLOW_ID.test(flowId)) return finish({ kind: 'error', text: t('flowIdBad') }, 'copy-id');
  if (o.flows.some((f) => f.flowId === flowId)) return finish({ kind: 'error', text: t('flowIdTaken', { id: flowId }) }, 'copy-id');
  busy = true;
  note = { kind: 'ok', text: t('duplicating') };
  draw();
  const current = await latest(flow.flowId);
  if (!current.ok) return fail(current);
  const created = await o.ctx.call<SavedFlow>('POST', '/admin/flows', { flowId, flow: { ...current.body.flow, name } });
  if (!created.ok) return fail(created, 'copy-id');
  action = undefined;
  note = { kind: 'ok', text: t('duplicated', { name, id: flowId }) };
  focusNext = 'flow-list-status';
  reloading = true;
  o.reload();
}

// ---- delete: confirmed in a dialog; refused while published ----

function askDelete(flow: FlowSummary): void {
  deleting = flow;
  action = undefined;
  note = undefined;
  draw();
}

function renderDeleteDialog(): HTMLDialogElement | undefined {
  const flow = deleting;
  if (!flow) return undefined;
  const close = (focus?: string) => {
    deleting = undefined;
    dialog.close();
    if (focus) focusNext = focus;
    draw();
  };
  const dialog = h(
    'dialog',
    { id: 'delete-dialog', 'aria-labelledby': 'delete-heading', 'aria-describedby': 'delete-text' },
    h('h2', { id: 'delete-heading' }, t('deleteHeading', { name: flow.name })),
    h('p', { id: 'delete-text' }, t('deleteText', { id: flow.flowId })),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'button', id: 'delete-confirm', class: 'danger', onclick: () => void remove(flow, dialog) }, t('deleteConfirm')),
      h('button', { type: 'button', id: 'delete-cancel', onclick: () => close(`delete-${flow.flowId}`) }, t('cancel')),
    ),
  );
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close(`delete-${flow.flowId}`);
  });
  queueMicrotask(() => {
    if (dialog.isConnected && !dialog.open) {
      dialog.showModal();
      byId('delete-cancel')?.focus();
    }
  });
  return dialog;
}

async function remove(flow: FlowSummary, dialog: HTMLDialogElement): Promise<void> {
  if (!o || busy) return;
  busy = true;
  for (const button of dialog.querySelectorAll('button')) button.disabled = true;
  const result = await o.ctx.call<Deleted>('DELETE', flowPath(flow.flowId));
  deleting = undefined;
  dialog.close();
  if (!result.ok) {
    const channels = (result.body as { channels?: unknown }).channels;
    if (result.status === 409 && Array.isArray(channels)) {
      const where = channels
        .filter(isObject)
        .map((c) => t(isChannelKind(c.kind) ? c.kind : CHANNEL_KIND_LIST[0], { id: String(c.channelId) }))
        .join(', ');
      return finish({ kind: 'error', text: t('published', { channels: where }) }, 'flow-list-status');
    }
    return fail(result);
  }
  note = { kind: 'ok', text: t('deleted', { name: flow.name }) };
  focusNext = 'flow-list-status';
  reloading = true;
  o.reload();
}

// ---- new flow: a template opened in the editor, unsaved ----

function toggleNew(): void {
  if (form) {
    form = undefined;
    focusNext = 'new-flow';
    return draw();
  }
  const taken = o?.flows.map((f) => f.flowId) ?? [];
  form = { name: '', flowId: slugOf('', taken), idEdited: false, template: 'blank', baseUrl: EXAMPLE_BASE_URL, keywords: '', errors: {} };
  note = undefined;
  focusNext = 'new-flow-name';
  draw();
  void guessBaseUrl(form);
}

/** The base URL of the brand API the workspace's flows call (the most recently updated flow's first card), if any. */
async function guessBaseUrl(target: NewForm): Promise<void> {
  const newest = [...(o?.flows ?? [])].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
  if (!o || !newest) return;
  const result = await latest(newest.flowId);
  if (!result.ok || form !== target || target.baseUrl !== EXAMPLE_BASE_URL) return;
  const blocks = isObject(result.body.flow.blocks) ? Object.values(result.body.flow.blocks) : [];
  for (const block of blocks) {
    const url = isObject(block) && block.type === 'callApi' && isObject(block.request) ? block.request.url : undefined;
    if (typeof url !== 'string' || url.includes('{{ secrets') || !/^https?:\/\/[^/{}\s]+/.test(url)) continue;
    try {
      target.baseUrl = new URL(url).origin;
      target.baseFrom = newest.flowId;
    } catch {
      continue;
    }
    // Shown in place (a redraw would take the caret from a field being typed in); drawn with the form otherwise.
    const input = byId<HTMLInputElement>('new-flow-base-url');
    if (input) {
      input.value = target.baseUrl;
      byId('new-flow-base-url-hint')?.replaceChildren(t('baseUrlHint'), ` ${t('baseUrlFrom', { id: newest.flowId })}`);
    }
    return;
  }
}

function renderNewForm(state: NewForm): HTMLElement {
  const taken = o?.flows.map((f) => f.flowId) ?? [];
  const error = (field: 'name' | 'flowId' | 'baseUrl') =>
    state.errors[field] ? h('p', { class: 'error', id: `new-flow-${field}-error` }, state.errors[field]) : false;
  const described = (field: 'name' | 'flowId' | 'baseUrl', hint?: string) =>
    [hint, state.errors[field] ? `new-flow-${field}-error` : undefined].filter(Boolean).join(' ') || undefined;
  const name = h('input', {
    id: 'new-flow-name',
    type: 'text',
    value: state.name,
    required: true,
    maxlength: '200',
    'aria-invalid': state.errors.name ? 'true' : undefined,
    'aria-describedby': described('name'),
  });
  const flowId = h('input', {
    id: 'new-flow-id',
    type: 'text',
    value: state.flowId,
    required: true,
    maxlength: '64',
    spellcheck: 'false',
    autocapitalize: 'off',
    'aria-invalid': state.errors.flowId ? 'true' : undefined,
    'aria-describedby': described('flowId', 'new-flow-id-hint'),
  });
  name.addEventListener('input', () => {
    state.name = name.value;
    if (!state.idEdited) flowId.value = state.flowId = slugOf(name.value, taken);
  });
  flowId.addEventListener('input', () => {
    state.flowId = flowId.value;
    state.idEdited = true;
  });
  const radios = TEMPLATE_IDS.map((id) =>
    h(
      'div',
      { class: 'template-choice' },
      h('input', {
        type: 'radio',
        name: 'new-flow-template',
        id: `template-${id}`,
        value: id,
        checked: state.template === id,
        'aria-describedby': `template-${id}-text`,
        onchange: () => {
          state.template = id;
          focusNext = `template-${id}`;
          draw();
        },
      }),
      h('label', { for: `template-${id}` }, t(`t_${id}`)),
      h('p', { class: 'hint', id: `template-${id}-text` }, t(`d_${id}`)),
    ),
  );
  const base = templateCallsApi(state.template)
    ? h(
        'div',
        { class: 'field' },
        h('label', { for: 'new-flow-base-url' }, t('baseUrl')),
        h('input', {
          id: 'new-flow-base-url',
          type: 'url',
          class: 'wide',
          value: state.baseUrl,
          required: true,
          'aria-invalid': state.errors.baseUrl ? 'true' : undefined,
          'aria-describedby': described('baseUrl', 'new-flow-base-url-hint'),
          oninput: (event) => {
            state.baseUrl = (event.target as HTMLInputElement).value;
            state.baseFrom = undefined;
          },
        }),
        h(
          'p',
          { class: 'hint', id: 'new-flow-base-url-hint' },
          t('baseUrlHint'),
          state.baseFrom ? ` ${t('baseUrlFrom', { id: state.baseFrom })}` : '',
        ),
        error('baseUrl'),
      )
    : false;
  // A blank flow may say at once what starts it: a keyword trigger, whose start is the editor's first question.
  const keywords =
    state.template === 'blank' &&
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'new-flow-keywords' }, t('keywords')),
      h('input', {
        id: 'new-flow-keywords',
        type: 'text',
        class: 'wide',
        value: state.keywords,
        spellcheck: 'false',
        autocomplete: 'off',
        'aria-describedby': 'new-flow-keywords-hint',
        oninput: (event) => (state.keywords = (event.target as HTMLInputElement).value),
      }),
      h('p', { class: 'hint', id: 'new-flow-keywords-hint' }, t('keywordsHint')),
    );
  return h(
    'form',
    {
      id: 'new-flow-form',
      class: 'card new-flow',
      'aria-labelledby': 'new-flow-heading',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        submitNew(state);
      },
      onkeydown: (event) => {
        if ((event as KeyboardEvent).key === 'Escape') toggleNew();
      },
    },
    h('h2', { id: 'new-flow-heading' }, t('newHeading')),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field grow' }, h('label', { for: 'new-flow-name' }, t('name')), name, error('name')),
      h(
        'div',
        { class: 'field grow' },
        h('label', { for: 'new-flow-id' }, t('flowId')),
        flowId,
        h('p', { class: 'hint', id: 'new-flow-id-hint' }, t('flowIdHint')),
        error('flowId'),
      ),
    ),
    h('fieldset', { class: 'templates' }, h('legend', {}, t('template')), ...radios),
    base,
    keywords,
    h('p', { class: 'hint' }, t('newHint')),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'submit', id: 'new-flow-open', class: 'primary' }, t('openEditor')),
      h('button', { type: 'button', id: 'new-flow-cancel', onclick: () => toggleNew() }, t('cancel')),
    ),
  );
}

function submitNew(state: NewForm): void {
  if (!o) return;
  const name = state.name.trim();
  const flowId = state.flowId.trim();
  const baseUrl = state.baseUrl.trim();
  state.errors = {};
  if (!name) state.errors.name = t('nameMissing');
  if (!FLOW_ID.test(flowId)) state.errors.flowId = t('flowIdBad');
  else if (o.flows.some((f) => f.flowId === flowId)) state.errors.flowId = t('flowIdTaken', { id: flowId });
  if (templateCallsApi(state.template) && !/^https?:\/\/[^\s/]+/i.test(baseUrl)) state.errors.baseUrl = t('baseUrlBad');
  const first = (['name', 'flowId', 'baseUrl'] as const).find((field) => state.errors[field]);
  if (first) {
    focusNext = { name: 'new-flow-name', flowId: 'new-flow-id', baseUrl: 'new-flow-base-url' }[first];
    return draw();
  }
  form = undefined;
  const flow = flowFromTemplate(state.template, name, baseUrl);
  const keywords = state.template === 'blank' ? splitKeywords(state.keywords) : [];
  o.openNew(flowId, keywords.length ? { ...flow, triggers: [{ type: 'keyword', keywords }] } : flow);
}
