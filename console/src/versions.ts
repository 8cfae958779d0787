import {
  flowPath,
  type ChannelList,
  type ChannelView,
  type FlowRef,
  type FlowVersion,
  type FlowVersionList,
  type PublishResult,
  type UnpublishResult,
} from './api';
import type { Outcome, PageContext } from './context';
import { h } from './dom';
import { defineTexts } from './i18n';

// The open flow's versions and the channels each runs on: publish a version to chosen channels (the
// answer says what ran there before), unpublish, roll back (publish an earlier version, confirmed),
// open an earlier version in the editor. Only the admin API: the versions, the channels' active flows.

const tx = defineTexts({
  en: {
    heading: 'Versions and channels',
    loading: 'Loading…',
    colVersion: 'Version',
    colSaved: 'Saved',
    colRuns: 'Runs on',
    colActions: 'Actions',
    version: 'version {v}',
    versionCell: 'Version {v}',
    inEditor: ' (in the editor)',
    nowhere: 'Not published',
    open: 'Open in editor',
    openLabel: 'Open version {v} in the editor',
    rollBack: 'Roll back to version {v}',
    publishLegend: 'Publish',
    chooseVersion: 'Version to publish',
    channels: 'Channels',
    box: '{channel}{name}: {state}',
    runs: 'runs version {v}',
    runsNot: 'does not run this flow',
    noChannels: 'This workspace has no channels yet.',
    publish: 'Publish',
    saveAndPublish: 'Save and publish',
    draft: 'The changes in the editor (saved first)',
    notSaved: 'Not saved yet: publishing saves it first, as version 1.',
    unsavedHint: 'Publishing the version in the editor saves your changes first, as a new version.',
    unpublish: 'Unpublish from the chosen channels',
    chooseChannel: 'Choose at least one channel.',
    confirmRollBack: 'Roll back?\n{lines}',
    nowWill: '{channel} runs version {now} now; it will run version {next}.',
    confirmUnpublish: 'Stop running this flow on: {channels}? New conversations there will not start it.',
    working: 'Working…',
    published: 'Published version {v}. Before → after:',
    unpublished: 'Unpublished. Before → after:',
    change: '{channel}: {before} → {after}',
    notRunning: 'not running',
    conflict: '{trigger}: {flow} on {channel}',
  },
  'zh-TW': {
    heading: '版本與頻道',
    loading: '載入中…',
    colVersion: '版本',
    colSaved: '儲存時間',
    colRuns: '執行於',
    colActions: '操作',
    version: '版本 {v}',
    versionCell: '版本 {v}',
    inEditor: '（編輯器中）',
    nowhere: '未發布',
    open: '在編輯器開啟',
    openLabel: '在編輯器開啟版本 {v}',
    rollBack: '復原為版本 {v}',
    publishLegend: '發布',
    chooseVersion: '要發布的版本',
    channels: '頻道',
    box: '{channel}{name}：{state}',
    runs: '執行版本 {v}',
    runsNot: '未執行這個流程',
    noChannels: '這個工作區還沒有頻道。',
    publish: '發布',
    saveAndPublish: '儲存並發布',
    draft: '編輯器中的變更（先儲存）',
    notSaved: '尚未儲存：發布時會先儲存為版本 1。',
    unsavedHint: '發布編輯器中的版本時，會先把您的變更儲存為新版本。',
    unpublish: '從勾選的頻道取消發布',
    chooseChannel: '請至少選擇一個頻道。',
    confirmRollBack: '確定要復原嗎？\n{lines}',
    nowWill: '{channel} 目前執行版本 {now}；之後將執行版本 {next}。',
    confirmUnpublish: '確定要在以下頻道停止這個流程嗎：{channels}？之後新的對話不會再啟動它。',
    working: '處理中…',
    published: '已發布版本 {v}。之前 → 之後：',
    unpublished: '已取消發布。之前 → 之後：',
    change: '{channel}：{before} → {after}',
    notRunning: '未執行',
    conflict: '{trigger}：{channel} 上的 {flow}',
  },
});

type Ref = FlowRef;
export type Channel = Pick<ChannelView, 'kind' | 'channelId' | 'name' | 'activeFlows'>;
/** What publish and unpublish both answer: each channel's active flows before and after. */
type Changes = Pick<PublishResult, 'channels'> & Pick<UnpublishResult, 'channels'>;
type VersionInfo = FlowVersionList['versions'][number];

export interface VersionsOptions {
  flowId: string;
  /** The version the editor holds (its next save's baseVersion). */
  version: number;
  ctx: PageContext;
  /** Put an earlier version's document into the editor (the admin saves it as a new version). */
  loadVersion(flow: Record<string, unknown>, version: number): void;
  /** Whether the editor holds changes not saved yet (a new flow always does). */
  unsaved(): boolean;
  /** Save the editor's changes; the panel is then mounted again with `publishAfterSave`. */
  saveThenPublish(channels: Channel[]): void;
  /** Channels to publish the just-saved version to, once this mount has loaded (Save and publish). */
  publishAfterSave?: Channel[];
}

/** The latest mount's publish button, told as the editor's text changes whether publishing saves first. */
let publishLabel: (() => void) | undefined;
export function showUnsaved(): void {
  publishLabel?.();
}

const KINDS: Record<string, string> = { line: 'LINE', messenger: 'Messenger' };
/** Only the latest mount draws: answers to an earlier one (before a save) are dropped. */
let mounts = 0;

/** The flow's versions and where each runs: publish a version to channels, roll back. */
export function mountVersions(root: HTMLElement, options: VersionsOptions): void {
  const mount = ++mounts;
  const { ctx, flowId } = options;
  const t = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const label = (c: { kind: string; channelId: string }) => `${KINDS[c.kind] ?? c.kind} ${c.channelId}`;
  const runs = (flows: Ref[]) => flows.find((f) => f.flowId === flowId)?.version;
  const describe = (flows: Ref[]) => {
    const v = runs(flows);
    return v === undefined ? t('notRunning') : t('version', { v });
  };
  const body = h('div', {}, h('p', {}, t('loading')));
  const outcome = h('div', { role: 'status', id: 'versions-outcome', tabindex: '-1' });
  const alert = h('div', { role: 'alert', id: 'versions-alert', tabindex: '-1' });
  root.setAttribute('aria-labelledby', 'versions-heading');
  root.replaceChildren(h('h2', { id: 'versions-heading' }, t('heading')), body, outcome, alert);
  let versions: VersionInfo[] = [];
  let channels: Channel[] = [];
  /** Save and publish: the version just saved goes to these channels once, when this mount has loaded. */
  let afterSave = options.publishAfterSave;

  const fail = (result: Extract<Outcome<unknown>, { ok: false }>) => {
    const { problems = [], conflicts = [] } = result.body as {
      problems?: Array<{ path: string; message: string }>;
      conflicts?: Array<{ trigger: string; flows: Ref[]; channel: Channel }>;
    };
    outcome.replaceChildren();
    alert.replaceChildren(
      h('p', { class: 'error' }, result.text),
      ...(problems.length || conflicts.length
        ? [
            h(
              'ul',
              {},
              ...problems.map((p) => h('li', {}, h('code', {}, p.path), ` ${p.message}`)),
              ...conflicts.map((c) =>
                h(
                  'li',
                  {},
                  t('conflict', { trigger: c.trigger, flow: `${c.flows[0]?.flowId} v${c.flows[0]?.version}`, channel: label(c.channel) }),
                ),
              ),
            ),
          ]
        : []),
    );
  };

  const load = async (): Promise<void> => {
    const [listed, active] = await Promise.all([
      // A flow never saved has no versions yet (the API does not know it).
      options.version === 0
        ? { ok: true as const, status: 200, body: { versions: [] as VersionInfo[] } }
        : ctx.call<FlowVersionList>('GET', `${flowPath(flowId)}/versions`),
      ctx.call<ChannelList>('GET', '/admin/channels'),
    ]);
    if (mount !== mounts) return;
    if (!listed.ok) return fail(listed);
    if (!active.ok) return fail(active);
    versions = [...listed.body.versions].sort((a, b) => b.version - a.version);
    channels = active.body.channels;
    draw();
    if (afterSave) {
      const chosen = afterSave;
      afterSave = undefined;
      void act('publish', { version: options.version, channels: chosen });
    }
  };

  /** Publish or unpublish, then say what each channel ran before and runs now. */
  const act = async (what: 'publish' | 'unpublish', request: { version?: number; channels: Channel[] }) => {
    for (const button of root.querySelectorAll('button')) button.disabled = true;
    alert.replaceChildren();
    outcome.replaceChildren(t('working'));
    const refs = request.channels.map((c) => ({ kind: c.kind, channelId: c.channelId }));
    const result = await ctx.call<Changes>('POST', `${flowPath(flowId)}/${what}`, { ...request, channels: refs });
    if (mount !== mounts) return;
    await load();
    for (const button of root.querySelectorAll('button')) button.disabled = false;
    if (!result.ok) {
      fail(result);
      return alert.focus();
    }
    outcome.replaceChildren(
      h('p', { class: 'ok' }, what === 'publish' ? t('published', { v: request.version ?? '' }) : t('unpublished')),
      h(
        'ul',
        {},
        ...result.body.channels.map((c) =>
          h('li', {}, t('change', { channel: label(c), before: describe(c.before), after: describe(c.after) })),
        ),
      ),
    );
    outcome.focus();
  };

  /** Publish `version`; moving a channel back to an earlier version is a rollback, confirmed first. */
  const publish = (version: number, chosen: Channel[]) => {
    const back = chosen.filter((c) => (runs(c.activeFlows) ?? 0) > version);
    const lines = back.map((c) => t('nowWill', { channel: label(c), now: runs(c.activeFlows) ?? '', next: version })).join('\n');
    if (back.length && !window.confirm(t('confirmRollBack', { lines }))) return;
    void act('publish', { version, channels: chosen });
  };

  const open = async (version: number) => {
    const result = await ctx.call<FlowVersion>('GET', `${flowPath(flowId)}/versions/${version}`);
    if (result.ok) options.loadVersion(result.body.flow, version);
    else fail(result);
  };

  const draw = () => {
    const when = new Intl.DateTimeFormat(ctx.lang, { dateStyle: 'medium', timeStyle: 'short' });
    const rows = versions.map(({ version, createdAt }) => {
      const where = channels.filter((c) => runs(c.activeFlows) === version);
      const newer = channels.filter((c) => (runs(c.activeFlows) ?? 0) > version);
      const date = new Date(createdAt);
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, t('versionCell', { v: version }), version === options.version && t('inEditor')),
        h('td', {}, h('time', { datetime: createdAt }, isNaN(date.getTime()) ? createdAt : when.format(date))),
        h('td', {}, where.map(label).join(', ') || t('nowhere')),
        h(
          'td',
          { class: 'actions' },
          version !== options.version &&
            h('button', { type: 'button', 'aria-label': t('openLabel', { v: version }), onclick: () => void open(version) }, t('open')),
          newer.length > 0 && h('button', { type: 'button', onclick: () => publish(version, newer) }, t('rollBack', { v: version })),
        ),
      );
    });
    const select = h(
      'select',
      { id: 'publish-version', 'aria-describedby': 'publish-version-hint' },
      ...(versions.length
        ? versions.map(({ version }) =>
            h('option', { value: String(version), selected: version === options.version }, t('versionCell', { v: version })),
          )
        : [h('option', { value: '' }, t('draft'))]),
    );
    // The version in the editor (or a flow never saved) with changes not saved: publishing saves them first.
    const saves = () => options.unsaved() && (select.value === '' || Number(select.value) === options.version);
    const submit = h('button', { type: 'submit', class: 'primary', id: 'publish-submit' });
    publishLabel = () => (submit.textContent = t(saves() ? 'saveAndPublish' : 'publish'));
    publishLabel();
    select.addEventListener('change', publishLabel);
    const boxes = channels.map((c, i) => {
      const v = runs(c.activeFlows);
      return h(
        'div',
        { class: 'check' },
        h('input', { type: 'checkbox', id: `publish-channel-${i}` }),
        h(
          'label',
          { for: `publish-channel-${i}` },
          t('box', { channel: label(c), name: c.name ? ` (${c.name})` : '', state: v === undefined ? t('runsNot') : t('runs', { v }) }),
        ),
      );
    });
    const chosen = () => {
      const picked = channels.filter((_, i) => root.querySelector<HTMLInputElement>(`#publish-channel-${i}`)?.checked);
      if (!picked.length) alert.replaceChildren(h('p', { class: 'error' }, t('chooseChannel')));
      return picked;
    };
    body.replaceChildren(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h('tr', {}, ...(['colVersion', 'colSaved', 'colRuns', 'colActions'] as const).map((key) => h('th', { scope: 'col' }, t(key)))),
        ),
        h('tbody', {}, ...rows),
      ),
      h(
        'form',
        {
          class: 'publish',
          onsubmit: (event) => {
            event.preventDefault();
            const picked = chosen();
            if (!picked.length) return;
            if (saves()) options.saveThenPublish(picked);
            else publish(Number(select.value), picked);
          },
        },
        h(
          'fieldset',
          {},
          h('legend', {}, t('publishLegend')),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'publish-version' }, t('chooseVersion')),
            select,
            h('p', { class: 'hint', id: 'publish-version-hint' }, t(versions.length ? 'unsavedHint' : 'notSaved')),
          ),
          h('fieldset', {}, h('legend', {}, t('channels')), ...(boxes.length ? boxes : [h('p', {}, t('noChannels'))])),
          h(
            'div',
            { class: 'row' },
            submit,
            h(
              'button',
              {
                type: 'button',
                onclick: () => {
                  const picked = chosen();
                  if (picked.length && window.confirm(t('confirmUnpublish', { channels: picked.map(label).join(', ') })))
                    void act('unpublish', { channels: picked });
                },
              },
              t('unpublish'),
            ),
          ),
        ),
      ),
    );
  };

  void load();
}
