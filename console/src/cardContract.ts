import { isObject } from './cardKit';
import type { Json } from './json';
import { h } from './dom';
import type { EditorContext } from './editorContext';
import { defineTexts } from './i18n';

// A card's response contract as a form (README "Response contracts"): learnt from the card's last
// test (the dry run learns it: this module loads no JSON Schema code), then its fields as a tree, each
// with its type and whether it is required, each array with "must not be empty", and whether an answer
// that breaks it fails the card or is only warned about. Written into the card's `contract` in place.

const TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'null'] as const;

const tx = defineTexts({
  en: {
    legend: 'Response contract',
    hint: 'The shape the card expects of the answer. An answer that breaks it takes the failure path with the reason contract (the first mismatch in the execution log), and saving refuses a follow-up reading a field the contract lacks.',
    none: 'No contract: any answer is taken.',
    learn: 'Learn contract from the last test',
    learnAgain: 'Learn again from the last test',
    learnFirst: 'Test the card (below) first: its successful answer is what the contract is learnt from.',
    remove: 'Remove the contract',
    onMismatch: 'An answer that breaks it',
    fail: 'fails the card (failure path, reason contract)',
    warn: 'only warns in the execution log (the card succeeds)',
    fields: 'Fields',
    body: 'The whole answer',
    typeOf: 'Type of {path}',
    requiredOf: '{path} is required',
    required: 'required',
    notEmptyOf: '{path} must not be empty',
    notEmpty: 'must not be empty',
    open: 'any shape',
    deeper: '(deeper fields are not checked)',
  },
  'zh-TW': {
    legend: '回應約定',
    hint: '卡片預期的回應結構。不符合的回應會走失敗路徑，原因為 contract（執行紀錄會記下第一個不符之處）；後續區塊讀取約定中沒有的欄位時，無法儲存。',
    none: '沒有約定：任何回應都接受。',
    learn: '從上次測試學習約定',
    learnAgain: '從上次測試重新學習',
    learnFirst: '請先測試卡片（下方）：約定是從成功的回應學習而來。',
    remove: '移除約定',
    onMismatch: '不符合約定的回應',
    fail: '視為卡片失敗（失敗路徑，原因 contract）',
    warn: '只在執行紀錄中警告（卡片仍成功）',
    fields: '欄位',
    body: '整個回應',
    typeOf: '{path} 的型別',
    requiredOf: '{path} 為必填',
    required: '必填',
    notEmptyOf: '{path} 不可為空',
    notEmpty: '不可為空',
    open: '任何結構',
    deeper: '（更深的欄位不檢查）',
  },
});

/** Contracts the dry run learnt, per card (this visit): what "Learn contract" puts into the card. */
const learnt = new Map<string, Json>();

/** A test answered with a learnt contract (a successful answer's shape): keep it for the card's "Learn contract". */
export function setLearntContract(cardId: string, contract: unknown): void {
  if (isObject(contract) && isObject(contract.body)) learnt.set(cardId, contract);
}

/** Fields shown at most this deep: a contract's deeper levels stay as they are. */
const MAX_DEPTH = 6;

/** The card's contract section: learn, then edit; `changed(true, focus)` redraws the form. */
export function contractSet(
  card: Json,
  cardId: string,
  editor: EditorContext,
  changed: (rebuild: boolean, focus?: string) => void,
): HTMLElement {
  const t = (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => tx(editor.lang, key, values);
  const contract = isObject(card.contract) ? card.contract : undefined;
  const fromTest = learnt.get(cardId);
  const learn = h(
    'button',
    {
      type: 'button',
      id: 'card-contract-learn',
      disabled: !fromTest,
      ...(!fromTest ? { 'aria-describedby': 'card-contract-learn-hint' } : {}),
      onclick: () => {
        if (!fromTest) return;
        // The learnt shape, the card's fail or warn kept.
        card.contract = {
          ...structuredClone(fromTest),
          ...(isObject(contract) && contract.onMismatch ? { onMismatch: contract.onMismatch } : {}),
        };
        changed(true, 'card-contract-learn');
      },
    },
    t(contract ? 'learnAgain' : 'learn'),
  );
  const parts: Array<Node | false> = [
    h('legend', {}, t('legend')),
    h('p', { class: 'hint' }, t('hint')),
    !contract && h('p', { id: 'card-contract-none' }, t('none')),
    h('p', { class: 'toolbar' }, learn, !fromTest && h('span', { id: 'card-contract-learn-hint', class: 'hint' }, ' ', t('learnFirst'))),
  ];
  if (contract && isObject(contract.body)) {
    const body = contract.body;
    const mode = h(
      'select',
      { id: 'card-contract-mismatch' },
      h('option', { value: 'fail', selected: contract.onMismatch !== 'warn' }, t('fail')),
      h('option', { value: 'warn', selected: contract.onMismatch === 'warn' }, t('warn')),
    );
    mode.addEventListener('change', () => {
      if (mode.value === 'warn') contract.onMismatch = 'warn';
      else delete contract.onMismatch;
      changed(false);
    });
    const remove = h(
      'button',
      { type: 'button', id: 'card-contract-remove', onclick: () => (delete card.contract, changed(true, 'card-contract-learn')) },
      t('remove'),
    );
    parts.push(
      h('div', { class: 'field' }, h('label', { for: 'card-contract-mismatch' }, t('onMismatch')), mode),
      h('h3', { id: 'card-contract-fields' }, t('fields')),
      h(
        'ul',
        { class: 'contract-tree', 'aria-labelledby': 'card-contract-fields' },
        fieldRow(body, 'response.body', undefined, 0, { t, changed, seq: { n: 0 } }),
      ),
      h('p', { class: 'toolbar' }, remove),
    );
  }
  return h('fieldset', { id: 'card-contract' }, ...parts);
}

interface RowContext {
  t: (key: Parameters<typeof tx>[1], values?: Record<string, string | number>) => string;
  changed: (rebuild: boolean, focus?: string) => void;
  seq: { n: number };
}

/**
 * One field of the contract and those under it: its type (a select), whether its object requires it
 * (`parent`), and for an array "must not be empty" (`minItems: 1`). A type array (`["string", "null"]`)
 * is offered as it is, beside the single types.
 */
function fieldRow(
  schema: Json,
  path: string,
  parent: { schema: Json; name: string } | undefined,
  depth: number,
  ctx: RowContext,
): HTMLElement {
  const { t, changed } = ctx;
  const n = ctx.seq.n++;
  const types = Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === 'string' ? [schema.type] : [];
  const current = types.join(',');
  const select = h('select', { id: `contract-type-${n}`, 'aria-label': t('typeOf', { path }) });
  if (types.length === 0) select.append(h('option', { value: '', selected: true }, t('open')));
  if (types.length > 1) select.append(h('option', { value: current, selected: true }, types.join(' | ')));
  for (const type of TYPES) select.append(h('option', { value: type, selected: current === type }, type));
  select.addEventListener('change', () => {
    const chosen = select.value.split(',').filter(Boolean);
    if (chosen.length === 0) delete schema.type;
    else schema.type = chosen.length === 1 ? chosen[0] : chosen;
    // What only another type has goes with it.
    if (!chosen.includes('object')) for (const key of ['properties', 'required', 'additionalProperties']) delete schema[key];
    if (!chosen.includes('array')) for (const key of ['items', 'minItems', 'maxItems']) delete schema[key];
    changed(true, select.id);
  });
  const controls: Array<Node | string | false> = [
    h('code', {}, parent ? parent.name : path.endsWith('[]') ? '[ ]' : t('body')),
    ' ',
    select,
  ];
  if (parent) {
    const required = Array.isArray(parent.schema.required) ? parent.schema.required.map(String) : [];
    const box = h('input', {
      type: 'checkbox',
      id: `contract-required-${n}`,
      checked: required.includes(parent.name),
      'aria-label': t('requiredOf', { path }),
    });
    box.addEventListener('change', () => {
      const next = required.filter((name) => name !== parent.name);
      if (box.checked) next.push(parent.name);
      parent.schema.required = next;
      changed(false);
    });
    controls.push(' ', h('span', { class: 'check' }, box, h('label', { for: box.id, 'aria-hidden': 'true' }, t('required'))));
  }
  if (types.includes('array')) {
    const box = h('input', {
      type: 'checkbox',
      id: `contract-not-empty-${n}`,
      checked: typeof schema.minItems === 'number' && schema.minItems >= 1,
      'aria-label': t('notEmptyOf', { path }),
    });
    box.addEventListener('change', () => {
      if (box.checked) schema.minItems = 1;
      else delete schema.minItems;
      changed(false);
    });
    controls.push(' ', h('span', { class: 'check' }, box, h('label', { for: box.id, 'aria-hidden': 'true' }, t('notEmpty'))));
  }
  const children: HTMLElement[] = [];
  if (depth < MAX_DEPTH) {
    if (types.includes('object') && isObject(schema.properties)) {
      for (const [name, property] of Object.entries(schema.properties))
        if (isObject(property)) children.push(fieldRow(property, `${path}.${name}`, { schema, name }, depth + 1, ctx));
    }
    if (types.includes('array') && isObject(schema.items)) children.push(fieldRow(schema.items, `${path}[]`, undefined, depth + 1, ctx));
  } else if (isObject(schema.properties) || isObject(schema.items)) controls.push(' ', h('span', { class: 'hint' }, t('deeper')));
  return h('li', {}, ...controls, children.length > 0 && h('ul', {}, ...children));
}
