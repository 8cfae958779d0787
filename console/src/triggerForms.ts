import { h } from './dom';
import { outletSelect, problemsIn, type EditorContext } from './editorContext';
import { idHint, splitKeywords, type BlockType } from './flowEdit';
import { defineTexts } from './i18n';
import { isObject, type Json } from './json';

// The flow's triggers as forms: the list (add each type, reorder, remove, open one) and the form of
// one trigger (keyword, postback, follow, fallback), each editing `ctx.flow.triggers` in place. What
// the admin does not set is left out (a keyword trigger matching exactly has no `match`; a trigger
// without its own chats has no `chats`), and keys the form does not know stay as they are.

export const TRIGGER_TYPES = ['keyword', 'postback', 'follow', 'fallback'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
const CHATS = ['user', 'group', 'room'] as const;

const tx = defineTexts({
  en: {
    keyword: 'Keyword',
    postback: 'Postback',
    follow: 'Follow',
    fallback: 'Fallback',
    unknown: 'Trigger',
    none: 'No triggers yet: nothing starts this flow. Add one below.',
    summaryKeyword: 'Keyword: {list}',
    summaryPostback: 'Postback: action={action}',
    summaryFollow: 'Follow (LINE)',
    summaryFallback: 'Fallback (any other text)',
    summaryOther: 'Trigger of type {type}',
    to: '→ {start}',
    open: 'Open trigger {n}: {summary}',
    up: 'Move trigger {n} up',
    down: 'Move trigger {n} down',
    remove: 'Remove trigger {n}',
    add: 'Add a trigger',
    addType: 'Add a {type} trigger',
    heading: 'Trigger {n}: {type}',
    missing: 'There is no trigger {n}.',
    notForm: 'This trigger is of type "{type}", which the form does not know: edit it in the flow JSON.',
    match: 'How the keywords match',
    exact: 'The whole message is the keyword',
    contains: 'The message contains the keyword',
    keywords: 'Keywords',
    keywordsHint:
      'Any language (hot, 熱銷, 訂單); several at once separated by commas. Matching ignores upper and lower case and full-width forms (ＨＯＴ is hot) and extra spaces.',
    keywordN: 'Keyword {n}',
    removeKeyword: 'Remove keyword {n}',
    newKeyword: 'New keyword',
    addKeyword: 'Add the keyword',
    noKeywords: 'No keywords yet.',
    action: 'Action',
    actionHint:
      'Matches LINE postback data (rich menu, buttons) and Messenger payloads whose action parameter is this: my_tickets takes action=my_tickets&id=7. The other parameters reach the flow as trigger.params.',
    followHint: 'When a customer adds the LINE Official Account as a friend (or unblocks it). LINE only, always one-to-one.',
    fallbackHint:
      'Any text that no other trigger and no open question took. In a LINE group or room it stays silent unless its chats include it.',
    start: 'Starts at',
    startHint: 'The block the conversation starts with.',
    chats: 'Chats it answers in',
    user: 'One-to-one chats',
    group: 'LINE groups',
    room: 'LINE multi-person chats (rooms)',
    chatsUnset: "None ticked: the flow's setting applies ({chats}).",
    chatsOwn: "This trigger's own setting; untick all to use the flow's ({chats}).",
    chatsNote: 'Every member of a group sees the answer: a trigger that says something personal should stay one-to-one.',
    chatsDefault: 'one-to-one only',
  },
  'zh-TW': {
    keyword: '關鍵字',
    postback: 'Postback',
    follow: '加入好友',
    fallback: '其他訊息',
    unknown: '觸發條件',
    none: '還沒有觸發條件：沒有東西會啟動這個流程。請在下方新增。',
    summaryKeyword: '關鍵字：{list}',
    summaryPostback: 'Postback：action={action}',
    summaryFollow: '加入好友（LINE）',
    summaryFallback: '其他訊息（任何其他文字）',
    summaryOther: '類型為 {type} 的觸發條件',
    to: '→ {start}',
    open: '開啟觸發條件 {n}：{summary}',
    up: '將觸發條件 {n} 上移',
    down: '將觸發條件 {n} 下移',
    remove: '移除觸發條件 {n}',
    add: '新增觸發條件',
    addType: '新增「{type}」觸發條件',
    heading: '觸發條件 {n}：{type}',
    missing: '沒有觸發條件 {n}。',
    notForm: '這個觸發條件的類型「{type}」表單不認得：請在流程 JSON 中編輯。',
    match: '關鍵字比對方式',
    exact: '整則訊息就是關鍵字',
    contains: '訊息包含關鍵字',
    keywords: '關鍵字',
    keywordsHint:
      '任何語言皆可（hot、熱銷、訂單）；可用逗號或頓號一次加入多個。比對時不分大小寫、全形半形（ＨＯＴ 即 hot），也忽略多餘空白。',
    keywordN: '關鍵字 {n}',
    removeKeyword: '移除關鍵字 {n}',
    newKeyword: '新的關鍵字',
    addKeyword: '加入關鍵字',
    noKeywords: '還沒有關鍵字。',
    action: 'Action',
    actionHint:
      '比對 LINE 的 postback data（圖文選單、按鈕）與 Messenger 的 payload 中的 action 參數：my_tickets 會接收 action=my_tickets&id=7。其他參數以 trigger.params 傳入流程。',
    followHint: '顧客將 LINE 官方帳號加為好友（或解除封鎖）時。僅限 LINE，一律為一對一聊天。',
    fallbackHint: '沒有其他觸發條件或進行中的問題接收的任何文字。在 LINE 群組或多人聊天中，除非聊天類型包含它，否則不回應。',
    start: '從這個區塊開始',
    startHint: '對話開始的區塊。',
    chats: '回應的聊天類型',
    user: '一對一聊天',
    group: 'LINE 群組',
    room: 'LINE 多人聊天（room）',
    chatsUnset: '未勾選：依流程的設定（{chats}）。',
    chatsOwn: '這個觸發條件自己的設定；全部取消勾選即依流程的設定（{chats}）。',
    chatsNote: '群組裡每位成員都看得到回覆：會說出個人資料的觸發條件應維持一對一。',
    chatsDefault: '僅一對一',
  },
});
type Key = Parameters<typeof tx>[1];

/** A keyword typed but not added yet, kept when the form is drawn again (the API's problems came back). */
let draft: { trigger: unknown; text: string } = { trigger: undefined, text: '' };

/** Split "order, 訂單" (a comma, full-width comma or 、 separates) and add what `trigger` lacks. */
function addKeywords(trigger: Json, text: string): boolean {
  const values = splitKeywords(text);
  if (!values.length) return false;
  const keywords = Array.isArray(trigger.keywords) ? (trigger.keywords as unknown[]) : undefined;
  if (keywords) keywords.push(...values.filter((v) => !keywords.includes(v)));
  else trigger.keywords = values;
  return true;
}

/**
 * A keyword typed but not added is meant, not dropped: another control of the same trigger being used
 * (where it starts, how it matches, its chats) adds it first, as if Enter had been pressed.
 */
function takeDraft(trigger: Json): boolean {
  if (draft.trigger !== trigger) return false;
  const { text } = draft;
  draft = { trigger: undefined, text: '' };
  return addKeywords(trigger, text);
}

const triggersOf = (flow: Json): unknown[] => (Array.isArray(flow.triggers) ? flow.triggers : (flow.triggers = []));
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const isType = (value: unknown): value is TriggerType => typeof value === 'string' && (TRIGGER_TYPES as readonly string[]).includes(value);

/** A trigger in a few words: `Keyword: hot, 熱銷 → best_sellers`. */
export function triggerSummary(ctx: EditorContext, trigger: unknown): string {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  if (!isObject(trigger)) return t('summaryOther', { type: '?' });
  const keywords = Array.isArray(trigger.keywords) ? trigger.keywords.filter((k): k is string => typeof k === 'string') : [];
  const what =
    trigger.type === 'keyword'
      ? t('summaryKeyword', { list: keywords.join(', ') || '…' })
      : trigger.type === 'postback'
        ? t('summaryPostback', { action: str(trigger.action) || '…' })
        : trigger.type === 'follow'
          ? t('summaryFollow')
          : trigger.type === 'fallback'
            ? t('summaryFallback')
            : t('summaryOther', { type: String(trigger.type) });
  return typeof trigger.start === 'string' && trigger.start ? `${what} ${t('to', { start: trigger.start })}` : what;
}

/** The flow's triggers: open one, move it, remove it; add one of each type. */
export function renderTriggerList(ctx: EditorContext): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const triggers = triggersOf(ctx.flow);
  const move = (from: number, to: number, focus: string) => {
    const [moved] = triggers.splice(from, 1);
    triggers.splice(to, 0, moved);
    ctx.changed(true, focus);
  };
  const items = triggers.map((trigger, i) => {
    const n = i + 1;
    const summary = triggerSummary(ctx, trigger);
    const last = i === triggers.length - 1;
    return h(
      'li',
      { class: 'trigger-item' },
      h(
        'button',
        {
          type: 'button',
          id: `open-trigger-${i}`,
          class: 'trigger-open',
          'aria-label': t('open', { n, summary }),
          onclick: () => ctx.select({ kind: 'trigger', index: i }),
        },
        summary,
      ),
      h(
        'span',
        { class: 'row-tools' },
        h(
          'button',
          {
            type: 'button',
            id: `trigger-${i}-up`,
            'aria-label': t('up', { n }),
            disabled: i === 0,
            onclick: () => move(i, i - 1, i - 1 === 0 ? `trigger-${i - 1}-down` : `trigger-${i - 1}-up`),
          },
          '↑',
        ),
        h(
          'button',
          {
            type: 'button',
            id: `trigger-${i}-down`,
            'aria-label': t('down', { n }),
            disabled: last,
            onclick: () => move(i, i + 1, i + 1 === triggers.length - 1 ? `trigger-${i + 1}-up` : `trigger-${i + 1}-down`),
          },
          '↓',
        ),
        h(
          'button',
          {
            type: 'button',
            id: `trigger-${i}-remove`,
            class: 'danger',
            'aria-label': t('remove', { n }),
            onclick: () => {
              triggers.splice(i, 1);
              ctx.changed(true, triggers.length === 0 ? 'add-trigger-keyword' : `open-trigger-${Math.min(i, triggers.length - 1)}`);
            },
          },
          '✕',
        ),
      ),
    );
  });
  const add = (type: TriggerType) => {
    // Only its type: what it still needs (keywords, an action, where it starts) is shown as a problem in its form.
    triggers.push({ type });
    ctx.changed(true);
    ctx.select({ kind: 'trigger', index: triggers.length - 1 });
  };
  return h(
    'div',
    { class: 'trigger-list', id: 'trigger-list-box' },
    triggers.length
      ? h('ul', { class: 'trigger-items', id: 'trigger-list' }, ...items)
      : h('p', { class: 'hint', id: 'no-triggers' }, t('none')),
    h(
      'div',
      { class: 'trigger-add', role: 'group', 'aria-label': t('add') },
      ...TRIGGER_TYPES.map((type) =>
        h(
          'button',
          {
            type: 'button',
            id: `add-trigger-${type}`,
            'aria-label': t('addType', { type: t(type).toLowerCase() }),
            onclick: () => add(type),
          },
          `+ ${t(type)}`,
        ),
      ),
    ),
  );
}

/** The form of trigger `index` of the flow. */
export function renderTriggerForm(ctx: EditorContext, index: number): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const triggers = triggersOf(ctx.flow);
  const n = index + 1;
  const trigger = triggers[index];
  if (!isObject(trigger)) return h('div', { class: 'trigger-form', id: 'trigger-form' }, h('p', { class: 'hint' }, t('missing', { n })));
  const type = trigger.type;
  const at = `flow.triggers.${index}`;
  const heading = h('h3', { id: 'trigger-form-heading' }, t('heading', { n, type: isType(type) ? t(type) : String(type) }));
  const parts: Array<Node | false> = [heading, problemsIn(ctx, at, 'trigger-problems')];
  if (!isType(type)) parts.push(h('p', { class: 'hint' }, t('notForm', { type: String(type) })));
  else {
    if (type === 'keyword') parts.push(matchField(ctx, trigger), keywordsField(ctx, trigger, at));
    if (type === 'postback') parts.push(actionField(ctx, trigger, at));
    if (type === 'follow') parts.push(h('p', { class: 'hint', id: 'trigger-type-hint' }, t('followHint')));
    if (type === 'fallback') parts.push(h('p', { class: 'hint', id: 'trigger-type-hint' }, t('fallbackHint')));
    parts.push(startField(ctx, trigger, index, at));
    if (type !== 'follow') parts.push(chatsField(ctx, trigger, at));
  }
  return h(
    'form',
    { class: 'trigger-form', id: 'trigger-form', 'aria-labelledby': 'trigger-form-heading', onsubmit: (event) => event.preventDefault() },
    ...parts.filter((p): p is Node => p !== false),
  );
}

/** The problems at `path` (or inside it), under a field; marks `control` invalid. */
function fieldProblems(ctx: EditorContext, path: string, id: string, control?: HTMLElement): HTMLElement | false {
  const mine = ctx.problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
  if (!mine.length) return false;
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), `${id}-problem`].filter(Boolean).join(' '));
  }
  return h('p', { id: `${id}-problem`, class: 'error field-problem' }, mine.map((p) => p.message).join('; '));
}

function matchField(ctx: EditorContext, trigger: Json): HTMLElement {
  const t = (key: Key) => tx(ctx.lang, key);
  const radio = (value: 'exact' | 'contains') => {
    const input = h('input', {
      type: 'radio',
      name: 'trigger-match',
      id: `trigger-match-${value}`,
      value,
      checked: (trigger.match === 'contains') === (value === 'contains'),
    });
    input.addEventListener('change', () => {
      const took = takeDraft(trigger);
      // Exact is the default: written only when the trigger said so already.
      if (value === 'contains') trigger.match = 'contains';
      else if (trigger.match !== 'exact') delete trigger.match;
      // The taken keyword is drawn as a row; focus stays on this choice.
      ctx.changed(took, took ? `trigger-match-${value}` : undefined);
    });
    return h('div', { class: 'check' }, input, h('label', { for: `trigger-match-${value}` }, t(value)));
  };
  return h('fieldset', { class: 'trigger-match' }, h('legend', {}, t('match')), radio('exact'), radio('contains'));
}

function keywordsField(ctx: EditorContext, trigger: Json, at: string): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const keywords = Array.isArray(trigger.keywords) ? (trigger.keywords as unknown[]) : undefined;
  const list = keywords ?? [];
  const rows = list.map((keyword, i) => {
    const k = i + 1;
    const input = h('input', {
      type: 'text',
      id: `trigger-keyword-${i}`,
      'aria-label': t('keywordN', { n: k }),
      autocomplete: 'off',
      spellcheck: 'false',
    });
    input.value = str(keyword);
    input.addEventListener('input', () => {
      list[i] = input.value;
      ctx.changed(false);
    });
    // Emptied and left: the keyword goes.
    input.addEventListener('change', () => {
      if (input.value.trim() !== '') return;
      list.splice(i, 1);
      if (!list.length) delete trigger.keywords;
      ctx.changed(true, 'trigger-new-keyword');
    });
    const problems = fieldProblems(ctx, `${at}.keywords.${i}`, `trigger-keyword-${i}`, input);
    return h(
      'li',
      { class: 'keyword-row' },
      input,
      h(
        'button',
        {
          type: 'button',
          id: `trigger-keyword-${i}-remove`,
          class: 'danger',
          'aria-label': t('removeKeyword', { n: k }),
          onclick: () => {
            list.splice(i, 1);
            if (!list.length) delete trigger.keywords;
            ctx.changed(true, list.length ? `trigger-keyword-${Math.min(i, list.length - 1)}` : 'trigger-new-keyword');
          },
        },
        '✕',
      ),
      problems,
    );
  });
  const fresh = h('input', { type: 'text', id: 'trigger-new-keyword', autocomplete: 'off', spellcheck: 'false' });
  fresh.value = draft.trigger === trigger ? draft.text : '';
  fresh.addEventListener('input', () => (draft = { trigger, text: fresh.value }));
  const addKeyword = () => {
    // Several at once, as people list them: "order, 訂單".
    if (!addKeywords(trigger, fresh.value)) return fresh.focus();
    draft = { trigger: undefined, text: '' };
    ctx.changed(true, 'trigger-new-keyword');
  };
  fresh.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      addKeyword();
    }
  });
  const whole = ctx.problems.filter((p) => p.path === `${at}.keywords` || (p.path === at && /keywords/.test(p.message)));
  return h(
    'fieldset',
    { class: 'trigger-keywords', 'aria-describedby': 'trigger-keywords-hint' },
    h('legend', {}, t('keywords')),
    h('p', { class: 'hint', id: 'trigger-keywords-hint' }, t('keywordsHint')),
    rows.length ? h('ul', { class: 'rows', id: 'trigger-keywords' }, ...rows) : h('p', { class: 'hint' }, t('noKeywords')),
    whole.length > 0 && h('p', { class: 'error field-problem', id: 'trigger-keywords-problem' }, whole.map((p) => p.message).join('; ')),
    h(
      'div',
      { class: 'header-row' },
      h('label', { for: 'trigger-new-keyword' }, t('newKeyword')),
      fresh,
      h('button', { type: 'button', id: 'trigger-add-keyword', onclick: addKeyword }, t('addKeyword')),
    ),
  );
}

function actionField(ctx: EditorContext, trigger: Json, at: string): HTMLElement {
  const t = (key: Key) => tx(ctx.lang, key);
  const input = h('input', {
    type: 'text',
    id: 'trigger-action',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'trigger-action-hint',
  });
  input.value = str(trigger.action);
  input.addEventListener('input', () => {
    // Typed as `action=my_tickets` (as in the data): the action is what follows.
    const value = input.value.trim().replace(/^action=/, '');
    if (value) trigger.action = value;
    else delete trigger.action;
    ctx.changed(false);
  });
  const problems = fieldProblems(ctx, `${at}.action`, 'trigger-action', input);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: 'trigger-action' }, t('action')),
    input,
    problems,
    h('p', { class: 'hint', id: 'trigger-action-hint' }, t('actionHint')),
  );
}

/** A block id hint from the trigger: its action, its first keyword, else its type. */
function startHint(trigger: Json, type: BlockType): string {
  const first = Array.isArray(trigger.keywords) ? str(trigger.keywords[0]) : '';
  const base =
    trigger.type === 'postback' ? str(trigger.action) : trigger.type === 'keyword' ? first : trigger.type === 'follow' ? 'welcome' : 'help';
  const clean = base
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  // A question started by `order` asks for it (`ask_order`); a message keeps the topic (`welcome`).
  return /^[a-z]/.test(clean) ? idHint(type, clean) : `${str(trigger.type) || 'trigger'}_start`;
}

function startField(ctx: EditorContext, trigger: Json, index: number, at: string): HTMLElement {
  const element = outletSelect({
    id: 'trigger-start',
    label: tx(ctx.lang, 'start'),
    // The new block's id from the trigger as it is when the block is created (its action may be typed just before).
    ctx: { ...ctx, createBlock: (type, from) => (takeDraft(trigger), ctx.createBlock(type, from, startHint(trigger, type))) },
    owner: { kind: 'trigger', index },
    outlet: ['start'],
    value: trigger.start,
    set: (target) => {
      const took = takeDraft(trigger);
      if (target === undefined) delete trigger.start;
      else trigger.start = target;
      ctx.changed(took, took ? 'trigger-start' : undefined);
    },
  });
  const select = element.querySelector('select') ?? undefined;
  select?.setAttribute('aria-describedby', 'trigger-start-hint');
  element.append(h('p', { class: 'hint', id: 'trigger-start-hint' }, tx(ctx.lang, 'startHint')));
  const problems = fieldProblems(ctx, `${at}.start`, 'trigger-start', select);
  if (problems) element.append(problems);
  return element;
}

/** The chats of the flow (its default for every trigger), in words. */
function flowChats(ctx: EditorContext): string {
  const chats = Array.isArray(ctx.flow.chats)
    ? ctx.flow.chats.filter((c): c is (typeof CHATS)[number] => (CHATS as readonly unknown[]).includes(c))
    : [];
  return chats.length ? chats.map((c) => tx(ctx.lang, c)).join(', ') : tx(ctx.lang, 'chatsDefault');
}

function chatsField(ctx: EditorContext, trigger: Json, at: string): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const own = Array.isArray(trigger.chats) ? (trigger.chats as unknown[]) : undefined;
  const boxes = CHATS.map((chat) => {
    const input = h('input', {
      type: 'checkbox',
      id: `trigger-chats-${chat}`,
      checked: own?.includes(chat) === true,
      'aria-describedby': 'trigger-chats-hint',
    });
    input.addEventListener('change', () => {
      takeDraft(trigger);
      const ticked = CHATS.filter((c) => (c === chat ? input.checked : own?.includes(c) === true));
      // Unticked all: the flow's setting applies again (no chats of its own).
      if (ticked.length) trigger.chats = ticked;
      else delete trigger.chats;
      ctx.changed(true, `trigger-chats-${chat}`);
    });
    return h('div', { class: 'check' }, input, h('label', { for: `trigger-chats-${chat}` }, t(chat)));
  });
  const problems = fieldProblems(ctx, `${at}.chats`, 'trigger-chats');
  return h(
    'fieldset',
    { class: 'trigger-chats' },
    h('legend', {}, t('chats')),
    ...boxes,
    problems,
    h(
      'p',
      { class: 'hint', id: 'trigger-chats-hint' },
      own ? t('chatsOwn', { chats: flowChats(ctx) }) : t('chatsUnset', { chats: flowChats(ctx) }),
      ' ',
      t('chatsNote'),
    ),
  );
}
