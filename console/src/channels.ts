import { CHANNEL_KIND_LIST, isChannelKind, type ChannelKind } from '../../shared/domain/channelKindList';
import type { ChannelList, ChannelView, FlowList, MessengerAppList, MessengerAppView, SavedChannel } from './api';
import type { Page } from './context';
import { h } from './dom';
import { failureNote, noteLine as noteLineOf, type Note as NoteOf } from './notes';
import { defineTexts } from './i18n';

// The workspace's LINE channels and Messenger pages (and Meta apps): the exact webhook URL to paste into
// the LINE Developers console or Meta's app dashboard, whether its verification passed, the flows each
// runs; a form to add or update one. Secrets and tokens are write-only: shown masked as the API gives
// them, typed into password fields that are never prefilled, sent only when typed.

const tx = defineTexts({
  en: {
    heading: 'Channels',
    intro:
      'Paste each webhook URL into the LINE Developers console (Messaging API › Webhook URL, then Verify) or into your Meta app’s Webhooks settings (callback URL and verify token, then Verify and save).',
    loading: 'Loading…',
    refresh: 'Refresh',
    listHeading: 'LINE channels and Messenger pages',
    none: 'This workspace has no channels yet: add one below.',
    colChannel: 'Channel',
    colWebhook: 'Webhook URL',
    colVerified: 'Verification',
    colFlows: 'Active flows',
    colCredentials: 'Credentials (masked)',
    colActions: 'Actions',
    line: 'LINE',
    messenger: 'Messenger',
    underApp: 'under Meta app {app}',
    copy: 'Copy',
    copyLabel: 'Copy the webhook URL of {channel}',
    copied: 'Copied {url}',
    copyFailed: 'Could not copy: select the URL and press Ctrl+C (⌘C).',
    verified: 'Verified',
    verifiedAt: 'Verified {time}',
    notVerified: 'Not verified yet',
    lineHow: 'Press Verify in the LINE Developers console.',
    metaHow: 'Verify the callback URL in the Meta app dashboard.',
    noFlows: 'None: publish a flow to it.',
    secret: 'Secret',
    accessToken: 'Access token',
    verifyToken: 'Verify token',
    edit: 'Edit',
    editLabel: 'Edit {channel}',
    appsHeading: 'Meta apps',
    colApp: 'App',
    colPages: 'Pages',
    formHeading: 'Add or update a channel',
    editing: 'Updating {channel}. Secrets left empty keep their saved values.',
    newChannel: 'New channel instead',
    kind: 'Platform',
    lineId: 'Channel ID',
    lineIdHint: 'From the LINE Developers console, Basic settings.',
    pageId: 'Page ID',
    pageIdHint: 'The Facebook page’s numeric id.',
    name: 'Name (optional)',
    app: 'Meta app',
    noApp: 'None: the page has its own app secret and verify token',
    lineSecret: 'Channel secret',
    appSecret: 'App secret',
    lineToken: 'Channel access token',
    pageToken: 'Page access token',
    verifyTokenLabel: 'Verify token',
    verifyTokenHint: 'Any text you choose: type the same in Meta’s Webhooks settings.',
    credentials: 'Credentials',
    writeOnly: 'Write-only: these are never shown again. When updating, leave a field empty to keep its saved value.',
    save: 'Save channel',
    saving: 'Saving…',
    created: '{channel} added. Paste its webhook URL: {url}',
    updated: '{channel} updated.',
    needId: 'Give the channel ID.',
  },
  'zh-TW': {
    heading: '頻道',
    intro:
      '請將各頻道的 Webhook 網址貼到 LINE Developers 主控台（Messaging API › Webhook URL，再按 Verify），或貼到 Meta 應用程式的 Webhooks 設定（回呼網址與驗證權杖，再按驗證並儲存）。',
    loading: '載入中…',
    refresh: '重新整理',
    listHeading: 'LINE 頻道與 Messenger 粉絲專頁',
    none: '這個工作區還沒有頻道：請在下方新增。',
    colChannel: '頻道',
    colWebhook: 'Webhook 網址',
    colVerified: '驗證',
    colFlows: '啟用中的流程',
    colCredentials: '憑證（已遮蔽）',
    colActions: '操作',
    line: 'LINE',
    messenger: 'Messenger',
    underApp: '隸屬 Meta 應用程式 {app}',
    copy: '複製',
    copyLabel: '複製 {channel} 的 Webhook 網址',
    copied: '已複製 {url}',
    copyFailed: '無法複製：請選取網址後按 Ctrl+C（⌘C）。',
    verified: '已驗證',
    verifiedAt: '已驗證（{time}）',
    notVerified: '尚未驗證',
    lineHow: '請在 LINE Developers 主控台按 Verify。',
    metaHow: '請在 Meta 應用程式主控台驗證回呼網址。',
    noFlows: '無：請發布流程到這個頻道。',
    secret: '密鑰',
    accessToken: '存取權杖',
    verifyToken: '驗證權杖',
    edit: '編輯',
    editLabel: '編輯 {channel}',
    appsHeading: 'Meta 應用程式',
    colApp: '應用程式',
    colPages: '粉絲專頁',
    formHeading: '新增或更新頻道',
    editing: '正在更新 {channel}。密鑰欄位留空即保留已儲存的值。',
    newChannel: '改為新增頻道',
    kind: '平台',
    lineId: 'Channel ID',
    lineIdHint: '在 LINE Developers 主控台的 Basic settings 中。',
    pageId: '粉絲專頁 ID',
    pageIdHint: 'Facebook 粉絲專頁的數字 ID。',
    name: '名稱（選填）',
    app: 'Meta 應用程式',
    noApp: '無：粉絲專頁使用自己的應用程式密鑰與驗證權杖',
    lineSecret: 'Channel secret',
    appSecret: '應用程式密鑰',
    lineToken: 'Channel access token',
    pageToken: '粉絲專頁存取權杖',
    verifyTokenLabel: '驗證權杖',
    verifyTokenHint: '自訂的任意文字：在 Meta 的 Webhooks 設定中輸入相同的值。',
    credentials: '憑證',
    writeOnly: '僅能寫入：以下欄位儲存後不會再顯示。更新時留空即保留已儲存的值。',
    save: '儲存頻道',
    saving: '儲存中…',
    created: '已新增 {channel}。請貼上它的 Webhook 網址：{url}',
    updated: '已更新 {channel}。',
    needId: '請輸入頻道 ID。',
  },
});
type Key = Parameters<typeof tx>[1];

/** A line to show: a text key (translated when drawn) or the API's words. */
type Note = NoteOf<Key>;

// The page's state: kept across remounts (a language switch draws it again).
let channels: ChannelView[] | undefined;
let apps: MessengerAppView[] = [];
let flowNames = new Map<string, string>();
let loadError: string | undefined;
/** The form's plain fields (never a secret); `editing` when it updates a listed channel. */
let form = { kind: CHANNEL_KIND_LIST[0] as ChannelKind, channelId: '', name: '', appId: '', editing: false };
let outcome: Note | undefined;
let copyNote: Note | undefined;
let saving = false;
/** Only the latest mount draws. */
let mounts = 0;

export const channelsPage: Page = {
  mount(root, ctx) {
    const mount = ++mounts;
    const t = (key: Key, values?: Record<string, string>) => tx(ctx.lang, key, values);
    const live = () => mount === mounts;
    const when = (iso: string) => {
      const date = new Date(iso);
      return isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(ctx.lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
    };
    const noteLine = (note: Note | undefined, id: string) => noteLineOf(note, id, t);
    const label = (c: { kind: ChannelKind; channelId: string }) => `${t(c.kind)} ${c.channelId}`;
    const urlOf = (c: ChannelView) =>
      c.kind === 'line'
        ? `${location.origin}/webhooks/line/${encodeURIComponent(c.channelId)}`
        : c.appId !== undefined
          ? `${location.origin}/webhooks/messenger/apps/${encodeURIComponent(c.appId)}`
          : `${location.origin}/webhooks/messenger/${encodeURIComponent(c.channelId)}`;

    const list = h('section', { 'aria-labelledby': 'channels-list-heading' });
    const appList = h('section', { 'aria-labelledby': 'apps-heading' });
    const formSection = h('section', { 'aria-labelledby': 'channel-form-heading', class: 'card channel-form' });
    root.replaceChildren(
      h('h1', { id: 'view-heading', tabindex: '-1' }, t('heading')),
      h('p', { class: 'hint' }, t('intro')),
      h('div', { class: 'toolbar' }, h('button', { type: 'button', id: 'channels-refresh', onclick: () => void load() }, t('refresh'))),
      list,
      appList,
      formSection,
    );

    const load = async (): Promise<void> => {
      const [listed, appsListed, flows] = await Promise.all([
        ctx.call<ChannelList>('GET', '/admin/channels'),
        ctx.call<MessengerAppList>('GET', '/admin/messenger-apps'),
        ctx.call<FlowList>('GET', '/admin/flows'),
      ]);
      if (!live()) return;
      loadError = listed.ok ? undefined : listed.text;
      if (listed.ok) channels = listed.body.channels;
      if (appsListed.ok) apps = appsListed.body.apps;
      if (flows.ok) flowNames = new Map(flows.body.flows.map((f) => [f.flowId, f.name]));
      drawList();
      drawForm();
    };

    const copy = async (url: string, field: HTMLElement) => {
      try {
        await navigator.clipboard.writeText(url);
        copyNote = { kind: 'ok', key: 'copied', values: { url } };
      } catch {
        getSelection()?.selectAllChildren(field);
        copyNote = { kind: 'error', key: 'copyFailed' };
      }
      if (live()) document.getElementById('copy-status')?.replaceWith(noteLine(copyNote, 'copy-status'));
    };

    const webhookCell = (url: string, what: string, id: string) => {
      const code = h('code', { class: 'webhook-url', id }, url);
      return h(
        'td',
        {},
        h(
          'div',
          { class: 'webhook' },
          code,
          h('button', { type: 'button', 'aria-label': t('copyLabel', { channel: what }), onclick: () => void copy(url, code) }, t('copy')),
        ),
      );
    };

    const verifiedCell = (verifiedAt: string | undefined, how: Key) =>
      h(
        'td',
        { class: 'verification' },
        verifiedAt !== undefined
          ? h(
              'span',
              { class: 'ok' },
              '✓ ',
              h('time', { datetime: verifiedAt, title: t('verified') }, t('verifiedAt', { time: when(verifiedAt) })),
            )
          : h('span', { class: 'pending' }, t('notVerified'), h('br'), h('small', { class: 'hint' }, t(how))),
      );

    const drawList = () => {
      const heading = h('h2', { id: 'channels-list-heading' }, t('listHeading'));
      if (loadError !== undefined && !channels)
        return list.replaceChildren(heading, noteLine({ kind: 'error', text: loadError }, 'channels-status'));
      if (!channels) return list.replaceChildren(heading, h('p', { role: 'status' }, t('loading')));
      if (!channels.length) return list.replaceChildren(heading, h('p', {}, t('none')));
      const rows = channels.map((c, i) => {
        const masked = [
          c.secret !== undefined && `${t('secret')} ${c.secret}`,
          `${t('accessToken')} ${c.accessToken}`,
          c.verifyToken !== undefined && `${t('verifyToken')} ${c.verifyToken}`,
        ].filter((line): line is string => typeof line === 'string');
        return h(
          'tr',
          { 'data-channel': `${c.kind}:${c.channelId}` },
          h(
            'th',
            { scope: 'row' },
            label(c),
            c.name && h('br'),
            c.name && h('span', { class: 'hint' }, c.name),
            c.appId !== undefined && h('br'),
            c.appId !== undefined && h('small', { class: 'hint' }, t('underApp', { app: c.appId })),
          ),
          webhookCell(urlOf(c), label(c), `webhook-${i}`),
          verifiedCell(c.verifiedAt, c.kind === 'line' ? 'lineHow' : 'metaHow'),
          h(
            'td',
            {},
            c.activeFlows.length
              ? h(
                  'ul',
                  { class: 'plain' },
                  ...c.activeFlows.map((f) =>
                    h(
                      'li',
                      {},
                      h('a', { href: `#/flows/${encodeURIComponent(f.flowId)}` }, flowNames.get(f.flowId) ?? f.flowId),
                      ` v${f.version}`,
                    ),
                  ),
                )
              : h('span', { class: 'hint' }, t('noFlows')),
          ),
          h('td', {}, h('ul', { class: 'plain masked' }, ...masked.map((line) => h('li', {}, line)))),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                'aria-label': t('editLabel', { channel: label(c) }),
                onclick: () => {
                  form = { kind: c.kind, channelId: c.channelId, name: c.name, appId: c.appId ?? '', editing: true };
                  outcome = undefined;
                  drawForm();
                  document.getElementById('channel-name')?.focus();
                },
              },
              t('edit'),
            ),
          ),
        );
      });
      const head = h(
        'tr',
        {},
        ...(['colChannel', 'colWebhook', 'colVerified', 'colFlows', 'colCredentials', 'colActions'] as const).map((key) =>
          h('th', { scope: 'col' }, t(key)),
        ),
      );
      list.replaceChildren(
        heading,
        h('div', { class: 'scroll' }, h('table', { id: 'channels' }, h('thead', {}, head), h('tbody', {}, ...rows))),
        noteLine(copyNote, 'copy-status'),
      );
      drawApps();
    };

    const drawApps = () => {
      if (!apps.length) return appList.replaceChildren();
      const rows = apps.map((app, i) =>
        h(
          'tr',
          { 'data-app': app.appId },
          h('th', { scope: 'row' }, app.appId, app.name && h('br'), app.name && h('span', { class: 'hint' }, app.name)),
          webhookCell(`${location.origin}${app.webhookPath}`, `${t('colApp')} ${app.appId}`, `app-webhook-${i}`),
          verifiedCell(app.verifiedAt, 'metaHow'),
          h('td', {}, app.pages.join(', ')),
          h(
            'td',
            {},
            h(
              'ul',
              { class: 'plain masked' },
              h('li', {}, `${t('secret')} ${app.secret}`),
              h('li', {}, `${t('verifyToken')} ${app.verifyToken}`),
            ),
          ),
        ),
      );
      const head = h(
        'tr',
        {},
        ...(['colApp', 'colWebhook', 'colVerified', 'colPages', 'colCredentials'] as const).map((key) => h('th', { scope: 'col' }, t(key))),
      );
      appList.replaceChildren(
        h('h2', { id: 'apps-heading' }, t('appsHeading')),
        h('div', { class: 'scroll' }, h('table', { id: 'apps' }, h('thead', {}, head), h('tbody', {}, ...rows))),
      );
    };

    const field = (id: string, labelText: string, input: HTMLElement, hint?: string) =>
      h(
        'div',
        { class: 'field' },
        h('label', { for: id }, labelText),
        input,
        hint !== undefined && h('p', { id: `${id}-hint`, class: 'hint' }, hint),
      );
    const secretInput = (id: string, required: boolean) =>
      h('input', {
        id,
        name: id,
        type: 'password',
        autocomplete: 'new-password',
        spellcheck: 'false',
        'aria-describedby': 'channel-write-only',
        ...(required ? { required: true } : {}),
      });

    const drawForm = () => {
      const line = form.kind === 'line';
      const underApp = !line && form.appId !== '';
      const isNew = !form.editing;
      const kind = h(
        'select',
        {
          id: 'channel-kind',
          disabled: form.editing,
          onchange: (event) => {
            const chosen = (event.target as HTMLSelectElement).value;
            form.kind = isChannelKind(chosen) ? chosen : CHANNEL_KIND_LIST[0];
            drawForm();
            document.getElementById('channel-kind')?.focus();
          },
        },
        // One choice per channel kind (shared/domain/channelKindList.ts, the registry's kinds).
        ...CHANNEL_KIND_LIST.map((k) => h('option', { value: k, selected: form.kind === k }, t(k))),
      );
      const id = h('input', {
        id: 'channel-id',
        name: 'channel-id',
        value: form.channelId,
        required: true,
        readonly: form.editing,
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'channel-id-hint',
        pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}',
        oninput: (event) => (form.channelId = (event.target as HTMLInputElement).value),
      });
      const name = h('input', {
        id: 'channel-name',
        name: 'channel-name',
        value: form.name,
        maxlength: '200',
        oninput: (event) => (form.name = (event.target as HTMLInputElement).value),
      });
      const app = h(
        'select',
        {
          id: 'channel-app',
          onchange: (event) => {
            form.appId = (event.target as HTMLSelectElement).value;
            drawForm();
            document.getElementById('channel-app')?.focus();
          },
        },
        h('option', { value: '', selected: form.appId === '' }, t('noApp')),
        ...apps.map((a) => h('option', { value: a.appId, selected: form.appId === a.appId }, `${a.appId}${a.name ? ` (${a.name})` : ''}`)),
      );
      const submit = h('button', { type: 'submit', class: 'primary', disabled: saving }, saving ? t('saving') : t('save'));
      formSection.replaceChildren(
        h('h2', { id: 'channel-form-heading' }, t('formHeading')),
        form.editing
          ? h(
              'p',
              { class: 'hint' },
              t('editing', { channel: label(form) }),
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  onclick: () => {
                    form = { kind: form.kind, channelId: '', name: '', appId: '', editing: false };
                    drawForm();
                    document.getElementById('channel-id')?.focus();
                  },
                },
                t('newChannel'),
              ),
            )
          : '',
        h(
          'form',
          { id: 'channel-form', onsubmit: (event) => void save(event) },
          h(
            'div',
            { class: 'row' },
            field('channel-kind', t('kind'), kind),
            h('div', { class: 'grow' }, field('channel-id', t(line ? 'lineId' : 'pageId'), id, t(line ? 'lineIdHint' : 'pageIdHint'))),
          ),
          field('channel-name', t('name'), name),
          !line && (apps.length > 0 || underApp) && field('channel-app', t('app'), app),
          // The write-only hint heads the secret fields it is about (not under the name, where it read as the name's).
          h(
            'fieldset',
            { id: 'channel-credentials' },
            h('legend', {}, t('credentials')),
            h('p', { id: 'channel-write-only', class: 'hint' }, t('writeOnly')),
            !underApp && field('channel-secret', t(line ? 'lineSecret' : 'appSecret'), secretInput('channel-secret', isNew)),
            field('channel-token', t(line ? 'lineToken' : 'pageToken'), secretInput('channel-token', isNew)),
            !line &&
              !underApp &&
              field('channel-verify-token', t('verifyTokenLabel'), secretInput('channel-verify-token', isNew), t('verifyTokenHint')),
          ),
          submit,
          noteLine(outcome, 'channel-outcome'),
        ),
      );
    };

    const save = async (event: Event) => {
      event.preventDefault();
      const value = (id: string) => (document.getElementById(id) as HTMLInputElement | null)?.value ?? '';
      const channelId = form.channelId.trim();
      if (!channelId) {
        outcome = { kind: 'error', key: 'needId' };
        return drawForm();
      }
      const line = form.kind === 'line';
      const underApp = !line && form.appId !== '';
      // Only what was typed: an empty secret keeps the saved one.
      const body: Record<string, string> = { name: form.name.trim() };
      const typed: Array<[string, string]> = [
        ['secret', underApp ? '' : value('channel-secret')],
        ['accessToken', value('channel-token')],
        ['verifyToken', line || underApp ? '' : value('channel-verify-token')],
      ];
      for (const [key, text] of typed) if (text !== '') body[key] = text;
      if (underApp) body.appId = form.appId;
      const kind = form.kind;
      saving = true;
      outcome = undefined;
      drawForm();
      const result = await ctx.call<SavedChannel>('PUT', `/admin/channels/${kind}/${encodeURIComponent(channelId)}`, body);
      saving = false;
      if (!live()) return;
      if (!result.ok) {
        outcome = failureNote(result);
        drawForm();
        return;
      }
      const saved = result.body;
      outcome = saved.created
        ? { kind: 'ok', key: 'created', values: { channel: label(saved), url: urlOf(saved) } }
        : { kind: 'ok', key: 'updated', values: { channel: label(saved) } };
      // The saved channel is now the one the form updates; its secrets stay write-only (the inputs are redrawn empty).
      form = { kind, channelId: saved.channelId, name: saved.name, appId: saved.appId ?? '', editing: true };
      await load();
      if (live()) document.getElementById('channel-outcome')?.focus();
    };

    drawList();
    drawForm();
    void load();
  },
};
