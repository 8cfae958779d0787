import { knownValues } from './card';
import { itemAt, list, numberField, outletField, put, rowTools, selectField, textField, type Kit } from './blockFormKit';
import { h } from './dom';
import { defineTexts } from './i18n';
import { isObject, type Json } from './json';

// A condition block as a form: its branches in order (the first whose test holds is taken), each a
// test on an attribute (is set, equals a text, number or yes/no, matches an RE2 pattern, compares
// with a number) and where it goes, and where the flow goes otherwise.

const tx = defineTexts({
  en: {
    heading: 'Condition block {id}',
    branches: 'Branches',
    branchesHint: 'Tested in order: the first that holds is taken.',
    noBranches: 'No branches yet.',
    branch: 'Branch {n}',
    branchName: 'branch {n}',
    addBranch: 'Add a branch',
    op: 'Test',
    exists: 'is set',
    equals: 'equals',
    matches: 'matches the pattern',
    lt: 'is less than',
    lte: 'is at most',
    gt: 'is greater than',
    gte: 'is at least',
    attribute: 'Attribute',
    kind: 'Value type',
    string: 'Text',
    number: 'Number',
    boolean: 'Yes / no',
    value: 'Value',
    choose: '(choose)',
    yes: 'true',
    no: 'false',
    pattern: 'Pattern',
    patternHint:
      'RE2 syntax (like a JavaScript regular expression without lookahead, lookbehind or backreferences); found anywhere in the value unless anchored with ^ and $.',
    next: 'Then go to',
    otherwise: 'Otherwise',
    otherwiseHint: 'When no branch holds; without it, the conversation ends.',
  },
  'zh-TW': {
    heading: '條件區塊 {id}',
    branches: '分支',
    branchesHint: '依序檢查：第一個成立的分支會被採用。',
    noBranches: '還沒有分支。',
    branch: '分支 {n}',
    branchName: '分支 {n}',
    addBranch: '新增分支',
    op: '條件',
    exists: '已設定',
    equals: '等於',
    matches: '符合樣式',
    lt: '小於',
    lte: '小於或等於',
    gt: '大於',
    gte: '大於或等於',
    attribute: '屬性',
    kind: '值的類型',
    string: '文字',
    number: '數字',
    boolean: '是 / 否',
    value: '值',
    choose: '（請選擇）',
    yes: 'true',
    no: 'false',
    pattern: '樣式',
    patternHint: 'RE2 語法（類似 JavaScript 正規表示式，但不支援前瞻、後顧與反向參照）；未以 ^ 與 $ 錨定時，在值的任何位置符合即可。',
    next: '然後前往',
    otherwise: '否則',
    otherwiseHint: '沒有任何分支成立時；留空則對話結束。',
  },
});
type Key = Parameters<typeof tx>[1];

const OPS = ['exists', 'equals', 'matches', 'lt', 'lte', 'gt', 'gte'] as const;
const COMPARISONS = ['lt', 'lte', 'gt', 'gte'];
type Kind = 'string' | 'number' | 'boolean';
/** The value type chosen for an `equals` whose value is not written yet, per block and branch. */
const kinds = new Map<string, Kind>();

export function renderConditionForm(k: Kit): HTMLElement[] {
  const T = (key: Key, values?: Record<string, string | number>) => tx(k.ctx.lang, key, values);
  const branches = list(k.block.branches);
  const attributes = knownValues(k.ctx.flow).attributes;
  const rows = branches.map((_, i) => {
    const branch = itemAt(branches, i);
    const when = (): Json => (isObject(branch.when) ? branch.when : (branch.when = {}));
    const test = isObject(branch.when) ? branch.when : {};
    const id = `bf-branch-${i}`;
    const scope = T('branch', { n: i + 1 });
    const path = `${k.at}.branches.${i}.when`;
    const op = selectField(k, {
      id: `${id}-op`,
      name: `${scope} ${T('op').toLowerCase()}`,
      label: T('op'),
      options: [
        ...(OPS.includes(test.op as never) ? [] : [['', T('choose')] as [string, string]]),
        ...OPS.map((o): [string, string] => [o, T(o)]),
      ],
      value: test.op,
      path: `${path}.op`,
      set: (value) => {
        const target = when();
        // What the new test does not take goes; the attribute stays.
        if (value !== 'matches') delete target.pattern;
        if (value === 'exists' || value === 'matches' || (COMPARISONS.includes(value) && typeof target.value !== 'number'))
          delete target.value;
        target.op = value;
        k.rebuild(`${id}-op`);
      },
    });
    const attribute = textField(k, {
      id: `${id}-attribute`,
      name: `${scope} ${T('attribute').toLowerCase()}`,
      label: T('attribute'),
      value: test.attribute,
      set: (v) => put(when(), 'attribute', v.trim()),
      path: `${path}.attribute`,
    });
    attribute.querySelector('input')?.setAttribute('list', 'bf-known-attributes');
    const fields: HTMLElement[] = [op, attribute];
    if (test.op === 'equals') fields.push(...equalsFields(k, when, test, `${k.id}:${i}`, id, scope, path, T));
    if (COMPARISONS.includes(String(test.op)))
      fields.push(
        numberField(k, {
          id: `${id}-value`,
          name: `${scope} ${T('value').toLowerCase()}`,
          label: T('value'),
          value: test.value,
          set: (v) => put(when(), 'value', v),
          path: `${path}.value`,
        }),
      );
    if (test.op === 'matches') {
      fields.push(
        textField(k, {
          id: `${id}-pattern`,
          name: `${scope} ${T('pattern').toLowerCase()}`,
          label: T('pattern'),
          value: test.pattern,
          set: (v) => put(when(), 'pattern', v),
          path: `${path}.pattern`,
          hint: T('patternHint'),
        }),
      );
    }
    return h(
      'li',
      {},
      h(
        'fieldset',
        { id },
        h('legend', {}, scope),
        rowTools(k, {
          id,
          name: T('branchName', { n: i + 1 }),
          items: branches,
          i,
          removed: () => put(k.block, 'branches', branches),
          focusAfterRemove: 'bf-add-branch',
        }),
        h('div', { class: 'row' }, ...fields),
        outletField(k, { id: `${id}-next`, label: `${T('next')} (${scope})`, outlet: ['branches', i, 'next'] }),
      ),
    );
  });
  return [
    h('h2', { id: 'block-form-heading' }, T('heading', { id: k.id })),
    h('datalist', { id: 'bf-known-attributes' }, ...attributes.map((name) => h('option', { value: name }))),
    h(
      'fieldset',
      { id: 'bf-branches' },
      h('legend', {}, T('branches')),
      h('p', { class: 'hint' }, T('branchesHint')),
      rows.length ? h('ol', { class: 'rows' }, ...rows) : h('p', {}, T('noBranches')),
      h(
        'button',
        {
          type: 'button',
          id: 'bf-add-branch',
          onclick: () => (
            branches.push({ when: { op: 'equals' } }),
            (k.block.branches = branches),
            k.rebuild(`bf-branch-${branches.length - 1}-attribute`)
          ),
        },
        T('addBranch'),
      ),
    ),
    outletField(k, { id: 'bf-otherwise', label: T('otherwise'), outlet: ['otherwise'], hint: T('otherwiseHint') }),
  ];
}

/** An `equals` value: its type (text, number, yes/no) and the value in a control of that type. */
function equalsFields(
  k: Kit,
  when: () => Json,
  test: Json,
  key: string,
  id: string,
  scope: string,
  path: string,
  T: (key: Key) => string,
): HTMLElement[] {
  const value = test.value;
  const kind: Kind =
    typeof value === 'number'
      ? 'number'
      : typeof value === 'boolean'
        ? 'boolean'
        : typeof value === 'string'
          ? 'string'
          : (kinds.get(key) ?? 'string');
  const kindField = selectField(k, {
    id: `${id}-kind`,
    name: `${scope} ${T('kind').toLowerCase()}`,
    label: T('kind'),
    options: (['string', 'number', 'boolean'] as const).map((o): [string, string] => [o, T(o)]),
    value: kind,
    set: (next) => {
      kinds.set(key, next as Kind);
      const target = when();
      const text = target.value === undefined ? '' : String(target.value);
      const converted =
        next === 'string'
          ? text
          : next === 'number'
            ? text.trim() !== '' && Number.isFinite(Number(text))
              ? Number(text)
              : undefined
            : text === 'true'
              ? true
              : text === 'false'
                ? false
                : undefined;
      put(target, 'value', converted);
      k.rebuild(`${id}-kind`);
    },
  });
  const name = `${scope} ${T('value').toLowerCase()}`;
  const valuePath = `${path}.value`;
  const valueField =
    kind === 'number'
      ? numberField(k, { id: `${id}-value`, name, label: T('value'), value, set: (v) => put(when(), 'value', v), path: valuePath })
      : kind === 'boolean'
        ? selectField(k, {
            id: `${id}-value`,
            name,
            label: T('value'),
            options: [
              ['', T('choose')],
              ['true', T('yes')],
              ['false', T('no')],
            ],
            value: typeof value === 'boolean' ? String(value) : '',
            path: valuePath,
            set: (v) => (put(when(), 'value', v === '' ? undefined : v === 'true'), k.edit()),
          })
        : textField(k, { id: `${id}-value`, name, label: T('value'), value, set: (v) => put(when(), 'value', v), path: valuePath });
  return [kindField, valueField];
}
