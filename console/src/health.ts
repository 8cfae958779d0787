import { call, type AlertList, type AlertView, type CardHealth } from './api';
import { h } from './dom';
import { defineTexts, type Lang } from './i18n';

// A card's health (GET /admin/health) and its alert rules (PUT /admin/alerts/{flowId}/{blockId}), drawn
// in the execution log page when it shows a card. Plain SVG, no charting library: two small charts of
// at most 24 points need no scales, zoom or animation, and the log page is already a chunk loaded when
// opened, so the first load carries none of this. Each bar and each latency point is a link to the
// card's log between that point's start and end.

/** The answers (healthSchema and alertViewSchema in functions/admin/schemas.ts). */
export type { AlertRule, AlertState, CardHealth };
export type Kind = CardHealth['kinds'][number];
export type Window = CardHealth['window'];
type Counts = CardHealth['totals'];
type AlertRule = AlertView['rule'];
type AlertState = AlertView['state'];

/**
 * The failure kinds in the order the API counts them (FAILURE_KINDS in shared/health/cardHealth.ts, a
 * module the console cannot bundle); COLOURS and the texts below are keyed by every Kind, so a kind
 * added on the server does not compile here until it is drawn.
 */
export const KINDS = ['timeout', '5xx', '4xx', 'contract', 'breaker', 'guard', 'other'] as const satisfies readonly Kind[];
export const WINDOWS: readonly Window[] = ['hour', 'day', 'week'];
export const ALERT_MINUTES = [5, 15, 60] as const satisfies ReadonlyArray<NonNullable<AlertRule['failureRate']>['minutes']>;

const tx = defineTexts({
  en: {
    heading: 'Card health',
    window: 'Over the last',
    hour: 'hour',
    day: 'day',
    week: 'week',
    loading: 'Loading…',
    summary: '{calls} calls, {failures} failed ({rate} %); latency p50 {p50}, p95 {p95}, p99 {p99}.',
    incomplete: 'More calls than one view reads (5000): the oldest points count only the newest calls.',
    callsChart: 'Calls per {size}, by outcome',
    callsDesc: 'Stacked bars: successes and failures by kind. Each bar links to its calls in the log.',
    latencyChart: 'Latency per {size} (ms): p50, p95, p99',
    latencyDesc: 'Three lines over the calls that reached the brand. Each point links to its calls in the log.',
    point: '{from} to {to}: {calls} calls, {failures} failed{kinds}',
    latencyPoint: '{from} to {to}: p50 {p50} ms, p95 {p95} ms, p99 {p99} ms',
    bucket5: '5 minutes',
    bucket60: 'hour',
    bucket1440: 'day',
    success: 'success',
    kind_timeout: 'timeout',
    kind_5xx: '5xx',
    kind_4xx: '4xx',
    kind_contract: 'contract',
    kind_breaker: 'breaker open',
    kind_guard: 'guard',
    kind_other: 'other',
    none: '—',
    versions: 'By flow version',
    version: 'Version',
    unknownVersion: 'earlier',
    calls: 'Calls',
    failed: 'Failed',
    asTable: 'The chart as a table',
    colFrom: 'From',
    alertHeading: 'Alerts',
    alertNone: 'No alert rules for this card.',
    alertOk: 'Alert: OK',
    alertAlarm: 'Alert: ALARM since {since}: {why}',
    ruleRate: 'Alert when the failure rate is over',
    percent: 'Percent (1-100)',
    minutes: 'For (minutes)',
    ruleContract: 'Alert on any contract failure',
    saveAlert: 'Save alert rules',
    alertHint:
      'On AWS the rules raise CloudWatch alarms that notify the SNS topic CardAlertsTopicArn; here the state is judged from the log.',
    openHealth: 'Health and alerts of this card',
    versionChoice: 'Flow version',
    allVersions: 'all versions',
  },
  'zh-TW': {
    heading: '卡片健康狀況',
    window: '時間範圍：最近一',
    hour: '小時',
    day: '天',
    week: '週',
    loading: '載入中…',
    summary: '{calls} 次呼叫，{failures} 次失敗（{rate}%）；延遲 p50 {p50}、p95 {p95}、p99 {p99}。',
    incomplete: '呼叫次數超過單次檢視可讀取的數量（5000）：最舊的時間點只計入最新的呼叫。',
    callsChart: '每 {size} 的呼叫次數（依結果）',
    callsDesc: '堆疊長條：成功次數與各類失敗次數。每個長條都連到紀錄中的那些呼叫。',
    latencyChart: '每 {size} 的延遲（毫秒）：p50、p95、p99',
    latencyDesc: '三條線，只計入實際呼叫到品牌 API 的呼叫。每個點都連到紀錄中的那些呼叫。',
    point: '{from} 至 {to}：{calls} 次呼叫，{failures} 次失敗{kinds}',
    latencyPoint: '{from} 至 {to}：p50 {p50} 毫秒、p95 {p95} 毫秒、p99 {p99} 毫秒',
    bucket5: '5 分鐘',
    bucket60: '小時',
    bucket1440: '天',
    success: '成功',
    kind_timeout: '逾時',
    kind_5xx: '5xx',
    kind_4xx: '4xx',
    kind_contract: '契約不符',
    kind_breaker: '斷路器開啟',
    kind_guard: '防護攔截',
    kind_other: '其他',
    none: '—',
    versions: '依流程版本',
    version: '版本',
    unknownVersion: '較早',
    calls: '呼叫',
    failed: '失敗',
    asTable: '以表格顯示圖表',
    colFrom: '起始時間',
    alertHeading: '警示',
    alertNone: '這張卡片沒有警示規則。',
    alertOk: '警示：正常',
    alertAlarm: '警示：自 {since} 起觸發：{why}',
    ruleRate: '失敗率超過以下比例時警示',
    percent: '百分比（1-100）',
    minutes: '持續（分鐘）',
    ruleContract: '任何契約不符的失敗都警示',
    saveAlert: '儲存警示規則',
    alertHint: '在 AWS 上，這些規則會觸發 CloudWatch 警報並通知 SNS 主題 CardAlertsTopicArn；在本機則依紀錄判斷狀態。',
    openHealth: '這張卡片的健康狀況與警示',
    versionChoice: '流程版本',
    allVersions: '所有版本',
  },
});
type Key = Parameters<typeof tx>[1];

/** Each outcome's colour (successes first, then the failure kinds), readable on white. */
const COLOURS: Record<'success' | Kind, string> = {
  success: '#2e7d32',
  timeout: '#ef6c00',
  '5xx': '#c62828',
  '4xx': '#ad1457',
  contract: '#6a1b9a',
  breaker: '#37474f',
  guard: '#4527a0',
  other: '#8d6e63',
};
const LINES = [
  ['p50', '#1565c0', ''],
  ['p95', '#ef6c00', '6 3'],
  ['p99', '#c62828', '2 2'],
] as const;

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

export interface HealthViewOptions {
  lang: Lang;
  health: CardHealth;
  /** Show the card's log between a point's start and end. */
  onPoint: (from: string, to: string) => void;
}

const WIDTH = 720;
const HEIGHT = 160;
const LEFT = 48;
const BOTTOM = 22;

/** The health of a card over its window: the summary, the two charts, the chart as a table and the versions. */
export function healthView({ lang, health, onPoint }: HealthViewOptions): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(lang, key, values);
  const bucketMinutes = (Date.parse(health.buckets[0]?.to ?? health.to) - Date.parse(health.buckets[0]?.from ?? health.from)) / 60_000;
  const size = t(bucketMinutes <= 5 ? 'bucket5' : bucketMinutes <= 60 ? 'bucket60' : 'bucket1440');
  const time = new Intl.DateTimeFormat(lang, bucketMinutes >= 1440 ? { dateStyle: 'short' } : { timeStyle: 'short' });
  const label = (iso: string) => time.format(new Date(iso));
  const ms = (value: number | undefined) => (value === undefined ? t('none') : `${Math.round(value)} ms`);
  const kindsOf = (counts: Counts) => {
    const named = KINDS.filter((kind) => counts.byKind[kind] > 0).map((kind) => `${t(`kind_${kind}`)} ${counts.byKind[kind]}`);
    return named.length ? ` (${named.join(', ')})` : '';
  };
  const { totals } = health;
  const rate = totals.calls ? Math.round((totals.failures * 100) / totals.calls) : 0;
  const n = health.buckets.length;
  const plotWidth = WIDTH - LEFT - 8;
  const step = plotWidth / Math.max(1, n);
  const plotHeight = HEIGHT - BOTTOM - 8;
  const x = (index: number) => LEFT + index * step;
  const link = (bucket: { from: string; to: string }, text: string, ...children: SVGElement[]) => {
    const a = svg('a', { href: '#log-results', 'aria-label': text, class: 'health-point' }, svg('title', {}, text), ...children);
    a.addEventListener('click', (event) => {
      event.preventDefault();
      onPoint(bucket.from, bucket.to);
    });
    return a;
  };
  const axis = (max: number, unit: string) => [
    svg('line', { x1: LEFT, y1: 8 + plotHeight, x2: WIDTH - 8, y2: 8 + plotHeight, stroke: '#757575' }),
    svg('text', { x: LEFT - 6, y: 12, 'text-anchor': 'end', 'font-size': 11 }, `${max}${unit}`),
    svg('text', { x: LEFT - 6, y: 8 + plotHeight, 'text-anchor': 'end', 'font-size': 11 }, '0'),
    ...health.buckets
      .map((bucket, index) =>
        index % Math.ceil(n / 6) === 0
          ? svg('text', { x: x(index) + step / 2, y: HEIGHT - 6, 'text-anchor': 'middle', 'font-size': 11 }, label(bucket.from))
          : undefined,
      )
      .filter((node): node is SVGElement => node !== undefined),
  ];

  // Calls, stacked by outcome.
  const maxCalls = Math.max(1, ...health.buckets.map((bucket) => bucket.calls));
  const bars = health.buckets.map((bucket, index) => {
    let y = 8 + plotHeight;
    const parts = (['success', ...KINDS] as const).map((part) => {
      const count = part === 'success' ? bucket.successes : bucket.byKind[part];
      const height = (count / maxCalls) * plotHeight;
      y -= height;
      return count > 0
        ? svg('rect', { x: x(index) + 2, y, width: Math.max(1, step - 4), height, fill: COLOURS[part], 'data-part': part })
        : undefined;
    });
    // The whole column is the link's target, so an empty bucket can be opened too.
    const hit = svg('rect', { x: x(index), y: 8, width: step, height: plotHeight, fill: 'transparent' });
    return link(
      bucket,
      t('point', {
        from: label(bucket.from),
        to: label(bucket.to),
        calls: bucket.calls,
        failures: bucket.failures,
        kinds: kindsOf(bucket),
      }),
      hit,
      ...parts.filter((part): part is SVGElement => part !== undefined),
    );
  });
  const callsChart = svg(
    'svg',
    {
      role: 'img',
      'aria-labelledby': 'health-calls-title health-calls-desc',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: '100%',
      id: 'health-calls',
    },
    svg('title', { id: 'health-calls-title' }, t('callsChart', { size })),
    svg('desc', { id: 'health-calls-desc' }, t('callsDesc')),
    ...axis(maxCalls, ''),
    ...bars,
  );

  // Latency: p50, p95, p99 as lines; a bucket without calls to the brand leaves a gap.
  const maxLatency = Math.max(1, ...health.buckets.map((bucket) => bucket.p99 ?? 0));
  const yOf = (value: number) => 8 + plotHeight - (value / maxLatency) * plotHeight;
  const lines = LINES.map(([key, colour, dash]) => {
    const segments: string[] = [];
    let current: string[] = [];
    health.buckets.forEach((bucket, index) => {
      const value = bucket[key];
      if (value === undefined) {
        if (current.length) segments.push(current.join(' '));
        current = [];
      } else current.push(`${x(index) + step / 2},${yOf(value)}`);
    });
    if (current.length) segments.push(current.join(' '));
    return segments.map((points) =>
      svg('polyline', {
        points,
        fill: 'none',
        stroke: colour,
        'stroke-width': 2,
        ...(dash ? { 'stroke-dasharray': dash } : {}),
        'data-line': key,
      }),
    );
  }).flat();
  const points = health.buckets.flatMap((bucket, index) =>
    bucket.p50 === undefined
      ? []
      : [
          link(
            bucket,
            t('latencyPoint', {
              from: label(bucket.from),
              to: label(bucket.to),
              p50: Math.round(bucket.p50),
              p95: Math.round(bucket.p95 ?? 0),
              p99: Math.round(bucket.p99 ?? 0),
            }),
            ...LINES.map(([key, colour]) => svg('circle', { cx: x(index) + step / 2, cy: yOf(bucket[key] ?? 0), r: 3.5, fill: colour })),
          ),
        ],
  );
  const latencyChart = svg(
    'svg',
    {
      role: 'img',
      'aria-labelledby': 'health-latency-title health-latency-desc',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: '100%',
      id: 'health-latency',
    },
    svg('title', { id: 'health-latency-title' }, t('latencyChart', { size })),
    svg('desc', { id: 'health-latency-desc' }, t('latencyDesc')),
    ...axis(Math.round(maxLatency), ' ms'),
    ...lines,
    ...points,
  );

  // Swatches as SVG: the console's CSP allows no inline style attribute.
  const swatch = (colour: string) =>
    svg('svg', { class: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true' }, svg('rect', { width: 10, height: 10, fill: colour }));
  const legend = (entries: Array<[string, string]>) =>
    h('ul', { class: 'health-legend' }, ...entries.map(([text, colour]) => h('li', {}, swatch(colour), text)));
  const row = (cells: string[], header = false) =>
    h('tr', {}, ...cells.map((cell) => h(header ? 'th' : 'td', header ? { scope: 'col' } : {}, cell)));
  const kindHeads = KINDS.map((kind) => t(`kind_${kind}`));
  return h(
    'div',
    { id: 'health-view' },
    h(
      'p',
      { id: 'health-summary' },
      t('summary', { calls: totals.calls, failures: totals.failures, rate, p50: ms(totals.p50), p95: ms(totals.p95), p99: ms(totals.p99) }),
    ),
    !health.complete && h('p', { class: 'hint' }, t('incomplete')),
    h(
      'figure',
      {},
      callsChart,
      legend([[t('success'), COLOURS.success], ...KINDS.map((kind): [string, string] => [t(`kind_${kind}`), COLOURS[kind]])]),
    ),
    h('figure', {}, latencyChart, legend(LINES.map(([key, colour]) => [key, colour]))),
    h(
      'details',
      {},
      h('summary', {}, t('asTable')),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { id: 'health-table' },
          h('thead', {}, row([t('colFrom'), t('calls'), t('success'), ...kindHeads, 'p50', 'p95', 'p99'], true)),
          h(
            'tbody',
            {},
            ...health.buckets.map((bucket) =>
              row([
                label(bucket.from),
                String(bucket.calls),
                String(bucket.successes),
                ...KINDS.map((kind) => String(bucket.byKind[kind])),
                ms(bucket.p50),
                ms(bucket.p95),
                ms(bucket.p99),
              ]),
            ),
          ),
        ),
      ),
    ),
    health.versions.length > 0 &&
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { id: 'health-versions', 'aria-label': t('versions') },
          h('thead', {}, row([t('version'), t('calls'), t('failed'), ...kindHeads, 'p50', 'p95', 'p99'], true)),
          h(
            'tbody',
            {},
            ...health.versions.map((v) =>
              row([
                v.version === undefined ? t('unknownVersion') : `v${v.version}`,
                String(v.calls),
                String(v.failures),
                ...KINDS.map((kind) => String(v.byKind[kind])),
                ms(v.p50),
                ms(v.p95),
                ms(v.p99),
              ]),
            ),
          ),
        ),
      ),
  );
}

/** The alert state in words (ok, or alarm since when and why); undefined without rules. */
export function alertLine(lang: Lang, alert: CardHealth['alert']): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(lang, key, values);
  if (!alert) return h('p', { id: 'alert-state' }, t('alertNone'));
  const since = alert.state.since
    ? new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(alert.state.since))
    : '';
  return alert.state.state === 'alarm'
    ? h('p', { id: 'alert-state', class: 'error', role: 'status' }, h('strong', {}, t('alertAlarm', { since, why: alert.state.why ?? '' })))
    : h('p', { id: 'alert-state', class: 'ok', role: 'status' }, t('alertOk'));
}

/** The form of a card's alert rules; `onSave` gets the rule to PUT ({} removes them). */
export function alertForm(lang: Lang, rule: AlertRule | undefined, busy: boolean, onSave: (rule: AlertRule) => void): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(lang, key, values);
  const rateOn = h('input', { type: 'checkbox', id: 'alert-rate', checked: rule?.failureRate !== undefined });
  const percent = h('input', {
    type: 'number',
    id: 'alert-percent',
    min: '1',
    max: '100',
    step: '1',
    inputmode: 'numeric',
    value: String(rule?.failureRate?.percent ?? 20),
  });
  const minutes = h(
    'select',
    { id: 'alert-minutes' },
    ...ALERT_MINUTES.map((m) => h('option', { value: String(m), selected: (rule?.failureRate?.minutes ?? 5) === m }, String(m))),
  );
  const contract = h('input', { type: 'checkbox', id: 'alert-contract', checked: rule?.contract === true });
  return h(
    'form',
    {
      id: 'alert-form',
      onsubmit: (event) => {
        event.preventDefault();
        // The select offers ALERT_MINUTES only: the one chosen, as the API's literal.
        const chosen = ALERT_MINUTES.find((m) => String(m) === minutes.value) ?? ALERT_MINUTES[0];
        onSave({
          ...(rateOn.checked ? { failureRate: { percent: Number(percent.value), minutes: chosen } } : {}),
          ...(contract.checked ? { contract: true } : {}),
        });
      },
    },
    h('div', { class: 'check' }, rateOn, h('label', { for: 'alert-rate' }, t('ruleRate'))),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'alert-percent' }, t('percent')), percent),
      h('div', { class: 'field' }, h('label', { for: 'alert-minutes' }, t('minutes')), minutes),
    ),
    h('div', { class: 'check' }, contract, h('label', { for: 'alert-contract' }, t('ruleContract'))),
    h('p', { class: 'hint' }, t('alertHint')),
    h('button', { type: 'submit', class: 'primary', disabled: busy }, t('saveAlert')),
  );
}

/** The health section's own texts the log page needs (heading, window choice, notes). */
export function healthText(
  lang: Lang,
  key: 'heading' | 'window' | 'loading' | 'alertHeading' | 'versionChoice' | 'allVersions' | Window,
): string {
  return tx(lang, key);
}

/** The card the log page is to open (set beside a card in the editor, read once by the log page). */
export const LOG_CARD_KEY = 'callcard.logCard';

/** GET /admin/alerts, kept a little while: the card form is drawn again on every edit. */
let alertsRead: { at: number; answer: Promise<AlertView[] | undefined> } | undefined;

/**
 * Beside a card in the editor: its alert state when it has rules (OK, or ALARM since when and why), and
 * a link to its health and alert rules in the log page.
 */
export function cardAlertBadge(lang: Lang, flowId: string, blockId: string): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(lang, key, values);
  const state = h('span', { id: 'card-alert-state' });
  const open = h(
    'a',
    {
      href: '#/logs',
      id: 'card-health-link',
      onclick: () => sessionStorage.setItem(LOG_CARD_KEY, JSON.stringify({ flowId, blockId })),
    },
    t('openHealth'),
  );
  if (!alertsRead || Date.now() - alertsRead.at > 15_000) {
    alertsRead = {
      at: Date.now(),
      answer: call<AlertList>('GET', '/admin/alerts').then(
        (result) => (result.ok ? result.body.alerts : undefined),
        () => undefined,
      ),
    };
  }
  void alertsRead.answer.then((alerts) => {
    const mine = alerts?.find((alert) => alert.flowId === flowId && alert.blockId === blockId);
    if (mine) state.replaceWith(alertLine(lang, { rule: mine.rule, state: mine.state }));
  });
  return h('div', { id: 'card-alert' }, state, open);
}
