import { itemAt, list, numberField, outletField, put, rowTools, selectField, str, textField, type Kit } from './blockFormKit';
import { h } from './dom';
import { defineTexts } from './i18n';
import { isObject, type Json } from './json';

// A question block as a form: the prompt, what answer it takes (text, number within bounds, email,
// phone, date, or one of up to 13 choices shown as quick replies), the attribute the answer is saved
// as, the re-ask and the attempts before giving up, and its two outlets.

const tx = defineTexts({
  en: {
    heading: 'Question block {id}',
    prompt: 'Prompt',
    input: 'Answer type',
    text: 'Any text',
    number: 'A number',
    email: 'An email address',
    phone: 'A phone number',
    date: 'A date',
    choice: 'One of these choices',
    min: 'Smallest number',
    max: 'Largest number',
    choices: 'Choices',
    choice1: 'choice {n}',
    choiceLabel: 'Choice {n} label',
    choiceValue: 'Choice {n} value',
    label: 'Label',
    value: 'Value saved',
    addChoice: 'Add a choice',
    choicesHint: 'Shown as quick replies (at most 13); the answer saved is the value.',
    noChoices: 'No choices yet.',
    saveAs: 'Save the answer as attribute',
    saveAsHint: 'Letters, digits or _; templates read it as {{ attributes.NAME }}.',
    reask: 'Re-ask after an invalid answer',
    reaskHint: "{{ prompt }} is the question's prompt; the flow's or the workspace language's re-ask when left out.",
    maxAttempts: 'Attempts before giving up',
    maxAttemptsHint: '1 to 10; 3 when left out.',
    onGiveUp: 'After the last invalid answer',
    onGiveUpHint: 'Without it, the conversation ends there.',
    next: 'Next',
    question: 'This question',
  },
  'zh-TW': {
    heading: '問題區塊 {id}',
    prompt: '提問',
    input: '回答類型',
    text: '任何文字',
    number: '數字',
    email: '電子郵件地址',
    phone: '電話號碼',
    date: '日期',
    choice: '從選項中選一個',
    min: '最小值',
    max: '最大值',
    choices: '選項',
    choice1: '選項 {n}',
    choiceLabel: '選項 {n} 標籤',
    choiceValue: '選項 {n} 儲存值',
    label: '標籤',
    value: '儲存的值',
    addChoice: '新增選項',
    choicesHint: '以快速回覆顯示（最多 13 個）；儲存的是值。',
    noChoices: '還沒有選項。',
    saveAs: '將回答存為屬性',
    saveAsHint: '英文字母、數字或 _；範本以 {{ attributes.名稱 }} 讀取。',
    reask: '回答無效時重新提問',
    reaskHint: '{{ prompt }} 是這個問題的提問；留空則用流程或工作區語言的重問文字。',
    maxAttempts: '放棄前的嘗試次數',
    maxAttemptsHint: '1 到 10；留空為 3。',
    onGiveUp: '最後一次回答仍無效時',
    onGiveUpHint: '留空則對話在此結束。',
    next: '下一步',
    question: '這個問題',
  },
});

const INPUTS = ['text', 'number', 'email', 'phone', 'date', 'choice'] as const;

/** A choice's value made from its label: `VIP` → `vip`, `Morning class` → `morning_class`, `標準` stays. */
const valueOf = (label: string): string => label.trim().toLowerCase().replace(/\s+/g, '_');
const DEFAULT_ATTEMPTS = 3;
const MAX_CHOICES = 13;

export function renderQuestionForm(k: Kit): HTMLElement[] {
  const T = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(k.ctx.lang, key, values);
  const q = k.block;
  const input = (): Json => (isObject(q.input) ? q.input : (q.input = {}));
  const current = isObject(q.input) ? q.input : {};
  const at = k.at;

  const type = selectField(k, {
    id: 'bf-input-type',
    name: T('input'),
    label: T('input'),
    options: [
      ...(INPUTS.includes(current.type as never) ? [] : [['', ''] as [string, string]]),
      ...INPUTS.map((t): [string, string] => [t, T(t)]),
    ],
    value: current.type,
    path: `${at}.input`,
    set: (value) => {
      // What belongs to the other answer types goes; keys callcard does not know stay.
      const target = input();
      for (const key of ['min', 'max', 'choices']) delete target[key];
      target.type = value;
      k.rebuild('bf-input-type');
    },
  });
  const details: HTMLElement[] = [];
  if (current.type === 'number') {
    details.push(
      h(
        'div',
        { class: 'row' },
        numberField(k, {
          id: 'bf-input-min',
          name: T('min'),
          label: T('min'),
          value: current.min,
          set: (v) => put(input(), 'min', v),
          path: `${at}.input.min`,
        }),
        numberField(k, {
          id: 'bf-input-max',
          name: T('max'),
          label: T('max'),
          value: current.max,
          set: (v) => put(input(), 'max', v),
          path: `${at}.input.max`,
        }),
      ),
    );
  }
  if (current.type === 'choice') {
    const choices = list(current.choices);
    const rows = choices.map((_, i) => {
      const choice = itemAt(choices, i);
      const id = `bf-choice-${i}`;
      return h(
        'li',
        { class: 'header-row' },
        textField(k, {
          id: `${id}-label`,
          name: T('choiceLabel', { n: i + 1 }),
          label: T('label'),
          value: choice.label,
          set: (v) => {
            // The value follows the label (VIP → vip) until it is typed otherwise.
            if (!str(choice.value) || choice.value === valueOf(str(choice.label))) {
              put(choice, 'value', valueOf(v));
              const value = document.getElementById(`${id}-value`);
              if (value instanceof HTMLInputElement) value.value = valueOf(v);
            }
            put(choice, 'label', v);
          },
          path: `${at}.input.choices.${i}.label`,
        }),
        textField(k, {
          id: `${id}-value`,
          name: T('choiceValue', { n: i + 1 }),
          label: T('value'),
          value: choice.value,
          set: (v) => put(choice, 'value', v),
          path: `${at}.input.choices.${i}.value`,
        }),
        rowTools(k, {
          id,
          name: T('choice1', { n: i + 1 }),
          items: choices,
          i,
          removed: () => put(input(), 'choices', choices),
          focusAfterRemove: 'bf-add-choice',
        }),
      );
    });
    details.push(
      h(
        'fieldset',
        { id: 'bf-choices' },
        h('legend', {}, T('choices')),
        h('p', { class: 'hint' }, T('choicesHint')),
        rows.length ? h('ol', { class: 'rows' }, ...rows) : h('p', {}, T('noChoices')),
        h(
          'button',
          {
            type: 'button',
            id: 'bf-add-choice',
            disabled: choices.length >= MAX_CHOICES,
            onclick: () => (choices.push({}), (input().choices = choices), k.rebuild(`bf-choice-${choices.length - 1}-label`)),
          },
          T('addChoice'),
        ),
      ),
    );
  }

  return [
    h('h2', { id: 'block-form-heading' }, T('heading', { id: k.id })),
    textField(k, {
      id: 'bf-prompt',
      name: T('prompt'),
      label: T('prompt'),
      value: q.prompt,
      set: (v) => put(q, 'prompt', v),
      path: `${at}.prompt`,
      multiline: true,
      template: true,
    }),
    h('fieldset', {}, h('legend', {}, T('input')), type, ...details),
    textField(k, {
      id: 'bf-save-as',
      name: T('saveAs'),
      label: T('saveAs'),
      value: q.saveAs,
      set: (v) => put(q, 'saveAs', v.trim()),
      path: `${at}.saveAs`,
      hint: T('saveAsHint'),
    }),
    textField(k, {
      id: 'bf-reask',
      name: T('reask'),
      label: T('reask'),
      value: q.reask,
      set: (v) => put(q, 'reask', v),
      path: `${at}.reask`,
      hint: T('reaskHint'),
      multiline: true,
      template: [[T('question'), ['prompt']]],
    }),
    numberField(k, {
      id: 'bf-max-attempts',
      name: T('maxAttempts'),
      label: T('maxAttempts'),
      value: q.maxAttempts,
      // Written only when the admin changes it from the default.
      set: (v) => put(q, 'maxAttempts', v === DEFAULT_ATTEMPTS ? undefined : v),
      path: `${at}.maxAttempts`,
      placeholder: String(DEFAULT_ATTEMPTS),
      min: 1,
      max: 10,
      hint: T('maxAttemptsHint'),
    }),
    h(
      'div',
      { class: 'row' },
      outletField(k, { id: 'bf-on-give-up', label: T('onGiveUp'), outlet: ['onGiveUp'], hint: T('onGiveUpHint') }),
      outletField(k, { id: 'bf-next', label: T('next'), outlet: ['next'] }),
    ),
  ];
}
