import { CHANNEL_LABELS } from '../../shared/domain/channelKindList';
import type { SimulatorCleared, SimulatorConversation, SimulatorSent } from '../../functions/admin/simulatorSchemas';
import type { ChannelList, ChannelView, FlowVersion, LogEntry, LogPage } from './api';
import { fromLine, fromMessenger, renderBubbles, type Action } from './bubbles';
import type { Page, PageContext } from './context';
import { byId, h } from './dom';
import { isObject } from './json';
import { defineTexts, reasonText, t as editorText, type Lang } from './i18n';

// The chat simulator: be a customer (`sim-…`) of one of the workspace's channels and talk to the flows
// published there, through the admin API (POST/GET /admin/simulator/…): the executor runs the real flow
// and keeps its answers for the console instead of sending them. So it works the same on AWS.

const tx = defineTexts({
  en: {
    heading: 'Chat simulator',
    intro:
      'Be a customer of one of your channels and talk to the flows published there. They run for real (brand APIs are called); the answers stay here: nothing is sent to LINE or Messenger.',
    channel: 'Channel',
    customer: 'Simulated customer',
    startOver: 'Start over',
    startedOver:
      'Started over: the conversation, attributes and log of {user} are gone ({entries} conversation entries, profile {profile}, binding {binding}, {logEntries} log entries, {outbox} turns erased).',
    yes: 'yes',
    no: 'none',
    conversation: 'Conversation',
    working: 'The bot is working…',
    message: 'Message',
    send: 'Send',
    menu: 'Menu (postback buttons of the published flows)',
    follow: 'Follow',
    followed: 'Followed the account',
    otherEvent: '({type} event)',
    tapped: 'Tapped “{label}”',
    notAnswered: 'No published flow takes this (no trigger, open question or fallback): nobody answers.',
    noChannels: 'This workspace has no channels yet: add one under Channels.',
    nothingPublished: 'Nothing is published on this channel: publish a flow to talk to it.',
    log: 'Execution log',
    logEmpty: 'No Call an API card has run in this conversation yet.',
    colTime: 'Time',
    colCard: 'Card',
    colOutcome: 'Outcome',
    colStatus: 'Status',
    colMs: 'ms',
    image: 'Image: {url}',
    loading: 'Loading…',
    queued: 'Sent once the bot has answered',
    logLoading: 'Updating the log…',
    outcome_success: 'success',
    outcome_failure: 'failure',
    outcome_fired: 'sent (not waited for)',
  },
  'zh-TW': {
    heading: '對話模擬器',
    intro:
      '扮演您某個頻道的顧客，與該頻道已發布的流程對話。流程會實際執行（會呼叫品牌 API）；回覆只留在這裡，不會傳送到 LINE 或 Messenger。',
    channel: '頻道',
    customer: '模擬顧客',
    startOver: '重新開始',
    startedOver:
      '已重新開始：{user} 的對話、屬性與紀錄都已清除（已刪除 {entries} 則對話、個人檔案 {profile}、綁定 {binding}、{logEntries} 筆紀錄、{outbox} 個對話回合）。',
    yes: '有',
    no: '無',
    conversation: '對話',
    working: '機器人處理中…',
    message: '訊息',
    send: '傳送',
    menu: '選單（已發布流程的 postback 按鈕）',
    follow: '加入好友',
    followed: '已加入好友',
    otherEvent: '（{type} 事件）',
    tapped: '點選了「{label}」',
    notAnswered: '沒有已發布的流程會處理這則訊息（沒有符合的觸發條件、進行中的問題或備援）：不會有回覆。',
    noChannels: '此工作區還沒有頻道：請先在「頻道」新增。',
    nothingPublished: '此頻道沒有已發布的流程：請先發布流程再對話。',
    log: '執行紀錄',
    logEmpty: '此對話中還沒有執行過 Call an API 卡片。',
    colTime: '時間',
    colCard: '卡片',
    colOutcome: '結果',
    colStatus: '狀態',
    colMs: '毫秒',
    image: '圖片：{url}',
    loading: '載入中…',
    queued: '機器人回覆後送出',
    logLoading: '正在更新紀錄…',
    outcome_success: '成功',
    outcome_failure: '失敗',
    outcome_fired: '已送出（不等待）',
  },
});

type SimEvent = { type: 'text'; text: string } | { type: 'postback'; data: string; params?: Record<string, string> } | { type: 'follow' };
/** What is sent: an event, or (Messenger) a tapped payload the API reads as the webhook would. */
type SimSend = SimEvent | { type: 'payload'; payload: string };
/** A conversation's entry as GET /admin/simulator/… answers it (functions/admin/simulatorSchemas.ts). */
type Entry = SimulatorConversation['entries'][number];
type InboundEvent = Extract<Entry, { from: 'customer' }>['event'];
/** Something the customer sent while the bot was answering: sent once it has answered, as a chat app would. */
type Queued = { event: SimSend; label?: string };

/** What the page holds; kept across remounts (a language switch). */
const state = {
  channels: undefined as ChannelView[] | undefined,
  selected: undefined as string | undefined,
  entries: [] as Entry[],
  menu: [] as Array<{ label: string; data: string }>,
  logs: [] as LogEntry[],
  /** The label of what was tapped, by the turn's job: the customer's side as they saw it. */
  tapped: new Map<string, string>(),
  pending: false,
  /** Typed or tapped while the bot was answering, oldest first: shown as pending, sent one by one. */
  queue: [] as Queued[],
  /** Turns sent whose answers may still come (read again from their start: a late answer sorts before a later message). */
  open: new Set<string>(),
  /** The log is being read again after something was sent: it may not show the latest card yet. */
  logLoading: false,
  /** The turn last sent: polling resumes on it when the page is drawn again (a language switch). */
  lastJob: undefined as string | undefined,
  notice: '',
  error: '',
};
let ctx: PageContext | undefined;
let root: HTMLElement | undefined;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
/** Bumped on every (re)start of polling and on unmount: an older loop stops. */
let pollRun = 0;

const t = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(ctx?.lang ?? ('en' as Lang), key, values);
/** The bot is working: a sent event has no answer yet, or the last entry is a card running. */
const working = (): boolean => state.pending || state.entries[state.entries.length - 1]?.from === 'waiting';
const current = (): ChannelView | undefined => state.channels?.find((c) => `${c.kind}/${c.channelId}` === state.selected);

/** The simulated customer of a channel in this browser tab: `sim-` and 8 random characters. */
function userOf(channel: ChannelView): string {
  const item = `callcard.sim.${channel.kind}.${channel.channelId}`;
  let user = sessionStorage.getItem(item);
  if (!user) {
    user = `sim-${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(36).padStart(2, '0'))
      .join('')
      .slice(0, 8)}`;
    sessionStorage.setItem(item, user);
  }
  return user;
}
const pathOf = (channel: ChannelView) => `/admin/simulator/${channel.kind}/${encodeURIComponent(channel.channelId)}/${userOf(channel)}`;

export const simulatorPage: Page = {
  mount(into, context) {
    root = into;
    ctx = context;
    draw();
    if (!state.channels) void loadChannels();
    else {
      // Left while the bot was answering: read on (and send what was queued).
      const channel = current();
      if (channel && state.lastJob && (working() || state.open.size > 0 || state.queue.length > 0)) poll(channel, state.lastJob);
    }
  },
  unmount() {
    pollRun += 1;
    clearTimeout(pollTimer);
    root = undefined;
  },
};

async function loadChannels(): Promise<void> {
  const result = await ctx!.call<ChannelList>('GET', '/admin/channels');
  if (!result.ok) return void ((state.error = result.text), draw());
  state.channels = result.body.channels;
  if (!current()) state.selected = state.channels[0] ? `${state.channels[0].kind}/${state.channels[0].channelId}` : undefined;
  await selectChannel();
}

/** A channel chosen: its conversation so far, its menu, its log. */
async function selectChannel(): Promise<void> {
  pollRun += 1;
  clearTimeout(pollTimer);
  Object.assign(state, {
    entries: [],
    menu: [],
    logs: [],
    notice: '',
    error: '',
    pending: false,
    queue: [],
    open: new Set<string>(),
    logLoading: true,
    lastJob: undefined,
  });
  draw();
  const channel = current();
  if (!channel) return;
  await Promise.all([readMore(channel), loadMenu(channel), loadLogs(channel)]);
  state.logLoading = false;
  draw();
}

/** The postback triggers of the channel's published flows: what a rich menu's buttons would send. */
async function loadMenu(channel: ChannelView): Promise<void> {
  const versions = await Promise.all(
    channel.activeFlows.map((ref) =>
      ctx!.call<FlowVersion>('GET', `/admin/flows/${encodeURIComponent(ref.flowId)}/versions/${ref.version}`),
    ),
  );
  const triggersOf = (flow: FlowVersion['flow']): unknown[] => (Array.isArray(flow.triggers) ? flow.triggers : []);
  state.menu = versions.flatMap((result) =>
    result.ok
      ? triggersOf(result.body.flow).flatMap((trigger) =>
          isObject(trigger) && trigger.type === 'postback' && typeof trigger.action === 'string' && trigger.action
            ? [{ label: trigger.action, data: `action=${trigger.action}` }]
            : [],
        )
      : [],
  );
}

async function loadLogs(channel: ChannelView): Promise<void> {
  const result = await ctx!.call<LogPage>(
    'GET',
    `/admin/logs?customer=${encodeURIComponent(`${channel.kind}:${channel.channelId}:${userOf(channel)}`)}&limit=20`,
  );
  // A customer who never wrote is not a contact yet (404): an empty log.
  state.logs = result.ok ? result.body.entries : [];
}

/**
 * New entries; returns how many came. Read from the first turn still open (its answers may come after
 * a later message was sent, and sort before it), else after the last entry shown; merged by key.
 */
async function readMore(channel: ChannelView): Promise<number> {
  const open = state.entries.findIndex((e) => e.from === 'customer' && state.open.has(e.jobId));
  const from = open >= 0 ? open : state.entries.length;
  const after = state.entries[from - 1]?.key;
  const result = await ctx!.call<SimulatorConversation>('GET', `${pathOf(channel)}${after ? `?after=${encodeURIComponent(after)}` : ''}`);
  if (!result.ok || current() !== channel) return 0;
  const tail = new Map(state.entries.slice(from).map((e) => [e.key, e]));
  const came = result.body.entries.filter((e) => !tail.has(e.key)).length;
  for (const entry of result.body.entries) tail.set(entry.key, entry);
  state.entries.splice(
    from,
    state.entries.length - from,
    ...[...tail.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  );
  return came;
}

/** Read the log again and draw it (only it): the conversation and what is typed stay as they are. */
async function refreshLogs(channel: ChannelView, done: boolean): Promise<void> {
  await loadLogs(channel);
  if (current() !== channel) return;
  if (done) state.logLoading = false;
  drawLog();
}

/**
 * Read on while the bot works: every half second until it has been quiet for 3 s (at most a minute).
 * The log is read again as soon as an answer comes (a card's call is logged before its answer is
 * sent) and every 1.5 s while a card runs. A message queued meanwhile is sent once the bot has
 * answered: nothing running, nothing new for a tick.
 */
function poll(channel: ChannelView, jobId: string): void {
  clearTimeout(pollTimer);
  const run = ++pollRun;
  const started = Date.now();
  let quietSince = Date.now();
  let logRead = Date.now();
  const tick = async () => {
    if (run !== pollRun) return;
    const before = new Set(state.entries.map((e) => e.key));
    const came = await readMore(channel);
    if (came > 0) quietSince = Date.now();
    if (run !== pollRun) return;
    const mine = state.entries.filter((e) => e.jobId === jobId);
    if (mine.some((e) => e.from !== 'customer')) state.pending = false;
    const answered = state.entries.some((e) => e.from === 'bot' && !before.has(e.key));
    if (answered || (working() && Date.now() - logRead >= 1_500)) {
      logRead = Date.now();
      await refreshLogs(channel, answered && !working());
      if (run !== pollRun) return;
    }
    if (!working() && came === 0 && state.queue.length > 0) return sendQueued();
    if (Date.now() - started < 60_000 && (working() || Date.now() - quietSince < 3_000)) {
      drawConversation();
      pollTimer = setTimeout(() => void tick(), 500);
      return;
    }
    state.pending = false;
    state.open.clear();
    if (state.queue.length > 0) return sendQueued();
    await loadLogs(channel);
    state.logLoading = false;
    if (run === pollRun) draw('keep');
  };
  void tick();
}

/**
 * The customer sends something. While the bot is answering (or something typed before is still
 * waiting its turn), it is queued, shown as pending, and sent once the bot has answered: never lost.
 */
function send(event: SimSend, label?: string): void {
  if (!current()) return;
  if (working() || state.queue.length > 0) {
    state.queue.push({ event, ...(label !== undefined ? { label } : {}) });
    return drawConversation();
  }
  void dispatch({ event, ...(label !== undefined ? { label } : {}) });
}

function sendQueued(): void {
  const next = state.queue.shift();
  if (next) void dispatch(next);
}

async function dispatch({ event, label }: Queued): Promise<void> {
  const channel = current();
  if (!channel) return;
  state.notice = '';
  state.pending = true;
  state.logLoading = true;
  draw('keep');
  const result = await ctx!.call<SimulatorSent>('POST', pathOf(channel), { event });
  if (current() !== channel) return;
  if (!result.ok) {
    Object.assign(state, { pending: false, logLoading: false, error: result.text });
    draw('keep');
    // What was queued behind it still goes (the next may well work).
    return sendQueued();
  }
  state.error = '';
  state.open.add(result.body.jobId);
  state.lastJob = result.body.jobId;
  if (label !== undefined) state.tapped.set(result.body.jobId, label);
  if (!result.body.answered) Object.assign(state, { pending: false, notice: t('notAnswered') });
  poll(channel, result.body.jobId);
}

function onAction(action: Action): void {
  if (action.kind === 'postback')
    send({ type: 'postback', data: action.data, ...(action.params ? { params: action.params } : {}) }, action.label);
  else if (action.kind === 'message') send({ type: 'text', text: action.text });
  else if (action.kind === 'payload') send({ type: 'payload', payload: action.payload }, action.label);
}

async function startOver(): Promise<void> {
  const channel = current();
  if (!channel) return;
  pollRun += 1;
  const user = userOf(channel);
  const result = await ctx!.call<SimulatorCleared>('DELETE', pathOf(channel));
  if (!result.ok) return void ((state.error = result.text), draw('keep'));
  sessionStorage.removeItem(`callcard.sim.${channel.kind}.${channel.channelId}`);
  await selectChannel();
  // What the erasure removed, as the API counted it.
  const erased = result.body.deleted;
  const yesNo = (value: boolean) => t(value ? 'yes' : 'no');
  state.notice = t('startedOver', {
    user,
    entries: String(erased.entries),
    profile: yesNo(erased.profile),
    binding: yesNo(erased.binding),
    logEntries: String(erased.logEntries),
    outbox: String(erased.outbox),
  });
  draw();
}

// ---- drawing ----

function draw(focus: 'keep' | 'none' = 'keep'): void {
  if (!root) return;
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
  // What the customer is typing survives a redraw (answers and the log arrive while they type).
  const typing = byId<HTMLInputElement>('sim-text')?.value ?? '';
  const channel = current();
  const select = h('select', {
    id: 'sim-channel',
    onchange: (e) => ((state.selected = (e.target as HTMLSelectElement).value), void selectChannel()),
  });
  for (const c of state.channels ?? [])
    select.append(
      h(
        'option',
        { value: `${c.kind}/${c.channelId}`, selected: `${c.kind}/${c.channelId}` === state.selected },
        `${CHANNEL_LABELS[c.kind]} · ${c.name || c.channelId}`,
      ),
    );
  const body: Array<Node | false> = !state.channels
    ? [h('p', { role: 'status' }, state.error || t('loading'))]
    : !channel
      ? [h('p', {}, t('noChannels'))]
      : [
          h(
            'div',
            { class: 'toolbar' },
            h('label', { for: 'sim-channel' }, t('channel')),
            select,
            h('span', {}, `${t('customer')}: `, h('code', { id: 'sim-user' }, userOf(channel))),
            h('button', { type: 'button', id: 'sim-start-over', onclick: () => void startOver() }, t('startOver')),
          ),
          h(
            'p',
            { id: 'sim-status', class: state.error ? 'status error' : 'status', role: state.error ? 'alert' : 'status' },
            state.error || state.notice,
          ),
          channel.activeFlows.length === 0 && h('p', { class: 'hint' }, t('nothingPublished')),
          h(
            'div',
            { class: 'sim' },
            h(
              'section',
              { class: `sim-phone preview ${channel.kind}`, 'aria-labelledby': 'sim-conversation-heading' },
              h('h2', { id: 'sim-conversation-heading' }, t('conversation')),
              h('div', { id: 'sim-log', role: 'log', 'aria-live': 'polite', tabindex: '0', 'aria-label': t('conversation') }),
              h('div', { id: 'sim-working' }),
              renderMenu(channel),
              h(
                'form',
                { class: 'sim-compose', onsubmit: (e) => composeSubmit(e) },
                h('label', { for: 'sim-text', class: 'visually-hidden' }, t('message')),
                h('input', { id: 'sim-text', type: 'text', autocomplete: 'off', placeholder: t('message'), maxlength: '2000' }),
                h('button', { type: 'submit', class: 'primary', id: 'sim-send' }, t('send')),
              ),
            ),
            h(
              'aside',
              { class: 'card sim-aside', 'aria-labelledby': 'sim-log-heading' },
              h('h2', { id: 'sim-log-heading' }, t('log')),
              h('div', { id: 'sim-log-body' }, ...renderLog()),
            ),
          ),
        ];
  root.replaceChildren(
    h('h1', { id: 'view-heading', tabindex: '-1' }, t('heading')),
    h('p', { class: 'hint' }, t('intro')),
    ...body.filter((node): node is Node => node instanceof Node),
  );
  const input = byId<HTMLInputElement>('sim-text');
  if (input) input.value = typing;
  drawConversation();
  if (focus === 'keep' && focused) byId(focused)?.focus();
}

function composeSubmit(event: Event): void {
  event.preventDefault();
  const input = byId<HTMLInputElement>('sim-text');
  const text = input?.value.trim() ?? '';
  if (!text || !input) return;
  input.value = '';
  send({ type: 'text', text });
}

function renderMenu(channel: ChannelView): HTMLElement {
  return h(
    'nav',
    { class: 'sim-menu', 'aria-label': t('menu') },
    ...state.menu.map((item) =>
      h('button', { type: 'button', onclick: () => send({ type: 'postback', data: item.data }, item.label) }, item.label),
    ),
    channel.kind === 'line' && h('button', { type: 'button', onclick: () => send({ type: 'follow' }) }, t('follow')),
  );
}

/** The conversation and the loading indicator: redrawn as entries arrive (the rest of the page stays). */
function drawConversation(): void {
  const log = byId('sim-log');
  const channel = current();
  if (!log || !channel) return;
  const imageLabel = (url: string) => t('image', { url });
  const items = state.entries.flatMap((entry): HTMLElement[] => {
    if (entry.from === 'waiting') return [];
    if (entry.from === 'bot')
      return renderBubbles(entry.messages.map(channel.kind === 'line' ? fromLine : fromMessenger), { imageLabel, onAction });
    // A tapped quick reply shows as what was tapped (Messenger shows its title), typed text as itself.
    return [h('div', { class: 'msg mine' }, h('p', { class: 'msg-text' }, saidText(entry.event, state.tapped.get(entry.jobId))))];
  });
  // What waits for the bot's answer: the customer's, marked as not sent yet.
  const queued = state.queue.map((item) =>
    h(
      'div',
      { class: 'msg mine queued' },
      h('p', { class: 'msg-text' }, saidText(item.event, item.label)),
      h('p', { class: 'hint queued-note' }, t('queued')),
    ),
  );
  log.replaceChildren(...items, ...queued);
  log.scrollTop = log.scrollHeight;
  byId('sim-working')?.replaceChildren(
    ...(working()
      ? [
          h(
            'p',
            { class: 'typing', role: 'status' },
            h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
            t('working'),
          ),
        ]
      : []),
  );
}

/** What the customer did, as they saw it: typed text as itself, a tap as what was tapped. */
function saidText(event: SimSend | InboundEvent, tapped: string | undefined): string {
  if (tapped !== undefined) return t('tapped', { label: tapped });
  if (event.type === 'text') return event.text;
  if (event.type === 'follow') return t('followed');
  if (event.type === 'payload') return t('tapped', { label: event.payload });
  if (event.type === 'postback') return t('tapped', { label: event.data });
  // A conversation's entry may hold any inbound event (an account link, a brand's callback, …).
  return t('otherEvent', { type: event.type });
}

function drawLog(): void {
  byId('sim-log-body')?.replaceChildren(...renderLog());
}

/** The log beside the conversation, with a status line while it is read again after a message. */
function renderLog(): HTMLElement[] {
  const status = h('p', { id: 'sim-log-status', class: 'hint', role: 'status' }, state.logLoading ? t('logLoading') : '');
  if (!state.logs.length) return [status, ...(state.logLoading ? [] : [h('p', { class: 'hint', id: 'sim-log-empty' }, t('logEmpty'))])];
  const time = new Intl.DateTimeFormat(ctx?.lang, { timeStyle: 'medium' });
  const lang = ctx?.lang ?? 'en';
  const outcome = (entry: LogEntry) =>
    t(`outcome_${entry.outcome}`) + (entry.reason ? ` (${reasonText(entry.reason, (key, values) => editorText(lang, key, values))})` : '');
  return [
    status,
    h(
      'table',
      { id: 'sim-log-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...(['colTime', 'colCard', 'colOutcome', 'colStatus', 'colMs'] as const).map((key) => h('th', { scope: 'col' }, t(key))),
        ),
      ),
      h(
        'tbody',
        {},
        ...state.logs.map((entry) =>
          h(
            'tr',
            {},
            h('td', {}, h('time', { datetime: entry.at }, time.format(new Date(entry.at)))),
            h('td', {}, h('code', {}, entry.blockId)),
            h('td', { class: entry.outcome === 'failure' ? 'error' : 'ok' }, outcome(entry)),
            h('td', {}, entry.status === undefined ? '—' : String(entry.status)),
            h('td', {}, String(Math.round(entry.latencyMs))),
          ),
        ),
      ),
    ),
  ];
}
