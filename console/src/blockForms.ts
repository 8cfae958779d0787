import { rowsEditor } from './cardKit';
import { makeKit, outletField, type Kit } from './blockFormKit';
import { renderConditionForm } from './conditionForm';
import { h } from './dom';
import { blocksOf, problemsIn, type EditorContext } from './editorContext';
import { defineTexts } from './i18n';
import { isObject } from './json';
import { renderMessageForm } from './messageForm';
import { renderQuestionForm } from './questionForm';

// The form of every block that is not a Call an API card (that one is ./card.ts): message, question,
// condition, set attributes, unbind and end. Each edits the block in the flow document in place (keys it does
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
    unbind: "Removes the customer's verified binding (who they are at the brand): from here on, personal cards ask them to verify again. Attributes stay. Nothing is sent: say so in the next block.",
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
  },
});

/**
 * The form of block `id` (message, question, condition, setAttributes, unbind or end): a heading naming the
 * block, its problems in place, and every field of its type. A Call an API card has its own form.
 */
export function renderBlockForm(ctx: EditorContext, id: string): HTMLElement {
  const T = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const block = blocksOf(ctx.flow)[id];
  const form = h('form', { id: 'block-form', class: 'block-form', 'aria-labelledby': 'block-form-heading', onsubmit: (event) => event.preventDefault() });
  if (!isObject(block)) return form.appendChild(h('p', { id: 'block-form-heading' }, T('noBlock', { id }))), form;
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
      parts = [h('h2', { id: 'block-form-heading' }, T('unbindHeading', { id })), h('p', { id: 'bf-unbind' }, T('unbind')), outletField(k, { id: 'bf-next', label: T('next'), outlet: ['next'] })];
      break;
    case 'callApi':
      parts = [h('p', { id: 'block-form-heading' }, T('callApi', { id }))];
      break;
    default:
      parts = [h('p', { id: 'block-form-heading' }, T('unknownType', { id, type: JSON.stringify(block.type) ?? '?' }))];
  }
  // The heading first, then the block's problems, then its fields.
  const [heading, ...rest] = parts.filter((part): part is HTMLElement => part !== false);
  form.append(...[heading, problemsIn(ctx, k.at, 'bf-problems'), ...rest].filter((part): part is HTMLElement => part !== false && part !== undefined));
  return form;
}

function setAttributesForm(k: Kit, T: (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => string): HTMLElement[] {
  const block = k.block;
  const rows = isObject(block.set) ? Object.entries(block.set).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]) : [];
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
        write: (rebuild) => ((block.set = Object.fromEntries(rows.map(([name, value]) => [name ?? '', value ?? '']))), rebuild ? k.rebuild('') : k.edit()),
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
