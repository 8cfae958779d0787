import { call, Unreachable, type PreviewResult, type Problem } from './api';
import { fromLine, fromMessenger, renderBubbles } from './bubbles';
import { attributesRead, paramsRead } from './card';
import type { Kit } from './blockFormKit';
import { byId, h } from './dom';
import { defineTexts, type Lang } from './i18n';
import type { Json } from './json';

// A message block previewed as LINE and Messenger show it: POST /admin/preview renders it with sample
// attributes, trigger parameters and response (the last test response of the card leading here, or
// one typed) through the engine and both channels' renderers; asked for 400 ms after the last change.

const tx = defineTexts({
  en: {
    heading: 'Preview',
    samples: 'Sample values',
    samplesHint: 'Only for the preview: nothing is saved, called or sent.',
    sample: 'Sample {name}',
    response: 'Sample response body (JSON)',
    responseHint: 'Templates read it as response.body; the last test of card {card} fills it.',
    responseHintNone: 'Templates read it as response.body; test the card leading here to fill it.',
    notJson: 'The sample response is not JSON: {message}',
    updating: 'Updating…',
    line: 'LINE',
    messenger: 'Messenger',
    noMessages: 'No messages.',
    cannot: 'The preview cannot render:',
    unreachable: 'The API cannot be reached: {message}',
    image: 'Image {url}',
    emptyGoes: 'The list is empty: the flow goes to {id} instead.',
    emptyNothing: 'The list is empty: nothing is sent for it.',
  },
  'zh-TW': {
    heading: '預覽',
    samples: '範例值',
    samplesHint: '只用於預覽：不會儲存、呼叫或送出任何東西。',
    sample: '{name} 的範例值',
    response: '範例回應內容（JSON）',
    responseHint: '範本以 response.body 讀取；卡片 {card} 最近一次測試會填入。',
    responseHintNone: '範本以 response.body 讀取；測試通往這裡的卡片即可填入。',
    notJson: '範例回應不是 JSON：{message}',
    updating: '更新中…',
    line: 'LINE',
    messenger: 'Messenger',
    noMessages: '沒有訊息。',
    cannot: '預覽無法產生：',
    unreachable: '無法連線到 API：{message}',
    image: '圖片 {url}',
    emptyGoes: '清單是空的：流程改往 {id}。',
    emptyNothing: '清單是空的：這部分不送出任何訊息。',
  },
});

type Outcome = { ok: true; result: PreviewResult } | { ok: false; error: string; problems: Problem[] };

/** Sample values per block, and the last preview per block with what it was asked for. */
const samples = new Map<string, { attrs: Record<string, string>; params: Record<string, string>; response?: string }>();
const shown = new Map<string, { key: string; outcome: Outcome }>();
let timer: ReturnType<typeof setTimeout> | undefined;
let asked = 0;
/** The preview asked for (or about to be): a redraw of the form with the same block and samples waits for it. */
let pending: string | undefined;

/** How long after the last change the preview is asked for. */
export const PREVIEW_DELAY_MS = 400;

export function renderPreview(k: Kit): HTMLElement {
  const lang = k.ctx.lang;
  const T = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(lang, key, values);
  const sample = samples.get(k.id) ?? { attrs: {}, params: {} };
  samples.set(k.id, sample);
  const output = h('div', { id: 'bf-preview-out', 'aria-live': 'polite' });
  const refresh = () => {
    const request = requestOf(k, sample);
    const last = shown.get(k.id);
    if (typeof request === 'string') return void output.replaceChildren(h('p', { class: 'error' }, request));
    const key = JSON.stringify(request);
    if (last) output.replaceChildren(...draw(last.outcome, k, lang));
    if (last?.key === key) return;
    output.prepend(h('p', { class: 'hint', id: 'bf-preview-updating' }, T('updating')));
    if (pending === `${k.id}\n${key}`) return;
    pending = `${k.id}\n${key}`;
    clearTimeout(timer);
    const mine = ++asked;
    timer = setTimeout(
      () =>
        void ask(request).then((outcome) => {
          if (mine !== asked) return;
          pending = undefined;
          shown.set(k.id, { key, outcome });
          const box = byId('bf-preview-out');
          if (box?.dataset.block === k.id) box.replaceChildren(...draw(outcome, k, lang));
        }),
      PREVIEW_DELAY_MS,
    );
  };
  output.dataset.block = k.id;

  const input = (id: string, label: string, value: string, set: (v: string) => void) => {
    const element = h('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off' });
    element.value = value;
    element.addEventListener('input', () => (set(element.value), refresh()));
    return h('div', { class: 'field' }, h('label', { for: id }, label), element);
  };
  const fields = [
    ...attributesRead(k.block).map((name, i) =>
      input(`bf-sample-attr-${i}`, T('sample', { name: `attributes.${name}` }), sample.attrs[name] ?? '', (v) => (sample.attrs[name] = v)),
    ),
    ...paramsRead(k.block).map((name, i) =>
      input(
        `bf-sample-param-${i}`,
        T('sample', { name: `trigger.params.${name}` }),
        sample.params[name] ?? '',
        (v) => (sample.params[name] = v),
      ),
    ),
  ];
  const readsResponse = /\bresponse\b/.test(JSON.stringify(k.block));
  let responseBox: HTMLElement | false = false;
  if (readsResponse) {
    const area = h('textarea', { id: 'bf-sample-response', rows: '5', spellcheck: 'false', 'aria-describedby': 'bf-sample-response-hint' });
    area.value = sample.response ?? (k.response !== undefined ? JSON.stringify(k.response, null, 2) : '');
    area.addEventListener('input', () => ((sample.response = area.value), refresh()));
    responseBox = h(
      'div',
      { class: 'field' },
      h('label', { for: area.id }, T('response')),
      area,
      h(
        'p',
        { id: 'bf-sample-response-hint', class: 'hint' },
        k.card !== undefined ? T('responseHint', { card: k.card }) : T('responseHintNone'),
      ),
    );
  }
  refresh();
  return h(
    'section',
    { id: 'bf-preview', class: 'block-preview', 'aria-labelledby': 'bf-preview-heading' },
    h('h3', { id: 'bf-preview-heading' }, T('heading')),
    (fields.length > 0 || responseBox) &&
      h(
        'details',
        { open: true },
        h('summary', {}, T('samples')),
        h('p', { class: 'hint' }, T('samplesHint')),
        h('div', { class: 'card-fields' }, ...fields),
        responseBox,
      ),
    output,
  );

  function requestOf(kit: Kit, s: typeof sample): Json | string {
    const body: Json = { flow: kit.ctx.flow, blockId: kit.id, attributes: s.attrs, trigger: { params: s.params } };
    const text = s.response ?? (kit.response !== undefined ? undefined : '');
    if (text === undefined) body.response = kit.response;
    else if (text.trim() !== '') {
      try {
        body.response = JSON.parse(text) as unknown;
      } catch (error) {
        return T('notJson', { message: error instanceof Error ? error.message : String(error) });
      }
    }
    return body;
  }
}

async function ask(body: Json): Promise<Outcome> {
  try {
    const reply = await call<PreviewResult>('POST', '/admin/preview', body);
    return reply.ok ? { ok: true, result: reply.body } : { ok: false, error: reply.body.error, problems: reply.body.problems ?? [] };
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, error: `unreachable:${error.message}`, problems: [] };
    throw error;
  }
}

function draw(outcome: Outcome, k: Kit, lang: Lang): Node[] {
  const T = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(lang, key, values);
  if (!outcome.ok) {
    const unreachable = outcome.error.startsWith('unreachable:');
    return [
      h(
        'div',
        { class: 'notice', id: 'bf-preview-problem' },
        h('p', {}, unreachable ? T('unreachable', { message: outcome.error.slice(12) }) : T('cannot')),
        !unreachable &&
          h(
            'ul',
            {},
            ...(outcome.problems.length
              ? outcome.problems.map((p) => h('li', {}, h('code', {}, p.path.replace(/^flow\./, '')), ' ', p.message))
              : [h('li', {}, outcome.error)]),
          ),
      ),
    ];
  }
  const { result } = outcome;
  const pane = (id: string, kind: 'line' | 'messenger', bubbles: ReturnType<typeof fromLine>[]) => {
    const body = renderBubbles(bubbles, { imageLabel: (url) => T('image', { url }) });
    return h(
      'section',
      { id, class: `preview ${kind}`, 'aria-label': T(kind) },
      h('h4', {}, T(kind)),
      ...(body.length ? body : [h('p', { class: 'hint' }, T('noMessages'))]),
    );
  };
  const empty = k.block.empty;
  const panes = h(
    'div',
    { class: 'previews' },
    pane('bf-preview-line', 'line', result.line.map(fromLine)),
    pane('bf-preview-messenger', 'messenger', result.messenger.map(fromMessenger)),
  );
  return result.empty
    ? [
        h('p', { class: 'hint', id: 'bf-preview-empty' }, typeof empty === 'string' ? T('emptyGoes', { id: empty }) : T('emptyNothing')),
        panes,
      ]
    : [panes];
}
