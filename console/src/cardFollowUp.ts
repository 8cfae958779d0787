import {
  arraysIn,
  asTarget,
  field,
  fillOnChoose,
  insertAtCaret,
  isObject,
  picker,
  textInput,
  tpl,
  type Groups,
  type Json,
  type Tr,
} from './cardKit';
import { h } from './dom';

// The success follow-up: pick the block that follows a success, or create a message block; edit its
// text messages and its carousels, a carousel repeating one card over an array of the response, the
// array and the card's fields picked from the last test response.

interface FollowUpContext {
  blocks: Json;
  card: Json;
  cardId: string;
  others: string[];
  tr: Tr;
  /** The body of the last test response, if any. */
  response: unknown;
  /** Response paths, attributes and trigger parameters. */
  groups: Groups;
  changed: (rebuild: boolean, focus?: string) => void;
  /** The On success picker (any block, or a new one of any type). */
  onSuccess: HTMLElement;
}

const BUTTON_VALUE = { postback: 'data', url: 'url', message: 'text' } as const;
type ButtonType = keyof typeof BUTTON_VALUE;
/** The button type chosen before the button has a label or a value (per card and message). */
const pendingTypes = new Map<string, ButtonType>();

export function followUpSet(ctx: FollowUpContext): HTMLElement {
  const { blocks, card, cardId, tr, changed } = ctx;
  const create = () => {
    let id = `${cardId}_reply`;
    for (let n = 2; id in blocks; n++) id = `${cardId}_reply${n}`;
    blocks[id] = { type: 'message', messages: [{ type: 'text', text: tr('newMessageText') }] };
    card.onSuccess = id;
    changed(true, 'msg-text-0');
  };
  const blockId = typeof card.onSuccess === 'string' ? card.onSuccess : undefined;
  const block = blockId !== undefined ? blocks[blockId] : undefined;
  let body: Array<HTMLElement | false>;
  if (!isObject(block))
    body = [h('p', { class: 'hint' }, tr(blockId === undefined ? 'noSuccessBlock' : 'missingBlock', { id: blockId ?? '' }))];
  else if (block.type !== 'message')
    body = [h('p', { class: 'hint' }, tr('notMessageBlock', { id: blockId ?? '', type: String(block.type) }))];
  else body = messagesEditor(block, ctx);
  return h(
    'fieldset',
    { id: 'follow-up' },
    h('legend', {}, tr('followUp')),
    h(
      'div',
      { class: 'row' },
      ctx.onSuccess,
      h('button', { type: 'button', id: 'new-message-block', class: 'field-button', onclick: create }, tr('newMessageBlock')),
    ),
    ...body,
  );
}

function messagesEditor(block: Json, ctx: FollowUpContext): Array<HTMLElement | false> {
  const { tr, changed } = ctx;
  const messages = Array.isArray(block.messages) ? (block.messages as unknown[]) : (block.messages = []);
  const arrays = arraysIn(ctx.response);
  const remove = (i: number) =>
    h(
      'button',
      {
        type: 'button',
        id: `msg-remove-${i}`,
        'aria-label': tr('removeMessage', { n: i + 1 }),
        onclick: () => (messages.splice(i, 1), changed(true, 'msg-add-text')),
      },
      '✕',
    );
  const items = messages.map((message, i) => {
    const n = i + 1;
    if (!isObject(message)) return h('li', {}, remove(i));
    if (message.type === 'text') {
      const input = textInput(`msg-text-${i}`, message.text, (v) => ((message.text = v), changed(false)), { class: 'wide' });
      asTarget(input, { id: input.id, label: tr('messageText', { n }), kind: 'template' });
      return h(
        'li',
        { class: 'message' },
        h('div', { class: 'row' }, h('div', { class: 'grow' }, field(input.id, tr('messageText', { n }), input)), remove(i)),
        picker(
          `msg-text-insert-${i}`,
          tr('valueForMessage', { n }),
          ctx.groups,
          tr,
          (v) => insertAtCaret(input, tpl(v)),
          'insert',
          fillOnChoose(input, tpl, ctx.groups),
        ),
      );
    }
    if (message.type === 'carousel' && isObject(message.repeat) && isObject(message.card))
      return h('li', { class: 'message' }, carouselEditor(message, message.repeat, message.card, i, arrays, ctx), remove(i));
    return h('li', { class: 'message' }, h('p', {}, tr('otherMessage', { n, type: String(message.type) })), remove(i));
  });
  const addCarousel = () => {
    const first = arrays[0];
    const fields = first?.fields ?? [];
    const title = fields.find((f) => /^(title|name|label)$/i.test(f)) ?? fields.find((f) => !/id$/i.test(f)) ?? 'title';
    messages.push({
      type: 'carousel',
      altText: tr('carouselAltText'),
      repeat: { over: first?.path ?? 'response.body.items', as: 'item', limit: 10 },
      card: { title: tpl(`item.${title}`), buttons: [] },
    });
    changed(true, `carousel-over-${messages.length - 1}`);
  };
  const hasCarousel = messages.some((m) => isObject(m) && m.repeat !== undefined);
  const empty = h('select', { id: 'msg-empty' }, h('option', { value: '' }, tr('noBlock')));
  for (const id of ctx.others) empty.append(h('option', { value: id, selected: id === block.empty }, id));
  empty.addEventListener('change', () => (empty.value ? (block.empty = empty.value) : delete block.empty, changed(false)));
  return [
    h('p', { class: 'hint' }, tr('messagesHint')),
    h('ol', { class: 'messages' }, ...items),
    h(
      'p',
      { class: 'toolbar' },
      h(
        'button',
        {
          type: 'button',
          id: 'msg-add-text',
          onclick: () => (messages.push({ type: 'text', text: tr('newMessageText') }), changed(true, `msg-text-${messages.length - 1}`)),
        },
        tr('addTextMessage'),
      ),
      h('button', { type: 'button', id: 'msg-add-carousel', onclick: addCarousel }, tr('addCarousel')),
    ),
    hasCarousel && field('msg-empty', tr('whenEmpty'), empty),
  ];
}

function carouselEditor(
  message: Json,
  repeat: Json,
  card: Json,
  i: number,
  arrays: Array<{ path: string; fields: string[] }>,
  ctx: FollowUpContext,
): HTMLElement {
  const { tr, changed } = ctx;
  const id = (part: string) => `carousel-${part}-${i}`;
  const as = typeof repeat.as === 'string' ? repeat.as : 'item';
  const over = typeof repeat.over === 'string' ? repeat.over : '';
  const overSelect = h('select', { id: id('over') });
  for (const { path } of arrays) overSelect.append(h('option', { value: path, selected: path === over }, path));
  if (!arrays.some((a) => a.path === over)) overSelect.append(h('option', { value: over, selected: true }, over || tr('chooseValue')));
  overSelect.addEventListener('change', () => ((repeat.over = overSelect.value), changed(true, id('over'))));
  // Renaming the item renames it in the card's templates too.
  const asInput = textInput(id('as'), as, () => undefined);
  asInput.addEventListener('change', () => {
    const next = asInput.value.trim();
    if (!/^[A-Za-z_]\w*$/.test(next)) return asInput.setAttribute('aria-invalid', 'true');
    repeat.as = next;
    message.card = JSON.parse(JSON.stringify(card).replace(new RegExp(`\\b${as}(?=[.[\\s}|])`, 'g'), next)) as Json;
    changed(true, id('as'));
  });
  const limit = h('input', { id: id('limit'), type: 'number', min: '1', max: '50', inputmode: 'numeric' });
  limit.value = typeof repeat.limit === 'number' ? String(repeat.limit) : '';
  limit.addEventListener('input', () => (limit.value ? (repeat.limit = Number(limit.value)) : delete repeat.limit, changed(false)));
  const alt = textInput(id('alt'), message.altText, (v) => (v ? (message.altText = v) : delete message.altText, changed(false)));

  const itemFields: Groups = [
    [tr('itemFields', { as }), [as, ...(arrays.find((a) => a.path === over)?.fields ?? []).map((f) => `${as}.${f}`)]],
    ...ctx.groups,
  ];
  const target = (input: HTMLInputElement, label: string) =>
    asTarget(input, { id: input.id, label, kind: 'template', repeat: { over, as } });
  /** A card field: its input, the item-field picker, and the target for clicked response fields. */
  const templated = (key: string, label: string, value: unknown, set: (v: string) => void) => {
    const input = target(
      textInput(id(key), value, (v) => (set(v), changed(false)), { class: 'wide' }),
      label,
    );
    return h(
      'div',
      { class: 'grow' },
      field(input.id, label, input),
      picker(
        id(`${key}-insert`),
        tr('fieldFor', { field: label }),
        itemFields,
        tr,
        (v) => insertAtCaret(input, tpl(v)),
        'insert',
        fillOnChoose(input, tpl, itemFields),
      ),
    );
  };
  const setCard = (key: string) => (v: string) => (v || key === 'title' ? (card[key] = v) : delete card[key]);

  const buttons = Array.isArray(card.buttons) ? (card.buttons as unknown[]) : [];
  let first = isObject(buttons[0]) ? buttons[0] : undefined;
  const pendingKey = `${ctx.cardId}:${i}`;
  const type: ButtonType =
    first && typeof first.type === 'string' && first.type in BUTTON_VALUE
      ? (first.type as ButtonType)
      : (pendingTypes.get(pendingKey) ?? 'postback');
  /** Write the first button: gone when it has neither label nor value. */
  const setButton = (patch: Json) => {
    const next: Json = { type, label: '', ...(first ?? {}), ...patch };
    const valueKey = BUTTON_VALUE[next.type as ButtonType];
    if (!next.label && !next[valueKey]) {
      if (first) buttons.splice(0, 1);
      first = undefined;
    } else if (first) Object.assign(first, patch);
    else buttons.unshift((first = next));
    card.buttons = buttons;
  };
  const buttonType = h('select', { id: id('button-type') });
  for (const t of Object.keys(BUTTON_VALUE) as ButtonType[])
    buttonType.append(h('option', { value: t, selected: t === type }, tr(`button_${t}`)));
  buttonType.addEventListener('change', () => {
    const t = buttonType.value as ButtonType;
    pendingTypes.set(pendingKey, t);
    const value = first?.[BUTTON_VALUE[type]] ?? '';
    if (first) for (const key of Object.values(BUTTON_VALUE)) delete first[key];
    if (first && t !== 'postback') delete first.displayText;
    setButton({ type: t, [BUTTON_VALUE[t]]: value });
    changed(true, id('button-type'));
  });

  return h(
    'fieldset',
    { class: 'carousel', id: id('set') },
    h('legend', {}, tr('carouselLegend', { n: i + 1 })),
    h('p', { class: 'hint' }, tr(arrays.length ? 'carouselHint' : 'carouselHintNoTest')),
    h(
      'div',
      { class: 'row' },
      field(id('over'), tr('repeatOver'), overSelect),
      field(id('as'), tr('repeatAs'), asInput, tr('repeatAsHint')),
      field(id('limit'), tr('repeatLimit'), limit),
      h('div', { class: 'grow' }, field(id('alt'), tr('altText'), alt)),
    ),
    h(
      'div',
      { class: 'card-fields' },
      templated('title', tr('cardTitle'), card.title, setCard('title')),
      templated('subtitle', tr('cardSubtitle'), card.subtitle, setCard('subtitle')),
      templated('image', tr('cardImage'), card.imageUrl, setCard('imageUrl')),
      h(
        'fieldset',
        {},
        h('legend', {}, tr('cardButton')),
        field(id('button-type'), tr('buttonType'), buttonType),
        templated('button-label', tr('buttonLabel'), first?.label, (v) => setButton({ label: v })),
        templated('button-value', tr(`buttonValue_${type}`), first?.[BUTTON_VALUE[type]], (v) => setButton({ [BUTTON_VALUE[type]]: v })),
        buttons.length > 1 && h('p', { class: 'hint' }, tr('moreButtons', { count: buttons.length - 1 })),
      ),
    ),
  );
}
