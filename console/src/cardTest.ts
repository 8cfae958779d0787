import type { DryRunResult } from './api';
import type { Json } from './json';
import { attributesRead, bindingRead, paramsRead } from './card';
import { fromLine, fromMessenger, renderBubbles, type Bubble } from './bubbles';
import { isObject, join, pick, setLastResponse, usePath, type Tr } from './cardKit';
import { setLearntContract } from './cardContract';
import { byId, h } from './dom';
import { reasonText } from './i18n';

// "Test the card": sample attributes and trigger parameters, POST /admin/dry-run, and what came of it:
// the request as sent (secrets masked by the API), the response as a tree whose fields go into the
// form when clicked, the outcome, and the follow-up as chat bubbles drawn from the LINE and Messenger
// renderings the API returns.

export interface CardTestContext {
  flow: Json;
  cardId: string;
  /** The flow's id: a card's last successful test response is remembered per flow and card (the editor's when left out). */
  flowId?: string;
  tr: Tr;
  /** The dry run, or the text of why it could not run. */
  dryRun: (body: {
    flow: Json;
    blockId: string;
    attributes: Record<string, string>;
    trigger?: { params: Record<string, string> };
    binding?: { memberId: string; attributes?: Record<string, string> };
    /** Ask for the contract learnt from a successful answer (the card form's "Learn contract"). */
    learnContract?: boolean;
  }) => Promise<DryRunResult | string>;
}

/** Sample attributes, trigger parameters and verified member, and the last result, per card, kept while the console is open. */
const samples = new Map<string, { attrs: string[][]; params: string[][]; binding: string[][] }>();
const results = new Map<string, DryRunResult | string>();
/** What the last click on a response field did. */
let picked = '';

/** The sample rows: attributes, trigger parameters, and a verified member (binding) for a personal card. */
type Part = 'attr' | 'param' | 'binding';

export function renderCardTest(ctx: CardTestContext): HTMLElement {
  const { tr, cardId } = ctx;
  const card = isObject(ctx.flow.blocks) ? ctx.flow.blocks[cardId] : undefined;
  // What the card's templates read is asked for, also when an edit starts reading more.
  const sample = samples.get(cardId) ?? { attrs: [], params: [], binding: [] };
  samples.set(cardId, sample);
  // A personal card runs only for a verified member: a sample one (memberId, and what the card reads of binding.attributes).
  const personal = isObject(card) && (card.personal === true || (card.personal === undefined && ctx.flow.personal === true));
  const bindingNames =
    personal || bindingRead(card).length > 0 ? ['memberId', ...bindingRead(card).filter((name) => name !== 'memberId')] : [];
  // A name the card reads goes into a blank row left by "Add" rather than below it.
  for (const [rows, names] of [
    [sample.attrs, attributesRead(card)],
    [sample.params, paramsRead(card)],
    [sample.binding, bindingNames],
  ] as const) {
    for (const name of names) {
      if (rows.some(([n]) => n === name)) continue;
      const blank = rows.find(([n, v]) => !n && !v);
      if (blank) blank[0] = name;
      else rows.push([name, '']);
    }
  }
  const rebuild = (focusId: string) => {
    byId('card-test')?.replaceWith(renderCardTest(ctx));
    byId(focusId)?.focus();
  };
  const rowsOf = (rows: string[][], part: Part) =>
    rows.map((row, i) => {
      const input = (k: 0 | 1, id: string, label: string) => {
        const element = h('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-label': label });
        element.value = row[k] ?? '';
        element.addEventListener('input', () => (row[k] = element.value));
        return element;
      };
      return h(
        'li',
        { class: 'header-row' },
        input(0, `${part}-name-${i}`, tr(`${part}Name`, { n: i + 1 })),
        input(1, `${part}-value-${i}`, tr(`${part}Value`, { n: i + 1 })),
        h(
          'button',
          { type: 'button', 'aria-label': tr(`${part}Remove`, { n: i + 1 }), onclick: () => (rows.splice(i, 1), rebuild(`${part}-add`)) },
          '✕',
        ),
      );
    });
  // "Add" goes to a row still without a name, else adds one at the end.
  const add = (rows: string[][], part: Part) => {
    const blank = rows.findIndex(([n]) => !n);
    if (blank >= 0) return void byId(`${part}-name-${blank}`)?.focus();
    rows.push(['', '']);
    rebuild(`${part}-name-${rows.length - 1}`);
  };
  const group = (rows: string[][], part: Part) =>
    h(
      'fieldset',
      {},
      h('legend', {}, tr(`${part}Legend`)),
      // The columns' visible labels (each input's own label names its row too).
      rows.length > 0 &&
        h('div', { class: 'rows-head', 'aria-hidden': 'true' }, h('span', {}, tr('sampleName')), h('span', {}, tr('sampleValue'))),
      rows.length > 0 && h('ul', { class: 'rows' }, ...rowsOf(rows, part)),
      h('button', { type: 'button', id: `${part}-add`, onclick: () => add(rows, part) }, tr(`${part}Add`)),
    );
  const button = h('button', { type: 'button', id: 'card-test-run', class: 'primary' }, tr('test'));
  const output = h('div', { id: 'test-result', 'aria-live': 'polite' });
  const previous = results.get(cardId);
  if (previous !== undefined) output.replaceChildren(...renderResult(previous, tr));
  const named = (rows: string[][]) =>
    Object.fromEntries(rows.filter(([name]) => name?.trim()).map(([name, value]) => [name?.trim() ?? '', value ?? '']));
  button.addEventListener('click', () => {
    void (async () => {
      button.disabled = true;
      button.textContent = tr('testing');
      byId('test-result')?.replaceChildren(h('p', { class: 'hint' }, tr('testing')));
      const { memberId, ...bindingAttributes } = named(sample.binding);
      const binding = memberId?.trim()
        ? { memberId: memberId.trim(), ...(Object.keys(bindingAttributes).length ? { attributes: bindingAttributes } : {}) }
        : undefined;
      const result = await ctx.dryRun({
        flow: ctx.flow,
        blockId: cardId,
        attributes: named(sample.attrs),
        trigger: { params: named(sample.params) },
        ...(binding ? { binding } : {}),
        learnContract: true,
      });
      results.set(cardId, result);
      // Before the form is redrawn (a success redraws it): its "Learn contract" takes this.
      if (typeof result !== 'string') setLearntContract(cardId, result.learntContract);
      picked = '';
      button.disabled = false;
      button.textContent = tr('test');
      byId('test-result')?.replaceChildren(...renderResult(result, tr));
      // Only a success feeds the pickers: a 404's {"error": …} is not the shape the follow-up reads.
      if (typeof result !== 'string' && result.outcome.ok && result.response) setLastResponse(cardId, result.response.body, ctx.flowId);
    })();
  });
  return h(
    'section',
    { id: 'card-test', class: 'card-test', 'aria-labelledby': 'card-test-heading' },
    h('h2', { id: 'card-test-heading' }, tr('testHeading')),
    h('p', { class: 'hint' }, tr('sampleHint')),
    h(
      'div',
      { class: 'row samples' },
      group(sample.attrs, 'attr'),
      group(sample.params, 'param'),
      (sample.binding.length > 0 || bindingNames.length > 0) && group(sample.binding, 'binding'),
    ),
    h('p', { class: 'toolbar' }, button),
    output,
  );
}

function renderResult(result: DryRunResult | string, tr: Tr): Node[] {
  if (typeof result === 'string') return [h('p', { id: 'test-outcome', class: 'error', role: 'alert' }, result)];
  const { outcome, request, response, followUp } = result;
  const outcomeText = outcome.ok
    ? `${tr('outcomeOk', { attempts: outcome.attempts })}${outcome.warning !== undefined ? ` ${tr('outcomeWarning', { warning: reasonText(outcome.warning, tr) })}` : ''}`
    : tr('outcomeFailed', { attempts: outcome.attempts, reason: reasonText(outcome.reason ?? '', tr) });
  const requestText = request
    ? [
        `${request.method} ${request.url}`,
        ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
        ...(request.body !== undefined ? ['', request.body] : []),
      ].join('\n')
    : tr('noRequest');
  const nodes: Array<Node | false> = [
    h('p', { id: 'test-outcome', class: outcome.ok ? 'ok' : 'error' }, outcomeText),
    h('details', { open: true }, h('summary', {}, tr('request')), h('pre', { id: 'test-request' }, requestText)),
    h(
      'details',
      { open: true },
      h('summary', {}, response ? `${tr('response')} · ${tr('status', { status: response.status })}` : tr('response')),
      ...(response
        ? [pickMode(tr), h('div', { id: 'test-response', class: 'tree' }, tree(response.body, 0, 'response.body', tr, { n: 0 }))]
        : [h('p', {}, tr('noResponse'))]),
    ),
    Object.keys(followUp.attributes).length > 0 &&
      h(
        'p',
        { id: 'test-saved' },
        tr('savedAttributes', {
          list: Object.entries(followUp.attributes)
            .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
            .join(', '),
        }),
      ),
    followUp.binding !== undefined &&
      h(
        'p',
        { id: 'test-binding' },
        followUp.binding === null
          ? tr('wouldUnbind')
          : tr('wouldBind', {
              memberId: followUp.binding.memberId,
              method: followUp.binding.method,
              attributes:
                followUp.binding.attributes && Object.keys(followUp.binding.attributes).length
                  ? ` (${Object.entries(followUp.binding.attributes)
                      .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
                      .join(', ')})`
                  : '',
            }),
      ),
    h('h3', {}, tr('followUpMessages')),
    followUp.stoppedBefore !== undefined && h('p', { class: 'hint' }, tr('stoppedBefore', { id: followUp.stoppedBefore })),
    followUp.waitingOn !== undefined && h('p', { class: 'hint' }, tr('waitingOn', { id: followUp.waitingOn })),
    h(
      'div',
      { class: 'previews' },
      preview('line-preview', 'line', tr('linePreview'), followUp.line.map(fromLine), tr),
      preview('messenger-preview', 'messenger', tr('messengerPreview'), followUp.messenger.map(fromMessenger), tr),
    ),
  ];
  return nodes.filter((node): node is Node => node !== false);
}

/** Where a clicked response field goes: the last-used field of the form, or a new save-to-attribute mapping. */
function pickMode(tr: Tr): HTMLElement {
  const radio = (mode: 'field' | 'mapping', ...label: Array<Node | string>) =>
    h(
      'div',
      { class: 'check' },
      h('input', {
        type: 'radio',
        name: 'pick-mode',
        id: `pick-mode-${mode}`,
        checked: pick.mode === mode,
        disabled: mode === 'field' && !pick.target,
        onchange: () => (pick.mode = mode),
      }),
      h('label', { for: `pick-mode-${mode}` }, ...label),
    );
  return h(
    'fieldset',
    { id: 'pick-mode', class: 'pick-mode' },
    h('legend', {}, tr('pickLegend')),
    radio('field', tr('pickIntoField'), ' ', h('strong', { id: 'pick-field-label' }, pick.target?.label ?? tr('noFieldYet'))),
    radio('mapping', tr('pickIntoMapping')),
    h('p', { class: 'hint' }, tr('pickHint')),
    h('p', { id: 'pick-status', role: 'status', class: 'ok' }, picked),
  );
}

/** A JSON value as nested, collapsible lists; each scalar field is a button that uses its path. */
function tree(value: unknown, depth: number, path: string, tr: Tr, seq: { n: number }, key?: string): HTMLElement {
  const label = key !== undefined ? h('code', {}, key) : undefined;
  if (typeof value === 'object' && value !== null) {
    const entries = Array.isArray(value) ? value.map((item, i) => [i, item] as const) : Object.entries(value);
    const summary = h('summary', {}, ...(label ? [label, ' '] : []), Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`);
    return h(
      'details',
      { open: depth < 3 },
      summary,
      h('ul', {}, ...entries.map(([k, v]) => h('li', {}, tree(v, depth + 1, join(path, k), tr, seq, String(k))))),
    );
  }
  const id = `resp-${seq.n++}`;
  const button = h(
    'button',
    {
      type: 'button',
      class: 'path',
      id,
      'aria-label': path,
      title: tr('usePath'),
      onclick: () => {
        picked = usePath(path, tr);
        const status = byId('pick-status');
        if (status) status.textContent = picked;
        byId(id)?.focus();
      },
    },
    label ?? h('code', {}, path),
  );
  return h('span', {}, button, ': ', h('span', { class: `leaf ${typeof value}` }, JSON.stringify(value) ?? String(value)));
}

/** A channel's follow-up as chat bubbles, in a phone-like column. */
function preview(id: string, kind: string, title: string, bubbles: Bubble[], tr: Tr): HTMLElement {
  const body = renderBubbles(bubbles, { imageLabel: (url) => tr('image', { url }) });
  return h(
    'section',
    { id, class: `preview ${kind}`, 'aria-label': title },
    h('h4', {}, title),
    ...(body.length ? body : [h('p', { class: 'hint' }, tr('noMessages'))]),
  );
}
