import type {
  AlertView,
  ChannelList,
  ChannelView,
  ContactDeleted,
  ContactExport,
  DeletedFailedJobs,
  FailedJob,
  FailedJobList,
  FlowList,
  FlowVersion,
  LogEntry,
  LogPage,
  RedriveResult,
  Settings,
} from './api';
import type { Page } from './context';
import { h } from './dom';
import { isObject } from './json';
import { failureNote, noteLine as noteLineOf, type Note as NoteOf } from './notes';
import { defineTexts } from './i18n';
import {
  alertForm,
  alertLine,
  healthText,
  healthView,
  LOG_CARD_KEY,
  WINDOWS,
  type AlertRule,
  type CardHealth,
  type Window,
} from './health';

// The execution log of Call an API cards (GET /admin/logs: one customer's, or one card's, newest first, a
// page at a time) and the jobs that reached the dead-letter queue (GET /admin/failed-jobs), sent back to
// the jobs queue (POST /admin/failed-jobs/redrive) or deleted for good (DELETE /admin/failed-jobs/{id},
// DELETE /admin/failed-jobs?all=true, confirmed first), one at a time or all at once.

const tx = defineTexts({
  en: {
    heading: 'Execution log',
    intro:
      'Every call a Call an API card made (kept 30 days unless the privacy settings below say otherwise; personal values masked): choose a customer or a card.',
    by: 'Show the log of',
    byCustomer: 'A customer',
    byCard: 'A card',
    channel: 'Channel',
    userId: 'User ID',
    userIdHint: 'The LINE user id (U…), group or room id, or the Messenger PSID.',
    flow: 'Flow',
    card: 'Card',
    noCards: 'This flow has no Call an API cards.',
    noChannels: 'This workspace has no channels.',
    show: 'Show',
    refresh: 'Refresh',
    loading: 'Loading…',
    more: 'Load older entries',
    empty: 'No calls logged for this choice (yet).',
    choose: 'Choose a customer or a card, then Show.',
    logFor: 'Calls of {what}',
    allTimes: 'All calls of this card',
    savingAlert: 'Saving alert rules…',
    savedAlert: 'Alert rules saved.',
    colTime: 'Time',
    colCustomer: 'Customer',
    colCard: 'Card',
    colRequest: 'Request',
    colOutcome: 'Outcome',
    colStatus: 'Status',
    colDuration: 'Duration',
    colAttempt: 'Attempt',
    success: 'Success',
    failure: 'Failed',
    fired: 'Sent (fire-and-forget)',
    ms: '{ms} ms',
    customerLog: 'Show the log of customer {customer}',
    failedHeading: 'Failed jobs',
    failedIntro:
      'Turns that kept failing (a channel or store outage) and went to the dead-letter queue. Redrive sends them back to the jobs queue to run again; Delete drops them for good.',
    noFailed: 'No failed jobs.',
    colQueued: 'Failed',
    colEvent: 'Event',
    colFlow: 'Flow',
    colActions: 'Actions',
    redrive: 'Redrive',
    redriveLabel: 'Redrive job {job}',
    redriveAll: 'Redrive all',
    confirmAll: 'Send all {count} failed jobs back to the jobs queue?',
    redriving: 'Sending back…',
    redriven: 'Sent back to the jobs queue: {count} job(s).',
    redrivenNone: 'Nothing was sent back: the list may have changed. Refresh it.',
    delete: 'Delete',
    deleteLabel: 'Delete job {job}',
    deleteAll: 'Delete all',
    confirmDelete: 'Delete failed job {job} for good? It will never run, and the customer gets no answer to it.',
    confirmDeleteAll: 'Delete all {count} failed jobs for good? They will never run.',
    deleting: 'Deleting…',
    deleted: 'Deleted: {count} job(s).',
    deletedNone: 'Nothing was deleted: the list may have changed. Refresh it.',
    exportCustomer: 'Export data',
    exportLabel: 'Export everything kept of customer {customer} (JSON)',
    exporting: 'Exporting…',
    exported: 'Exported {customer}: profile {profile}, binding {binding}, {logEntries} log entries, {outbox} turns (file {file}).',
    eraseCustomer: 'Erase customer',
    eraseLabel: 'Erase everything kept of customer {customer}',
    confirmErase:
      'Erase everything callcard keeps of {customer}? This removes their profile and attributes, their verified binding, the open conversation, every execution log entry and the messages of their turns. It cannot be undone.',
    erasing: 'Erasing…',
    erased:
      'Erased {customer}: profile {profile}, binding {binding}, open conversation {session}, {logEntries} log entries, {outbox} turns.',
    yes: 'yes',
    no: 'none',
    privacyHeading: 'Privacy',
    privacyIntro:
      "Values of personal attributes are masked in this log and in contacts (a verified member's id and details always are). What callcard keeps of customers expires after these days; entries already written keep their expiry.",
    personalAttributes: 'Personal attributes',
    personalAttributesHint: 'Attribute names, separated by commas (phone, email, memberId by default).',
    logDays: 'Execution log (days, 1-365)',
    simulatorDays: 'Simulator conversations (days, 1-30)',
    idleCustomerDays: 'Customers after their last message (days, 1-3650)',
    savePrivacy: 'Save privacy settings',
    savingPrivacy: 'Saving…',
    savedPrivacy: 'Privacy settings saved.',
  },
  'zh-TW': {
    heading: '執行紀錄',
    intro: '呼叫 API 卡片的每一次呼叫（保留 30 天，除非下方的隱私設定另有指定；個人資料已遮蔽）：請選擇顧客或卡片。',
    by: '要查看的紀錄',
    byCustomer: '顧客',
    byCard: '卡片',
    channel: '頻道',
    userId: '使用者 ID',
    userIdHint: 'LINE 使用者 ID（U…）、群組或聊天室 ID，或 Messenger PSID。',
    flow: '流程',
    card: '卡片',
    noCards: '這個流程沒有呼叫 API 卡片。',
    noChannels: '這個工作區沒有頻道。',
    show: '查看',
    refresh: '重新整理',
    loading: '載入中…',
    more: '載入較舊的紀錄',
    empty: '這個選擇（目前）沒有呼叫紀錄。',
    choose: '請選擇顧客或卡片，再按「查看」。',
    logFor: '{what} 的呼叫',
    allTimes: '這張卡片的所有呼叫',
    savingAlert: '正在儲存警示規則…',
    savedAlert: '已儲存警示規則。',
    colTime: '時間',
    colCustomer: '顧客',
    colCard: '卡片',
    colRequest: '請求',
    colOutcome: '結果',
    colStatus: '狀態碼',
    colDuration: '耗時',
    colAttempt: '第幾次',
    success: '成功',
    failure: '失敗',
    fired: '已送出（不等回應）',
    ms: '{ms} 毫秒',
    customerLog: '查看顧客 {customer} 的紀錄',
    failedHeading: '失敗的工作',
    failedIntro: '持續失敗（通訊平台或資料庫中斷）而進入無效信件佇列的對話回合。重新送出會把它們送回工作佇列再執行一次；刪除則會永久移除。',
    noFailed: '沒有失敗的工作。',
    colQueued: '失敗時間',
    colEvent: '事件',
    colFlow: '流程',
    colActions: '操作',
    redrive: '重新送出',
    redriveLabel: '重新送出工作 {job}',
    redriveAll: '全部重新送出',
    confirmAll: '要把全部 {count} 個失敗的工作送回工作佇列嗎？',
    redriving: '送出中…',
    redriven: '已送回工作佇列：{count} 個工作。',
    redrivenNone: '沒有送出任何工作：清單可能已變動，請重新整理。',
    delete: '刪除',
    deleteLabel: '刪除工作 {job}',
    deleteAll: '全部刪除',
    confirmDelete: '確定要永久刪除失敗的工作 {job} 嗎？它不會再執行，顧客也不會收到回覆。',
    confirmDeleteAll: '確定要永久刪除全部 {count} 個失敗的工作嗎？它們不會再執行。',
    deleting: '刪除中…',
    deleted: '已刪除：{count} 個工作。',
    deletedNone: '沒有刪除任何工作：清單可能已變動，請重新整理。',
    exportCustomer: '匯出資料',
    exportLabel: '匯出顧客 {customer} 的所有資料（JSON）',
    exporting: '匯出中…',
    exported: '已匯出 {customer}：個人檔案 {profile}、綁定 {binding}、{logEntries} 筆紀錄、{outbox} 個對話回合（檔案 {file}）。',
    eraseCustomer: '刪除顧客',
    eraseLabel: '刪除顧客 {customer} 的所有資料',
    confirmErase:
      '確定要刪除 callcard 保存的 {customer} 所有資料嗎？這會移除個人檔案與屬性、已驗證的會員綁定、進行中的對話、所有執行紀錄，以及其對話回合的訊息。此動作無法復原。',
    erasing: '刪除中…',
    erased: '已刪除 {customer}：個人檔案 {profile}、綁定 {binding}、進行中的對話 {session}、{logEntries} 筆紀錄、{outbox} 個對話回合。',
    yes: '有',
    no: '無',
    privacyHeading: '隱私',
    privacyIntro:
      '個人屬性的值在此紀錄與顧客資料中會被遮蔽（已驗證會員的編號與資料一律遮蔽）。callcard 保存的顧客資料會在下列天數後到期；已寫入的資料維持原本的到期時間。',
    personalAttributes: '個人屬性',
    personalAttributesHint: '屬性名稱，以逗號分隔（預設為 phone、email、memberId）。',
    logDays: '執行紀錄（天，1-365）',
    simulatorDays: '模擬器對話（天，1-30）',
    idleCustomerDays: '顧客最後一則訊息後（天，1-3650）',
    savePrivacy: '儲存隱私設定',
    savingPrivacy: '儲存中…',
    savedPrivacy: '已儲存隱私設定。',
  },
});
type Key = Parameters<typeof tx>[1];
type Note = NoteOf<Key>;
/** A card's query may be narrowed to a time range: a point of its health chart. */
type Query =
  { by: 'customer'; customer: string } | { by: 'card'; flowId: string; blockId: string; from?: string; to?: string; version?: number };

// Kept across remounts (a language switch shows the same log).
let by: 'customer' | 'card' = 'customer';
const choice = { channel: '', userId: '', flowId: '', blockId: '' };
let channels: ChannelView[] = [];
let flows: Array<{ flowId: string; name: string }> = [];
/** Each flow's Call an API cards, once read. */
const cards = new Map<string, string[]>();
let shown: { query: Query; entries: LogEntry[]; cursor?: string } | undefined;
let logNote: Note | undefined;
let failed: FailedJob[] | undefined;
let failedNote: Note | undefined;
/** What the last redrive or delete of failed jobs did. */
let failedActionNote: Note | undefined;
let busy = false;
/** A redrive or delete of failed jobs is under way: their buttons wait. */
let failedBusy = false;
let mounts = 0;
/** The workspace's privacy settings as GET /admin/settings said them (read once per mount). */
let privacy: Pick<Settings, 'personalAttributes' | 'retention'> | undefined;
let privacyNote: Note | undefined;
let privacyBusy = false;
/** The shown card's health (GET /admin/health), over `healthWindow`. */
let health: CardHealth | undefined;
let healthWindow: Window = 'hour';
/** One flow version's calls only; undefined: all. */
let healthVersion: number | undefined;
let healthNote: Note | undefined;
let alertNote: Note | undefined;
let healthBusy = false;

const KINDS: Record<string, string> = { line: 'LINE', messenger: 'Messenger' };

export const logsPage: Page = {
  mount(root, ctx) {
    const mount = ++mounts;
    const t = (key: Key, values?: Record<string, string>) => tx(ctx.lang, key, values);
    const live = () => mount === mounts;
    const format = new Intl.DateTimeFormat(ctx.lang, { dateStyle: 'short', timeStyle: 'medium' });
    const when = (iso: string) => (isNaN(Date.parse(iso)) ? iso : format.format(new Date(iso)));
    const noteLine = (note: Note | undefined, id: string) => noteLineOf(note, id, t);

    const controls = h('section', { 'aria-labelledby': 'view-heading', class: 'card' });
    const healthSection = h('section', { 'aria-labelledby': 'health-heading', id: 'health', class: 'card' });
    const results = h('section', { 'aria-labelledby': 'log-heading', id: 'log-results' });
    const failedSection = h('section', { 'aria-labelledby': 'failed-heading' });
    const privacySection = h('section', { 'aria-labelledby': 'privacy-heading', class: 'card' });
    root.replaceChildren(
      h('h1', { id: 'view-heading', tabindex: '-1' }, t('heading')),
      h('p', { class: 'hint' }, t('intro')),
      controls,
      healthSection,
      results,
      failedSection,
      privacySection,
    );

    // ---- the execution log ----

    const loadChoices = async () => {
      const [listed, flowList] = await Promise.all([
        ctx.call<ChannelList>('GET', '/admin/channels'),
        ctx.call<FlowList>('GET', '/admin/flows'),
      ]);
      if (!live()) return;
      if (listed.ok) channels = listed.body.channels;
      if (flowList.ok) flows = flowList.body.flows;
      if (!choice.channel && channels[0]) choice.channel = `${channels[0].kind}:${channels[0].channelId}`;
      if (!choice.flowId && flows[0]) choice.flowId = flows[0].flowId;
      if (!listed.ok) logNote = failureNote(listed);
      else if (!flowList.ok) logNote = failureNote(flowList);
      await loadCards(choice.flowId);
      if (live()) drawControls();
    };

    /** The flow's Call an API cards (its latest version), read once. */
    const loadCards = async (flowId: string) => {
      if (!flowId || cards.has(flowId)) return;
      const result = await ctx.call<FlowVersion>('GET', `/admin/flows/${encodeURIComponent(flowId)}`);
      if (!result.ok) return;
      const { blocks } = result.body.flow;
      cards.set(
        flowId,
        isObject(blocks)
          ? Object.entries(blocks)
              .filter(([, block]) => isObject(block) && block.type === 'callApi')
              .map(([id]) => id)
          : [],
      );
      const list = cards.get(flowId) ?? [];
      if (choice.flowId === flowId && !list.includes(choice.blockId)) choice.blockId = list[0] ?? '';
    };

    const queryPath = (query: Query, cursor?: string) => {
      const params = new URLSearchParams(
        query.by === 'customer' ? { customer: query.customer } : { flowId: query.flowId, blockId: query.blockId },
      );
      if (query.by === 'card' && query.from !== undefined) params.set('from', query.from);
      if (query.by === 'card' && query.to !== undefined) params.set('to', query.to);
      if (query.by === 'card' && query.version !== undefined) params.set('version', String(query.version));
      params.set('limit', '50');
      if (cursor) params.set('cursor', cursor);
      return `/admin/logs?${params.toString()}`;
    };

    const show = async (query: Query, more = false) => {
      busy = true;
      logNote = undefined;
      if (!more) shown = { query, entries: [] };
      // A card chosen anew (not a chart point's range): its health beside its log.
      if (!more && query.by === 'card' && query.from === undefined) void loadHealth(query.flowId, query.blockId);
      else if (query.by === 'customer') {
        health = undefined;
        drawHealth();
      }
      drawControls();
      drawResults(true);
      const result = await ctx.call<LogPage>('GET', queryPath(query, more ? shown?.cursor : undefined));
      busy = false;
      if (!live()) return;
      if (result.ok)
        shown = {
          query,
          entries: [...(more ? (shown?.entries ?? []) : []), ...result.body.entries],
          ...(result.body.cursor ? { cursor: result.body.cursor } : {}),
        };
      else logNote = failureNote(result);
      drawControls();
      drawResults();
    };

    const current = (): Query | undefined => {
      if (by === 'customer') {
        const userId = choice.userId.trim();
        return choice.channel && userId ? { by: 'customer', customer: `${choice.channel}:${userId}` } : undefined;
      }
      return choice.flowId && choice.blockId ? { by: 'card', flowId: choice.flowId, blockId: choice.blockId } : undefined;
    };

    const drawControls = () => {
      const radio = (value: 'customer' | 'card', key: Key) =>
        h(
          'div',
          { class: 'check' },
          h('input', {
            type: 'radio',
            name: 'log-by',
            id: `log-by-${value}`,
            value,
            checked: by === value,
            onchange: () => {
              by = value;
              drawControls();
              document.getElementById(`log-by-${value}`)?.focus();
            },
          }),
          h('label', { for: `log-by-${value}` }, t(key)),
        );
      const field = (id: string, key: Key, input: HTMLElement, hint?: Key) =>
        h('div', { class: 'field' }, h('label', { for: id }, t(key)), input, hint && h('p', { id: `${id}-hint`, class: 'hint' }, t(hint)));
      const customerFields = [
        channels.length
          ? field(
              'log-channel',
              'channel',
              h(
                'select',
                { id: 'log-channel', onchange: (event) => (choice.channel = (event.target as HTMLSelectElement).value) },
                ...channels.map((c) =>
                  h(
                    'option',
                    { value: `${c.kind}:${c.channelId}`, selected: choice.channel === `${c.kind}:${c.channelId}` },
                    `${KINDS[c.kind] ?? c.kind} ${c.channelId}${c.name ? ` (${c.name})` : ''}`,
                  ),
                ),
              ),
            )
          : h('p', {}, t('noChannels')),
        h(
          'div',
          { class: 'grow' },
          field(
            'log-user',
            'userId',
            h('input', {
              id: 'log-user',
              value: choice.userId,
              required: true,
              autocomplete: 'off',
              spellcheck: 'false',
              'aria-describedby': 'log-user-hint',
              oninput: (event) => (choice.userId = (event.target as HTMLInputElement).value),
            }),
            'userIdHint',
          ),
        ),
      ];
      const flowCards = cards.get(choice.flowId);
      const cardFields = [
        field(
          'log-flow',
          'flow',
          h(
            'select',
            {
              id: 'log-flow',
              onchange: async (event) => {
                choice.flowId = (event.target as HTMLSelectElement).value;
                await loadCards(choice.flowId);
                if (!live()) return;
                drawControls();
                document.getElementById('log-flow')?.focus();
              },
            },
            ...flows.map((f) => h('option', { value: f.flowId, selected: choice.flowId === f.flowId }, `${f.name} (${f.flowId})`)),
          ),
        ),
        flowCards?.length === 0
          ? h('p', {}, t('noCards'))
          : field(
              'log-card',
              'card',
              h(
                'select',
                { id: 'log-card', onchange: (event) => (choice.blockId = (event.target as HTMLSelectElement).value) },
                ...(flowCards ?? []).map((id) => h('option', { value: id, selected: choice.blockId === id }, id)),
              ),
            ),
      ];
      controls.replaceChildren(
        h(
          'form',
          {
            id: 'log-form',
            onsubmit: (event) => {
              event.preventDefault();
              const query = current();
              if (query) void show(query);
            },
          },
          h('fieldset', { class: 'inline' }, h('legend', {}, t('by')), radio('customer', 'byCustomer'), radio('card', 'byCard')),
          h(
            'div',
            { class: 'row' },
            ...(by === 'customer' ? customerFields : cardFields),
            h('button', { type: 'submit', class: 'primary', disabled: busy }, t('show')),
          ),
        ),
      );
    };

    const describe = (query: Query) =>
      query.by === 'customer'
        ? query.customer
        : `${query.flowId}${query.version !== undefined ? ` v${query.version}` : ''} › ${query.blockId}${query.from !== undefined && query.to !== undefined ? ` (${when(query.from)} – ${when(query.to)})` : ''}`;

    // ---- the card's health and alert rules (GET /admin/health, PUT /admin/alerts/…) ----

    const loadHealth = async (flowId: string, blockId: string) => {
      healthBusy = true;
      healthNote = undefined;
      if (health && (health.flowId !== flowId || health.blockId !== blockId)) {
        health = undefined;
        healthVersion = undefined;
      }
      drawHealth();
      const params = new URLSearchParams({ flowId, blockId, window: healthWindow });
      if (healthVersion !== undefined) params.set('version', String(healthVersion));
      const result = await ctx.call<CardHealth>('GET', `/admin/health?${params.toString()}`);
      healthBusy = false;
      if (!live()) return;
      if (result.ok) health = result.body;
      else healthNote = failureNote(result);
      drawHealth();
    };

    const saveAlert = async (rule: AlertRule) => {
      if (!health) return;
      const { flowId, blockId } = health;
      healthBusy = true;
      alertNote = { kind: 'ok', key: 'savingAlert' };
      drawHealth();
      const result = await ctx.call<AlertView>('PUT', `/admin/alerts/${encodeURIComponent(flowId)}/${encodeURIComponent(blockId)}`, rule);
      healthBusy = false;
      if (!live()) return;
      alertNote = result.ok ? { kind: 'ok', key: 'savedAlert' } : failureNote(result);
      await loadHealth(flowId, blockId);
      document.getElementById('alert-status')?.focus();
    };

    const drawHealth = () => {
      const query = shown?.query;
      // Only a card has a health: otherwise the section (and its heading) is not there.
      healthSection.hidden = !query || query.by !== 'card';
      if (!query || query.by !== 'card') return healthSection.replaceChildren();
      const { flowId, blockId } = query;
      const windowChoice = h(
        'div',
        { class: 'field' },
        h('label', { for: 'health-window' }, healthText(ctx.lang, 'window')),
        h(
          'select',
          {
            id: 'health-window',
            disabled: healthBusy,
            onchange: (event) => {
              healthWindow = (event.target as HTMLSelectElement).value as Window;
              void loadHealth(flowId, blockId).then(() => document.getElementById('health-window')?.focus());
            },
          },
          ...WINDOWS.map((w) => h('option', { value: w, selected: w === healthWindow }, healthText(ctx.lang, w))),
        ),
      );
      const ready = health && health.flowId === flowId && health.blockId === blockId ? health : undefined;
      const versions = (ready?.versions ?? []).flatMap((v) => (v.version !== undefined ? [v.version] : []));
      const versionChoice = h(
        'div',
        { class: 'field' },
        h('label', { for: 'health-version' }, healthText(ctx.lang, 'versionChoice')),
        h(
          'select',
          {
            id: 'health-version',
            disabled: healthBusy,
            onchange: (event) => {
              const value = (event.target as HTMLSelectElement).value;
              healthVersion = value === '' ? undefined : Number(value);
              void loadHealth(flowId, blockId).then(() => document.getElementById('health-version')?.focus());
            },
          },
          h('option', { value: '', selected: healthVersion === undefined }, healthText(ctx.lang, 'allVersions')),
          ...versions.map((v) => h('option', { value: String(v), selected: v === healthVersion }, `v${v}`)),
        ),
      );
      // A point of one version's chart lists that version's calls.
      const onPoint = (from: string, to: string) =>
        void show({ by: 'card', flowId, blockId, from, to, ...(healthVersion !== undefined ? { version: healthVersion } : {}) }).then(() =>
          document.getElementById('log-heading')?.focus(),
        );
      healthSection.replaceChildren(
        h('h2', { id: 'health-heading' }, `${healthText(ctx.lang, 'heading')}: ${flowId} › ${blockId}`),
        h('div', { class: 'row' }, windowChoice, versionChoice),
        noteLine(healthNote, 'health-status'),
        ready ? healthView({ lang: ctx.lang, health: ready, onPoint }) : h('p', { role: 'status' }, healthText(ctx.lang, 'loading')),
        h('h3', {}, healthText(ctx.lang, 'alertHeading')),
        ready ? alertLine(ctx.lang, ready.alert) : '',
        noteLine(alertNote, 'alert-status'),
        ready ? alertForm(ctx.lang, ready.alert?.rule, healthBusy, (rule) => void saveAlert(rule)) : '',
      );
    };

    const drawResults = (loading = false) => {
      if (!shown)
        return results.replaceChildren(
          h('h2', { id: 'log-heading' }, t('heading')),
          noteLine(logNote, 'log-status'),
          h('p', { class: 'hint' }, t('choose')),
        );
      const { query, entries, cursor } = shown;
      const heading = h('h2', { id: 'log-heading', tabindex: '-1' }, t('logFor', { what: describe(query) }));
      const refresh = h('button', { type: 'button', disabled: busy, onclick: () => void show(query) }, t('refresh'));
      // A chart point's range: back to the card's whole log.
      const whole =
        query.by === 'card' && query.from !== undefined
          ? h(
              'button',
              {
                type: 'button',
                id: 'log-all-times',
                disabled: busy,
                onclick: () => void show({ by: 'card', flowId: query.flowId, blockId: query.blockId }),
              },
              t('allTimes'),
            )
          : '';
      const rows = entries.map((e) =>
        h(
          'tr',
          { class: `outcome-${e.outcome}` },
          h('td', {}, h('time', { datetime: e.at }, when(e.at))),
          h(
            'td',
            {},
            query.by === 'card'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'link',
                    'aria-label': t('customerLog', { customer: e.customer }),
                    onclick: () => {
                      const [kind = '', channelId = '', ...user] = e.customer.split(':');
                      by = 'customer';
                      choice.channel = `${kind}:${channelId}`;
                      choice.userId = user.join(':');
                      void show({ by: 'customer', customer: e.customer });
                    },
                  },
                  e.customer,
                )
              : h('code', {}, e.customer),
          ),
          h('td', {}, h('code', {}, `${e.flowId} › ${e.blockId}`)),
          h('td', { class: 'request' }, h('code', {}, `${e.method} ${e.url}`)),
          h(
            'td',
            {},
            h('span', { class: e.outcome === 'failure' ? 'error' : 'ok' }, t(e.outcome)),
            e.reason !== undefined && ` (${e.reason})`,
            e.warning !== undefined && h('span', { class: 'warning' }, ` (${e.warning})`),
          ),
          h('td', {}, e.status === undefined ? '—' : String(e.status)),
          h('td', { class: 'number' }, t('ms', { ms: String(Math.round(e.latencyMs)) })),
          h('td', { class: 'number' }, String(e.attempt)),
        ),
      );
      const head = h(
        'tr',
        {},
        ...(['colTime', 'colCustomer', 'colCard', 'colRequest', 'colOutcome', 'colStatus', 'colDuration', 'colAttempt'] as const).map(
          (key) => h('th', { scope: 'col' }, t(key)),
        ),
      );
      results.replaceChildren(
        heading,
        h('div', { class: 'toolbar' }, refresh, whole, ...(query.by === 'customer' ? contactTools(query.customer) : [])),
        noteLine(logNote, 'log-status'),
        loading && !entries.length
          ? h('p', { role: 'status' }, t('loading'))
          : entries.length
            ? h('div', { class: 'scroll' }, h('table', { id: 'log' }, h('thead', {}, head), h('tbody', {}, ...rows)))
            : h('p', { role: 'status' }, t('empty')),
        cursor !== undefined ? h('button', { type: 'button', disabled: busy, onclick: () => void show(query, true) }, t('more')) : '',
      );
    };

    // ---- the customer: export and erasure (GET …/export, DELETE of the contact) ----

    const contactPath = (customer: string) => {
      const [kind = '', channelId = '', ...user] = customer.split(':');
      return `/admin/contacts/${encodeURIComponent(kind)}/${encodeURIComponent(channelId)}/${encodeURIComponent(user.join(':'))}`;
    };
    const yesNo = (value: boolean) => t(value ? 'yes' : 'no');

    const contactTools = (customer: string) => [
      h(
        'button',
        {
          type: 'button',
          id: 'contact-export',
          disabled: busy,
          'aria-label': t('exportLabel', { customer }),
          onclick: () => void exportCustomer(customer),
        },
        t('exportCustomer'),
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'contact-erase',
          class: 'danger',
          disabled: busy,
          'aria-label': t('eraseLabel', { customer }),
          onclick: () => void eraseCustomer(customer),
        },
        t('eraseCustomer'),
      ),
    ];

    const exportCustomer = async (customer: string) => {
      busy = true;
      logNote = { kind: 'ok', key: 'exporting' };
      drawResults();
      const result = await ctx.call<ContactExport>('GET', `${contactPath(customer)}/export`);
      busy = false;
      if (!live()) return;
      if (result.ok) {
        // A file to hand on to the customer (an access request): the API's JSON as it came.
        const file = `callcard-${customer.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`;
        const link = h('a', {
          href: URL.createObjectURL(new Blob([JSON.stringify(result.body, null, 2)], { type: 'application/json' })),
          download: file,
        });
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
        logNote = {
          kind: 'ok',
          key: 'exported',
          values: {
            customer,
            file,
            profile: yesNo(result.body.profile !== null),
            binding: yesNo(result.body.binding !== null),
            logEntries: String(result.body.logEntries.length),
            outbox: String(result.body.outbox.length),
          },
        };
      } else logNote = failureNote(result);
      drawResults();
      document.getElementById('log-status')?.focus();
    };

    const eraseCustomer = async (customer: string) => {
      if (!window.confirm(t('confirmErase', { customer }))) return;
      busy = true;
      logNote = { kind: 'ok', key: 'erasing' };
      drawResults();
      const result = await ctx.call<ContactDeleted>('DELETE', contactPath(customer));
      busy = false;
      if (!live()) return;
      if (!result.ok) {
        logNote = failureNote(result);
        drawResults();
        return;
      }
      const { profile, binding, session, logEntries, outbox } = result.body.deleted;
      await show({ by: 'customer', customer });
      if (!live()) return;
      // What was erased, said after the (now empty) log is read again.
      logNote = {
        kind: 'ok',
        key: 'erased',
        values: {
          customer,
          profile: yesNo(profile),
          binding: yesNo(binding),
          session: yesNo(session),
          logEntries: String(logEntries),
          outbox: String(outbox),
        },
      };
      drawResults();
      document.getElementById('log-status')?.focus();
    };

    // ---- privacy settings (PUT /admin/settings: personalAttributes, retention) ----

    const loadPrivacy = async () => {
      const result = await ctx.call<Settings>('GET', '/admin/settings');
      if (!live()) return;
      if (result.ok) privacy = { personalAttributes: result.body.personalAttributes, retention: result.body.retention };
      else privacyNote = failureNote(result);
      drawPrivacy();
    };

    const savePrivacy = async (form: HTMLFormElement) => {
      const value = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement | null)?.value ?? '';
      const days = (id: string) => Number(value(id));
      const body = {
        personalAttributes: value('privacy-personal')
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
        retention: {
          logDays: days('privacy-log-days'),
          simulatorDays: days('privacy-simulator-days'),
          idleCustomerDays: days('privacy-idle-days'),
        },
      };
      privacyBusy = true;
      privacyNote = { kind: 'ok', key: 'savingPrivacy' };
      drawPrivacy();
      const result = await ctx.call<Settings>('PUT', '/admin/settings', body);
      privacyBusy = false;
      if (!live()) return;
      if (result.ok) {
        privacy = { personalAttributes: result.body.personalAttributes, retention: result.body.retention };
        privacyNote = { kind: 'ok', key: 'savedPrivacy' };
      } else privacyNote = failureNote(result);
      drawPrivacy();
      document.getElementById('privacy-status')?.focus();
    };

    const drawPrivacy = () => {
      const heading = h('h2', { id: 'privacy-heading' }, t('privacyHeading'));
      if (!privacy)
        return privacySection.replaceChildren(
          heading,
          privacyNote ? noteLine(privacyNote, 'privacy-status') : h('p', { role: 'status' }, t('loading')),
        );
      const number = (id: string, key: Key, value: number, max: number) =>
        h(
          'div',
          { class: 'field' },
          h('label', { for: id }, t(key)),
          h('input', {
            id,
            type: 'number',
            min: '1',
            max: String(max),
            step: '1',
            inputmode: 'numeric',
            required: true,
            value: String(value),
          }),
        );
      privacySection.replaceChildren(
        heading,
        h('p', { class: 'hint' }, t('privacyIntro')),
        h(
          'form',
          {
            id: 'privacy-form',
            onsubmit: (event) => {
              event.preventDefault();
              void savePrivacy(event.currentTarget as HTMLFormElement);
            },
          },
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'privacy-personal' }, t('personalAttributes')),
            h('input', {
              id: 'privacy-personal',
              value: privacy.personalAttributes.join(', '),
              autocomplete: 'off',
              spellcheck: 'false',
              'aria-describedby': 'privacy-personal-hint',
            }),
            h('p', { id: 'privacy-personal-hint', class: 'hint' }, t('personalAttributesHint')),
          ),
          h(
            'div',
            { class: 'row' },
            number('privacy-log-days', 'logDays', privacy.retention.logDays, 365),
            number('privacy-simulator-days', 'simulatorDays', privacy.retention.simulatorDays, 30),
            number('privacy-idle-days', 'idleCustomerDays', privacy.retention.idleCustomerDays, 3650),
          ),
          h('button', { type: 'submit', class: 'primary', disabled: privacyBusy }, t('savePrivacy')),
        ),
        noteLine(privacyNote, 'privacy-status'),
      );
    };

    // ---- failed jobs ----

    const loadFailed = async () => {
      const result = await ctx.call<FailedJobList>('GET', '/admin/failed-jobs');
      if (!live()) return;
      failedNote = result.ok ? undefined : failureNote(result);
      if (result.ok) failed = result.body.jobs;
      drawFailed();
    };

    const redrive = async (target: { messageId: string } | { all: true }) => {
      if ('all' in target && !window.confirm(t('confirmAll', { count: String(failed?.length ?? 0) }))) return;
      failedBusy = true;
      failedActionNote = { kind: 'ok', key: 'redriving' };
      drawFailed();
      const result = await ctx.call<RedriveResult>('POST', '/admin/failed-jobs/redrive', target);
      failedBusy = false;
      if (!live()) return;
      failedActionNote = !result.ok
        ? failureNote(result)
        : result.body.redriven.length
          ? { kind: 'ok', key: 'redriven', values: { count: String(result.body.redriven.length) } }
          : { kind: 'error', key: 'redrivenNone' };
      await loadFailed();
      if (live()) document.getElementById('redrive-status')?.focus();
    };

    const remove = async (target: { job: FailedJob } | 'all') => {
      const confirmed =
        target === 'all'
          ? window.confirm(t('confirmDeleteAll', { count: String(failed?.length ?? 0) }))
          : window.confirm(t('confirmDelete', { job: target.job.jobId }));
      if (!confirmed) return;
      failedBusy = true;
      failedActionNote = { kind: 'ok', key: 'deleting' };
      drawFailed();
      const result = await ctx.call<DeletedFailedJobs>(
        'DELETE',
        target === 'all' ? '/admin/failed-jobs?all=true' : `/admin/failed-jobs/${encodeURIComponent(target.job.messageId)}`,
      );
      failedBusy = false;
      if (!live()) return;
      failedActionNote = !result.ok
        ? failureNote(result)
        : result.body.deleted.length
          ? { kind: 'ok', key: 'deleted', values: { count: String(result.body.deleted.length) } }
          : { kind: 'error', key: 'deletedNone' };
      await loadFailed();
      if (live()) document.getElementById('redrive-status')?.focus();
    };

    const eventText = (event: Record<string, unknown>) => {
      const detail = ['text', 'data', 'action'].map((k) => event[k]).find((v) => typeof v === 'string');
      return `${String(event.type ?? '?')}${typeof detail === 'string' ? `: ${detail}` : ''}`;
    };

    const drawFailed = () => {
      const heading = h('h2', { id: 'failed-heading' }, t('failedHeading'));
      const tools = h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'button', id: 'failed-refresh', disabled: failedBusy, onclick: () => void loadFailed() }, t('refresh')),
        failed !== undefined &&
          failed.length > 0 &&
          h('button', { type: 'button', disabled: failedBusy, onclick: () => void redrive({ all: true }) }, t('redriveAll')),
        failed !== undefined &&
          failed.length > 0 &&
          h('button', { type: 'button', class: 'danger', disabled: failedBusy, onclick: () => void remove('all') }, t('deleteAll')),
      );
      const body: Node[] = [];
      if (failedNote) body.push(noteLine(failedNote, 'failed-status'));
      else if (!failed) body.push(h('p', { role: 'status' }, t('loading')));
      else if (!failed.length) body.push(h('p', {}, t('noFailed')));
      else {
        const rows = failed.map((job) =>
          h(
            'tr',
            { 'data-message': job.messageId },
            h(
              'td',
              {},
              job.queuedAt ? h('time', { datetime: job.queuedAt }, when(job.queuedAt)) : when(new Date(job.receivedAt).toISOString()),
            ),
            h('th', { scope: 'row' }, h('code', {}, `${job.channel.kind}:${job.channel.id}:${job.userId}`)),
            h('td', {}, eventText(job.event)),
            h('td', {}, h('code', {}, `${job.flow.flowId} v${job.flow.version}`)),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  disabled: failedBusy,
                  'aria-label': t('redriveLabel', { job: job.jobId }),
                  onclick: () => void redrive({ messageId: job.messageId }),
                },
                t('redrive'),
              ),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  disabled: failedBusy,
                  'aria-label': t('deleteLabel', { job: job.jobId }),
                  onclick: () => void remove({ job }),
                },
                t('delete'),
              ),
            ),
          ),
        );
        const head = h(
          'tr',
          {},
          ...(['colQueued', 'colCustomer', 'colEvent', 'colFlow', 'colActions'] as const).map((key) => h('th', { scope: 'col' }, t(key))),
        );
        body.push(h('div', { class: 'scroll' }, h('table', { id: 'failed-jobs' }, h('thead', {}, head), h('tbody', {}, ...rows))));
      }
      failedSection.replaceChildren(
        heading,
        h('p', { class: 'hint' }, t('failedIntro')),
        tools,
        noteLine(failedActionNote, 'redrive-status'),
        ...body,
      );
    };

    // Opened from a card in the editor ("Health and alerts of this card"): that card's log and health.
    const asked = sessionStorage.getItem(LOG_CARD_KEY);
    sessionStorage.removeItem(LOG_CARD_KEY);
    const card = asked ? (JSON.parse(asked) as { flowId?: unknown; blockId?: unknown }) : undefined;
    if (typeof card?.flowId === 'string' && typeof card.blockId === 'string') {
      by = 'card';
      choice.flowId = card.flowId;
      choice.blockId = card.blockId;
      shown = { query: { by: 'card', flowId: card.flowId, blockId: card.blockId }, entries: [] };
    }
    drawControls();
    drawResults();
    drawHealth();
    drawFailed();
    drawPrivacy();
    void loadChoices();
    void loadFailed();
    void loadPrivacy();
    if (shown) void show(shown.query);
  },
};
