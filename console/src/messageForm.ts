import { arraysIn, picker, type Groups } from './cardKit';
import { itemAt, itemGroups, list, numberField, outletField, put, rowTools, selectField, str, textField, type Kit } from './blockFormKit';
import { renderPreview } from './blockPreview';
import { h } from './dom';
import { defineTexts } from './i18n';
import { isObject, type Json } from './json';

// A message block as a form: its messages (text with quick replies, image, buttons, carousel of fixed
// cards or one card repeated over a list, text list), each button of any type, the `empty` and `next`
// outlets, and the block previewed as LINE and Messenger show it.

const tx = defineTexts({
  en: {
    messages: 'Messages',
    noMessages: 'No messages yet: add one below.',
    message: 'Message {n}',
    messageOf: 'Message {n}: {type}',
    text: 'text',
    image: 'image',
    buttons: 'buttons',
    carousel: 'carousel',
    textList: 'text list',
    addText: 'Add a text',
    addImage: 'Add an image',
    addButtons: 'Add a buttons message',
    addCarousel: 'Add a carousel',
    addTextList: 'Add a text list',
    textLabel: 'Text',
    url: 'Image URL',
    previewUrl: 'Preview image URL',
    previewUrlHint: 'A smaller image for the chat; the image itself when left out.',
    title: 'Title',
    subtitle: 'Subtitle',
    imageUrl: 'Image URL',
    altText: 'Notification text',
    altTextHint: "Shown in notifications and the chat list; the cards' titles when left out.",
    quickReplies: 'Quick replies',
    quickReply: 'quick reply',
    button: 'button',
    buttonsLegend: 'Buttons',
    addQuickReply: 'Add a quick reply',
    addButton: 'Add a button',
    none: 'None.',
    type: 'Type',
    postback: 'Postback (sends data)',
    urlButton: 'Open a link',
    messageButton: 'Send a text',
    label: 'Label',
    data: 'Data',
    dataHint: 'Like action=my_tickets&id=1: postback triggers match its action.',
    displayText: 'Text shown when tapped',
    link: 'URL',
    sendText: 'Text sent',
    cardsMode: 'Cards',
    fixed: 'Fixed cards',
    repeated: 'One card per item of a list',
    cards: 'Cards',
    card: 'card {n}',
    cardLegend: 'Card {n}',
    addCard: 'Add a card',
    template: 'The card of each item',
    over: 'List to repeat over',
    overHint: 'A path like response.body.items.',
    lists: 'Lists in the last test response',
    as: 'Name of each item',
    asHint: 'Templates read the item with it: {{ item.name }}.',
    limit: 'At most',
    separator: 'Separator',
    separatorHint: 'Between the texts; \\n is a new line (the default).',
    empty: 'When the list is empty',
    emptyHint:
      'Where the flow goes when a repeat has nothing to repeat over; without it, the other messages are sent and the flow goes on.',
    next: 'Next',
    heading: 'Message block {id}',
  },
  'zh-TW': {
    messages: '訊息',
    noMessages: '還沒有訊息：在下方新增。',
    message: '訊息 {n}',
    messageOf: '訊息 {n}：{type}',
    text: '文字',
    image: '圖片',
    buttons: '按鈕',
    carousel: '輪播',
    textList: '文字清單',
    addText: '新增文字',
    addImage: '新增圖片',
    addButtons: '新增按鈕訊息',
    addCarousel: '新增輪播',
    addTextList: '新增文字清單',
    textLabel: '文字',
    url: '圖片網址',
    previewUrl: '預覽圖網址',
    previewUrlHint: '聊天室中顯示的小圖；留空則用原圖。',
    title: '標題',
    subtitle: '副標題',
    imageUrl: '圖片網址',
    altText: '通知文字',
    altTextHint: '顯示在通知與聊天列表；留空則用各卡片的標題。',
    quickReplies: '快速回覆',
    quickReply: '快速回覆',
    button: '按鈕',
    buttonsLegend: '按鈕',
    addQuickReply: '新增快速回覆',
    addButton: '新增按鈕',
    none: '無。',
    type: '類型',
    postback: 'Postback（送出資料）',
    urlButton: '開啟連結',
    messageButton: '送出文字',
    label: '標籤',
    data: '資料',
    dataHint: '例如 action=my_tickets&id=1：postback 觸發條件比對其中的 action。',
    displayText: '點選時顯示的文字',
    link: '網址',
    sendText: '送出的文字',
    cardsMode: '卡片',
    fixed: '固定的卡片',
    repeated: '清單的每一項一張卡片',
    cards: '卡片',
    card: '卡片 {n}',
    cardLegend: '卡片 {n}',
    addCard: '新增卡片',
    template: '每一項的卡片',
    over: '要重複的清單',
    overHint: '路徑，例如 response.body.items。',
    lists: '最近一次測試回應中的清單',
    as: '每一項的名稱',
    asHint: '範本用這個名稱讀取每一項：{{ item.name }}。',
    limit: '最多',
    separator: '分隔字元',
    separatorHint: '文字之間的分隔；\\n 代表換行（預設）。',
    empty: '清單是空的時候',
    emptyHint: '重複的清單沒有任何項目時，流程前往的區塊；留空則送出其他訊息並繼續。',
    next: '下一步',
    heading: '訊息區塊 {id}',
  },
});
type Key = Parameters<typeof tx>[1];

const TYPES = ['text', 'image', 'buttons', 'carousel', 'textList'] as const;
const ADD: Record<(typeof TYPES)[number], Key> = {
  text: 'addText',
  image: 'addImage',
  buttons: 'addButtons',
  carousel: 'addCarousel',
  textList: 'addTextList',
};
const BUTTON_KEYS = ['data', 'displayText', 'url', 'text'];

export function renderMessageForm(k: Kit): HTMLElement[] {
  const T = (key: Key, values?: Record<string, string | number>) => tx(k.ctx.lang, key, values);
  const messages = list(k.block.messages);
  const items = messages.map((_, i) => {
    const m = itemAt(messages, i);
    const type =
      typeof m.type === 'string' && (TYPES as readonly string[]).includes(m.type) ? (m.type as (typeof TYPES)[number]) : undefined;
    const id = `bf-msg-${i}`;
    return h(
      'li',
      {},
      h(
        'fieldset',
        { id },
        h('legend', {}, T('messageOf', { n: i + 1, type: type ? T(type) : str(m.type) })),
        rowTools(k, {
          id,
          name: T('message', { n: i + 1 }).toLowerCase(),
          items: messages,
          i,
          removed: () => put(k.block, 'messages', messages),
          focusAfterRemove: 'bf-add-text',
        }),
        ...messageFields(k, m, i, T),
      ),
    );
  });
  const add = (type: (typeof TYPES)[number]) =>
    h(
      'button',
      {
        type: 'button',
        id: `bf-add-${type}`,
        onclick: () => (messages.push({ type }), (k.block.messages = messages), k.rebuild(`bf-msg-${messages.length - 1}-up`)),
      },
      T(ADD[type]),
    );
  return [
    h('h2', { id: 'block-form-heading' }, T('heading', { id: k.id })),
    h(
      'fieldset',
      { id: 'bf-messages' },
      h('legend', {}, T('messages')),
      items.length ? h('ol', { class: 'messages block-messages' }, ...items) : h('p', {}, T('noMessages')),
      h('p', { class: 'toolbar' }, ...TYPES.map(add)),
    ),
    h(
      'div',
      { class: 'row' },
      outletField(k, { id: 'bf-empty', label: T('empty'), outlet: ['empty'], hint: T('emptyHint') }),
      outletField(k, { id: 'bf-next', label: T('next'), outlet: ['next'] }),
    ),
    renderPreview(k),
  ];
}

type T = (key: Key, values?: Record<string, string | number>) => string;

function messageFields(k: Kit, m: Json, i: number, T: T): HTMLElement[] {
  const id = `bf-msg-${i}`;
  const scope = T('message', { n: i + 1 });
  const path = `${k.at}.messages.${i}`;
  const text = (key: string, label: string, o: { multiline?: boolean; hint?: string; groups?: Groups } = {}) =>
    textField(k, {
      id: `${id}-${key}`,
      name: `${scope} ${label.toLowerCase()}`,
      label,
      value: m[key],
      set: (v) => put(m, key, v),
      path: `${path}.${key}`,
      template: o.groups ?? true,
      multiline: o.multiline,
      hint: o.hint,
    });
  switch (m.type) {
    case 'text':
      return [
        text('text', T('textLabel'), { multiline: true }),
        buttonsEditor(
          k,
          {
            id: `${id}-qr`,
            scope: `${scope} ${T('quickReply')}`,
            legend: T('quickReplies'),
            parent: m,
            key: 'quickReplies',
            max: 13,
            fresh: 'message',
            add: T('addQuickReply'),
            path,
          },
          T,
        ),
      ];
    case 'image':
      return [text('url', T('url')), text('previewUrl', T('previewUrl'), { hint: T('previewUrlHint') })];
    case 'buttons':
      return [
        text('text', T('textLabel'), { multiline: true }),
        text('title', T('title')),
        text('imageUrl', T('imageUrl')),
        buttonsEditor(
          k,
          {
            id: `${id}-btn`,
            scope: `${scope} ${T('button')}`,
            legend: T('buttonsLegend'),
            parent: m,
            key: 'buttons',
            max: 3,
            fresh: 'postback',
            add: T('addButton'),
            path,
            links: true,
          },
          T,
        ),
      ];
    case 'carousel':
      return carouselFields(k, m, i, T);
    case 'textList': {
      const repeat = isObject(m.repeat) ? m.repeat : {};
      const groups = itemGroups(k, repeat.over, repeat.as);
      const separator = textField(k, {
        id: `${id}-separator`,
        name: `${scope} ${T('separator').toLowerCase()}`,
        label: T('separator'),
        value: typeof m.separator === 'string' ? m.separator.replace(/\n/g, '\\n') : '',
        set: (v) => put(m, 'separator', v.replace(/\\n/g, '\n')),
        path: `${path}.separator`,
        hint: T('separatorHint'),
        placeholder: '\\n',
      });
      return [repeatFields(k, m, i, T, 50), text('text', T('textLabel'), { multiline: true, groups }), separator];
    }
    default:
      return [];
  }
}

function repeatFields(k: Kit, m: Json, i: number, T: T, max: number): HTMLElement {
  const id = `bf-msg-${i}`;
  const scope = T('message', { n: i + 1 });
  const path = `${k.at}.messages.${i}.repeat`;
  const repeat = (): Json => (isObject(m.repeat) ? m.repeat : (m.repeat = {}));
  const current = isObject(m.repeat) ? m.repeat : {};
  const over = textField(k, {
    id: `${id}-over`,
    name: `${scope} ${T('over').toLowerCase()}`,
    label: T('over'),
    value: current.over,
    set: (v) => put(repeat(), 'over', v),
    path: `${path}.over`,
    hint: T('overHint'),
  });
  const arrays = arraysIn(k.response).map((a) => a.path);
  const input = over.querySelector('input');
  return h(
    'div',
    { class: 'row repeat' },
    h(
      'div',
      { class: 'grow' },
      over,
      arrays.length > 0 &&
        input !== null &&
        picker(
          `${id}-over-pick`,
          `${T('lists')} (${scope})`,
          [[T('lists'), arrays]],
          k.tr,
          (v) => ((input.value = v), input.dispatchEvent(new Event('input')), k.rebuild(input.id)),
          'use',
        ),
    ),
    textField(k, {
      id: `${id}-as`,
      name: `${scope} ${T('as').toLowerCase()}`,
      label: T('as'),
      value: current.as,
      set: (v) => put(repeat(), 'as', v),
      path: `${path}.as`,
      hint: T('asHint'),
      placeholder: 'item',
    }),
    numberField(k, {
      id: `${id}-limit`,
      name: `${scope} ${T('limit').toLowerCase()}`,
      label: T('limit'),
      value: current.limit,
      set: (v) => put(repeat(), 'limit', v),
      path: `${path}.limit`,
      min: 1,
      max,
    }),
  );
}

function carouselFields(k: Kit, m: Json, i: number, T: T): HTMLElement[] {
  const id = `bf-msg-${i}`;
  const scope = T('message', { n: i + 1 });
  const path = `${k.at}.messages.${i}`;
  const repeated = 'repeat' in m || 'card' in m;
  const radio = (mode: 'fixed' | 'repeated') =>
    h(
      'div',
      { class: 'check' },
      h('input', {
        type: 'radio',
        name: `${id}-mode`,
        id: `${id}-${mode}`,
        checked: (mode === 'repeated') === repeated,
        onchange: () => {
          if (mode === 'repeated') {
            delete m.cards;
            m.repeat = isObject(m.repeat) ? m.repeat : {};
            m.card = isObject(m.card) ? m.card : {};
          } else {
            delete m.repeat;
            delete m.card;
          }
          k.rebuild(`${id}-${mode}`);
        },
      }),
      h('label', { for: `${id}-${mode}` }, T(mode)),
    );
  const altText = textField(k, {
    id: `${id}-altText`,
    name: `${scope} ${T('altText').toLowerCase()}`,
    label: T('altText'),
    value: m.altText,
    set: (v) => put(m, 'altText', v),
    path: `${path}.altText`,
    hint: T('altTextHint'),
    template: true,
  });
  const mode = h('fieldset', { class: 'inline' }, h('legend', {}, `${T('cardsMode')} (${scope})`), radio('fixed'), radio('repeated'));
  if (repeated) {
    const card = isObject(m.card) ? m.card : (m.card = {});
    const repeat = isObject(m.repeat) ? m.repeat : {};
    return [
      altText,
      mode,
      repeatFields(k, m, i, T, 10),
      cardFields(
        k,
        card,
        {
          id: `${id}-card`,
          scope: `${scope} ${T('template').toLowerCase()}`,
          legend: T('template'),
          path: `${path}.card`,
          groups: itemGroups(k, repeat.over, repeat.as),
        },
        T,
      ),
    ];
  }
  const cards = list(m.cards);
  const cardItems = cards.map((_, c) => {
    const cardId = `${id}-card-${c}`;
    const name = `${scope} ${T('card', { n: c + 1 })}`;
    return h(
      'li',
      {},
      cardFields(
        k,
        itemAt(cards, c),
        { id: cardId, scope: name, legend: T('cardLegend', { n: c + 1 }), path: `${path}.cards.${c}`, groups: [] },
        T,
        rowTools(k, {
          id: cardId,
          name: name.toLowerCase(),
          items: cards,
          i: c,
          removed: () => put(m, 'cards', cards),
          focusAfterRemove: `${id}-add-card`,
        }),
      ),
    );
  });
  return [
    altText,
    mode,
    h(
      'fieldset',
      {},
      h('legend', {}, `${T('cards')} (${scope})`),
      cardItems.length > 0 && h('ol', { class: 'rows' }, ...cardItems),
      h(
        'button',
        {
          type: 'button',
          id: `${id}-add-card`,
          disabled: cards.length >= 10,
          onclick: () => (cards.push({}), (m.cards = cards), k.rebuild(`${id}-card-${cards.length - 1}-title`)),
        },
        T('addCard'),
      ),
    ),
  ];
}

function cardFields(
  k: Kit,
  card: Json,
  o: { id: string; scope: string; legend: string; path: string; groups: Groups },
  T: T,
  tools?: HTMLElement,
): HTMLElement {
  const text = (key: string, label: string) =>
    textField(k, {
      id: `${o.id}-${key}`,
      name: `${o.scope} ${label.toLowerCase()}`,
      label,
      value: card[key],
      set: (v) => put(card, key, v),
      path: `${o.path}.${key}`,
      template: o.groups,
    });
  return h(
    'fieldset',
    { id: o.id, class: 'carousel-card' },
    h('legend', {}, o.legend),
    tools,
    h('div', { class: 'card-fields' }, text('title', T('title')), text('subtitle', T('subtitle')), text('imageUrl', T('imageUrl'))),
    buttonsEditor(
      k,
      {
        id: `${o.id}-btn`,
        scope: `${o.scope} ${T('button')}`,
        legend: T('buttonsLegend'),
        parent: card,
        key: 'buttons',
        max: 3,
        fresh: 'postback',
        add: T('addButton'),
        path: o.path,
        groups: o.groups,
        links: true,
      },
      T,
    ),
  );
}

/** The buttons of a message or card, or a text's quick replies: each of any type, added, moved, removed. */
function buttonsEditor(
  k: Kit,
  o: {
    id: string;
    scope: string;
    legend: string;
    parent: Json;
    key: string;
    max: number;
    fresh: string;
    add: string;
    path: string;
    groups?: Groups;
    links?: boolean;
  },
  T: T,
): HTMLElement {
  const buttons = list(o.parent[o.key]);
  const rows = buttons.map((_, b) => {
    const button = itemAt(buttons, b);
    const id = `${o.id}-${b}`;
    const name = `${o.scope} ${b + 1}`;
    const path = `${o.path}.${o.key}.${b}`;
    const text = (key: string, label: string, hint?: string) =>
      textField(k, {
        id: `${id}-${key}`,
        name: `${name} ${label.toLowerCase()}`,
        label,
        value: button[key],
        set: (v) => put(button, key, v),
        path: `${path}.${key}`,
        template: o.groups ?? true,
        hint,
      });
    const type = selectField(k, {
      id: `${id}-type`,
      name: `${name} ${T('type').toLowerCase()}`,
      label: T('type'),
      // A quick reply cannot open a link (the flow check refuses it): offered only to show one written so.
      options: [
        ['postback', T('postback')] as [string, string],
        ...(o.links || button.type === 'url' ? [['url', T('urlButton')] as [string, string]] : []),
        ['message', T('messageButton')] as [string, string],
      ],
      value: button.type,
      path: `${path}.type`,
      set: (value) => {
        // The keys of the other button types go; the label and keys callcard does not know stay.
        for (const key of BUTTON_KEYS) delete button[key];
        button.type = value;
        k.rebuild(`${id}-type`);
      },
    });
    const fields =
      button.type === 'postback'
        ? [text('data', T('data'), T('dataHint')), text('displayText', T('displayText'))]
        : button.type === 'url'
          ? [text('url', T('link'))]
          : button.type === 'message'
            ? [text('text', T('sendText'))]
            : [];
    return h(
      'li',
      { class: 'button-row' },
      h('div', { class: 'row' }, type, text('label', T('label')), ...fields),
      rowTools(k, {
        id,
        name: name.toLowerCase(),
        items: buttons,
        i: b,
        removed: () => put(o.parent, o.key, buttons),
        focusAfterRemove: `${o.id}-add`,
      }),
    );
  });
  return h(
    'fieldset',
    { class: 'buttons-editor' },
    h('legend', {}, o.legend),
    rows.length ? h('ol', { class: 'rows' }, ...rows) : h('p', { class: 'hint' }, T('none')),
    h(
      'button',
      {
        type: 'button',
        id: `${o.id}-add`,
        disabled: buttons.length >= o.max,
        onclick: () => (buttons.push({ type: o.fresh }), (o.parent[o.key] = buttons), k.rebuild(`${o.id}-${buttons.length - 1}-label`)),
      },
      o.add,
    ),
  );
}
