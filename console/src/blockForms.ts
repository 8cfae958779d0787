import { CHANNEL_KIND_LIST } from '../../shared/domain/channelKindList';
import { rowsEditor } from './cardKit';
import { makeKit, outletField, put, textField, type Kit } from './blockFormKit';
import { renderConditionForm } from './conditionForm';
import { h } from './dom';
import { blocksOf, problemsIn, type EditorContext } from './editorContext';
import { defineTexts } from './i18n';
import { isObject } from './json';
import { renderMessageForm } from './messageForm';
import { renderQuestionForm } from './questionForm';

// The form of every block that is not a Call an API card (that one is ./card.ts): message, question,
// condition, set attributes, unbind, link account and end. Each edits the block in the flow document in place (keys it does
// not know stay, optional keys left empty are left out) and shows the block's problems in place.

const tx = defineTexts({
  en: {
    noBlock: 'There is no block {id}.',
    unknownType: 'Block {id} has no type this console knows ({type}): edit it in the flow JSON.',
    callApi: 'Block {id} is a Call an API card: its form is the card form.',
    setHeading: 'Set attributes block {id}',
    set: 'Attributes to set',
    setHint: 'Each value is a template: {{ response.body.memberId }}, {{ attributes.name | upcase }}.',
    name: 'Attribute {n} name',
    value: 'Attribute {n} value',
    pick: 'Value for attribute {n}',
    remove: 'Remove attribute {n}',
    add: 'Add an attribute',
    none: 'No attributes yet.',
    next: 'Next',
    endHeading: 'End block {id}',
    end: 'The conversation ends here: nothing is sent, and the next message from the customer starts again from the triggers. Attributes saved so far stay.',
    unbindHeading: 'Unlink block {id}',
    unbind:
      "Removes the customer's verified binding (who they are at the brand): from here on, personal cards ask them to verify again. Attributes stay. Nothing is sent: say so in the next block.",
    linkHeading: 'Link account block {id}',
    link: 'Sends the text with a button to your login page, and waits. The customer signs in there; LINE (account link) or Messenger (account linking) vouches that the chat account is theirs and brings back what your page gave it, {{ link.nonce }}: the card you link at "Linked" asks your API who that is, and binds.',
    loginUrl: 'Login page',
    loginUrlHint:
      'https. On LINE callcard adds ?linkToken=…, which your page sends back to LINE with its nonce; Messenger adds account_linking_token and redirect_uri.',
    linkText: 'Text',
    label: 'Button label (LINE)',
    labelHint: 'Messenger names its Log In button itself. Empty: the built-in label.',
    channels: 'Links on',
    channelsHint: 'Unticked channels go to "Elsewhere" (a one-time code, say).',
    line: 'LINE',
    messenger: 'Messenger',
    onLinked: 'Linked: the card that resolves {{ link.nonce }} and binds',
    onFailure: 'Not linked',
    onFailureHint: 'Empty: callcard says the built-in text (linkFailed).',
    elsewhere: 'Elsewhere',
  },
  'zh-TW': {
    noBlock: '沒有區塊 {id}。',
    unknownType: '區塊 {id} 的類型（{type}）這個主控台不認得：請在流程 JSON 中編輯。',
    callApi: '區塊 {id} 是呼叫 API 卡片：請使用卡片表單。',
    setHeading: '設定屬性區塊 {id}',
    set: '要設定的屬性',
    setHint: '每個值都是範本：{{ response.body.memberId }}、{{ attributes.name | upcase }}。',
    name: '屬性 {n} 名稱',
    value: '屬性 {n} 值',
    pick: '屬性 {n} 的值',
    remove: '移除屬性 {n}',
    add: '新增屬性',
    none: '還沒有屬性。',
    next: '下一步',
    endHeading: '結束區塊 {id}',
    end: '對話在這裡結束：不會送出任何訊息，顧客的下一則訊息會重新從觸發條件開始。已儲存的屬性會保留。',
    unbindHeading: '解除會員綁定區塊 {id}',
    unbind: '移除顧客已驗證的會員綁定：之後個人卡片會請顧客重新驗證。屬性會保留。這個區塊不會送出訊息，請在下一個區塊告訴顧客。',
    linkHeading: '連結帳號區塊 {id}',
    link: '送出文字和一個前往您登入頁的按鈕，然後等待。顧客在那裡登入後，LINE（帳號連結）或 Messenger（帳號連結）會確認聊天帳號屬於本人，並帶回您頁面給的 {{ link.nonce }}：您在「已連結」連上的卡片會向您的 API 查詢是哪位會員並完成綁定。',
    loginUrl: '登入頁',
    loginUrlHint:
      '請用 https。在 LINE 上 callcard 會加上 ?linkToken=…，您的頁面要把它連同 nonce 送回 LINE；Messenger 會加上 account_linking_token 和 redirect_uri。',
    linkText: '文字',
    label: '按鈕文字（LINE）',
    labelHint: 'Messenger 的登入按鈕文字由 Messenger 決定。留空：使用內建文字。',
    channels: '連結的頻道',
    channelsHint: '沒有勾選的頻道會前往「其他頻道」（例如一次性驗證碼）。',
    line: 'LINE',
    messenger: 'Messenger',
    onLinked: '已連結：查詢 {{ link.nonce }} 並綁定的卡片',
    onFailure: '未連結',
    onFailureHint: '留空：callcard 說內建文字（linkFailed）。',
    elsewhere: '其他頻道',
  },
});

/**
 * The form of block `id` (message, question, condition, setAttributes, unbind or end): a heading naming the
 * block, its problems in place, and every field of its type. A Call an API card has its own form.
 */
export function renderBlockForm(ctx: EditorContext, id: string): HTMLElement {
  const T = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const block = blocksOf(ctx.flow)[id];
  const form = h('form', {
    id: 'block-form',
    class: 'block-form',
    'aria-labelledby': 'block-form-heading',
    onsubmit: (event) => event.preventDefault(),
  });
  if (!isObject(block)) return (form.appendChild(h('p', { id: 'block-form-heading' }, T('noBlock', { id }))), form);
  const k = makeKit(ctx, id, block);
  let parts: Array<HTMLElement | false>;
  switch (block.type) {
    case 'message':
      parts = renderMessageForm(k);
      break;
    case 'question':
      parts = renderQuestionForm(k);
      break;
    case 'condition':
      parts = renderConditionForm(k);
      break;
    case 'setAttributes':
      parts = setAttributesForm(k, T);
      break;
    case 'end':
      parts = [h('h2', { id: 'block-form-heading' }, T('endHeading', { id })), h('p', { id: 'bf-end' }, T('end'))];
      break;
    case 'unbind':
      parts = [
        h('h2', { id: 'block-form-heading' }, T('unbindHeading', { id })),
        h('p', { id: 'bf-unbind' }, T('unbind')),
        outletField(k, { id: 'bf-next', label: T('next'), outlet: ['next'] }),
      ];
      break;
    case 'linkAccount':
      parts = linkAccountForm(k, T);
      break;
    case 'callApi':
      parts = [h('p', { id: 'block-form-heading' }, T('callApi', { id }))];
      break;
    default:
      parts = [h('p', { id: 'block-form-heading' }, T('unknownType', { id, type: JSON.stringify(block.type) ?? '?' }))];
  }
  // The heading first, then the block's problems, then its fields.
  const [heading, ...rest] = parts.filter((part): part is HTMLElement => part !== false);
  form.append(
    ...[heading, problemsIn(ctx, k.at, 'bf-problems'), ...rest].filter((part): part is HTMLElement => part !== false && part !== undefined),
  );
  return form;
}

function setAttributesForm(k: Kit, T: (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => string): HTMLElement[] {
  const block = k.block;
  const rows = isObject(block.set)
    ? Object.entries(block.set).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)])
    : [];
  return [
    h('h2', { id: 'block-form-heading' }, T('setHeading', { id: k.id })),
    h(
      'fieldset',
      { id: 'bf-set' },
      h('legend', {}, T('set')),
      h('p', { class: 'hint' }, T('setHint')),
      ...rowsEditor({
        id: 'bf-set',
        rows,
        tr: k.tr,
        // `set` is required: with no rows it is written as {}, the block's own "nothing yet".
        write: (rebuild) => (
          (block.set = Object.fromEntries(rows.map(([name, value]) => [name ?? '', value ?? '']))),
          rebuild ? k.rebuild('') : k.edit()
        ),
        name: (n) => T('name', { n }),
        value: (n) => T('value', { n }),
        pick: (n) => T('pick', { n }),
        remove: (n) => T('remove', { n }),
        add: T('add'),
        empty: T('none'),
        fresh: 'attribute',
        groups: k.groups,
      }),
    ),
    outletField(k, { id: 'bf-next', label: T('next'), outlet: ['next'] }),
  ];
}

/** The linkAccount block: the login page, the text and label, the channels it links on, and its three outlets. */
function linkAccountForm(k: Kit, T: (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => string): HTMLElement[] {
  const block = k.block;
  const channels = CHANNEL_KIND_LIST;
  const linked = (kind: string) => !Array.isArray(block.channels) || block.channels.includes(kind);
  const boxes = channels.map((kind) => {
    const box = h('input', { id: `bf-channel-${kind}`, type: 'checkbox', checked: linked(kind) });
    box.addEventListener('change', () => {
      const chosen = channels.filter((c) => (c === kind ? box.checked : linked(c)));
      // Both (the default) is written as no channels at all; none is left as [] for the check to flag.
      put(block, 'channels', chosen.length === channels.length ? undefined : chosen);
      k.rebuild(`bf-channel-${kind}`);
    });
    return h('label', { for: `bf-channel-${kind}`, class: 'inline' }, box, ` ${T(kind)}`);
  });
  const every = channels.every(linked);
  return [
    h('h2', { id: 'block-form-heading' }, T('linkHeading', { id: k.id })),
    h('p', { id: 'bf-link' }, T('link')),
    textField(k, {
      id: 'bf-login-url',
      name: T('loginUrl'),
      label: T('loginUrl'),
      value: block.loginUrl,
      set: (v) => (block.loginUrl = v),
      path: `${k.at}.loginUrl`,
      hint: T('loginUrlHint'),
      placeholder: 'https://',
      template: true,
    }),
    textField(k, {
      id: 'bf-link-text',
      name: T('linkText'),
      label: T('linkText'),
      value: block.text,
      set: (v) => (block.text = v),
      path: `${k.at}.text`,
      multiline: true,
      template: true,
    }),
    textField(k, {
      id: 'bf-link-label',
      name: T('label'),
      label: T('label'),
      value: block.label,
      set: (v) => put(block, 'label', v.trim() === '' ? undefined : v),
      path: `${k.at}.label`,
      hint: T('labelHint'),
    }),
    h(
      'fieldset',
      { id: 'bf-channels', 'aria-describedby': 'bf-channels-hint' },
      h('legend', {}, T('channels')),
      ...boxes,
      h('p', { id: 'bf-channels-hint', class: 'hint' }, T('channelsHint')),
    ),
    outletField(k, { id: 'bf-on-linked', label: T('onLinked'), outlet: ['onLinked'] }),
    outletField(k, { id: 'bf-on-failure', label: T('onFailure'), outlet: ['onFailure'], hint: T('onFailureHint') }),
    !every && outletField(k, { id: 'bf-elsewhere', label: T('elsewhere'), outlet: ['elsewhere'] }),
  ].filter((part): part is HTMLElement => part !== false);
}
