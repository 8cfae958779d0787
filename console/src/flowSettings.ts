import { BUILT_IN_TEXTS, TEXT_NAMES, type TextName } from '../../shared/flow/builtInTexts';
import { call, type Settings } from './api';
import { h } from './dom';
import { outletSelect, type EditorContext } from './editorContext';
import { defineTexts, type Lang } from './i18n';
import { isObject, type Json } from './json';

// The flow's own settings as a form: its name, the chats its triggers answer in unless they say
// otherwise, its personal data (every card personal, where verification starts), and its wording of callcard's own texts to customers (each shown with the workspace
// language's built-in text as its placeholder; left empty, the built-in applies and nothing is
// written). The workspace's language itself is a workspace setting (GET/PUT /admin/settings), shown
// and changed here too.

const CHATS = ['user', 'group', 'room'] as const;

const tx = defineTexts({
  en: {
    heading: 'Flow settings',
    problems: 'Problems of the flow',
    name: 'Flow name',
    nameHint: 'Shown in the flow list and the editor; customers never see it.',
    chats: 'Chats its triggers answer in',
    chatsHint:
      'None ticked: one-to-one chats only. A trigger may have its own setting instead. Every member of a LINE group or room sees the answers: keep personal services one-to-one.',
    personalData: 'Personal data',
    personal: 'Every card of this flow is personal',
    personalHint:
      'Personal cards run only for a customer verified as a member; a card may say otherwise in its own form (the card that checks the code must).',
    verify: 'Verification starts at',
    verifyHint:
      'Where a customer who is not verified goes when a personal card meets them: e.g. a question asking their phone number, then a card that has the brand text a code, a question asking it back and a card that checks it and binds. None: they are told to verify first.',
    user: 'One-to-one chats',
    group: 'LINE groups',
    room: 'LINE multi-person chats (rooms)',
    texts: "callcard's own texts to customers",
    textsHint: "Left empty, the workspace language's text (shown greyed) is said. Written here, this flow says yours.",
    failure: 'When a card fails',
    failureHint: 'Said when a Call an API card fails and names no block for it. Plain text.',
    reask: 'Re-asking a question',
    reaskHint: 'For questions without their own re-ask, after an answer that is not valid. {{ prompt }} is the question.',
    carouselAltText: 'Carousel notification text',
    carouselAltTextHint: "A carousel's notification and chat-list text when its own alternative text is empty.",
    oneToOneOnly: 'One-to-one only',
    oneToOneOnlyHint: 'Said in a LINE group or room when a trigger for one-to-one chats is used there. Plain text.',
    verifyFirst: 'Verified members only',
    verifyFirstHint: 'Said when a personal card meets a customer who has not verified, in a flow with no verification start. Plain text.',
    linkButton: 'Sign-in button (LINE)',
    linkButtonHint: "The label of a link account block's button on LINE when the block names none. Plain text, 20 characters at most.",
    linkFailed: 'Account not linked',
    linkFailedHint: 'Said when an account link failed and its link account block names no "Not linked" block. Plain text.',
    language: 'Workspace language',
    languageHint: "The language of callcard's own texts in every flow of the workspace (a workspace setting, not this flow's).",
    languageLoading: 'Loading the workspace language…',
    languageSaved: 'The workspace language is now {language}.',
    languageFailed: 'The workspace language could not be read or saved: {error}',
  },
  'zh-TW': {
    heading: '流程設定',
    problems: '流程的問題',
    name: '流程名稱',
    nameHint: '顯示在流程列表與編輯器中；顧客看不到。',
    chats: '觸發條件回應的聊天類型',
    chatsHint: '未勾選：僅一對一聊天。觸發條件也可以有自己的設定。LINE 群組或多人聊天的每位成員都看得到回覆：個人服務請維持一對一。',
    personalData: '個人資料',
    personal: '這個流程的每張卡片都是個人卡片',
    personalHint: '個人卡片只為已驗證為會員的顧客執行；卡片可在自己的表單中另外設定（檢查驗證碼的卡片必須如此）。',
    verify: '驗證從這裡開始',
    verifyHint:
      '個人卡片遇到尚未驗證的顧客時，顧客會被帶到這裡：例如詢問手機號碼的問題、請品牌傳送驗證碼的卡片、請顧客輸入驗證碼的問題，以及檢查驗證碼並綁定的卡片。未設定：告訴顧客請先完成驗證。',
    user: '一對一聊天',
    group: 'LINE 群組',
    room: 'LINE 多人聊天（room）',
    texts: 'callcard 對顧客說的系統文字',
    textsHint: '留空時使用工作區語言的文字（以淺色顯示）。在此填寫，這個流程就說您的版本。',
    failure: '卡片失敗時',
    failureHint: '「呼叫 API」卡片失敗且沒有指定失敗區塊時說的話。純文字。',
    reask: '重新詢問',
    reaskHint: '問題沒有自己的重新詢問時，在回答無效後說的話。{{ prompt }} 代表問題本身。',
    carouselAltText: '輪播的通知文字',
    carouselAltTextHint: '輪播自己的替代文字為空時，通知與聊天列表顯示的文字。',
    oneToOneOnly: '僅限一對一',
    oneToOneOnlyHint: '在 LINE 群組或多人聊天中使用僅限一對一的觸發條件時說的話。純文字。',
    verifyFirst: '僅限已驗證會員',
    verifyFirstHint: '個人卡片遇到尚未完成驗證的顧客，且流程沒有設定驗證起點時說的話。純文字。',
    linkButton: '登入按鈕（LINE）',
    linkButtonHint: '連結帳號區塊沒有設定按鈕文字時，LINE 按鈕上的文字。純文字，最多 20 字。',
    linkFailed: '帳號未連結',
    linkFailedHint: '帳號連結失敗、且連結帳號區塊沒有設定「未連結」區塊時說的話。純文字。',
    language: '工作區語言',
    languageHint: 'callcard 在工作區所有流程中對顧客說的系統文字所用的語言（工作區設定，不只這個流程）。',
    languageLoading: '正在讀取工作區語言…',
    languageSaved: '工作區語言已改為{language}。',
    languageFailed: '無法讀取或儲存工作區語言：{error}',
  },
});
type Key = Parameters<typeof tx>[1];

const LANGUAGE_NAMES: Record<Lang, string> = { 'zh-TW': '繁體中文', en: 'English' };

/** The workspace's language as GET /admin/settings said it (loaded once; a PUT here updates it). */
let workspaceLanguage: Lang | undefined;
let languageNote: { kind: 'ok' | 'error'; text: string } | undefined;
let loading: Promise<void> | undefined;

/** Forget the workspace language read earlier (another workspace signed in, tests). */
export function forgetWorkspaceLanguage(): void {
  workspaceLanguage = undefined;
  languageNote = undefined;
  loading = undefined;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The flow's settings form. */
export function renderFlowSettings(ctx: EditorContext): HTMLElement {
  const t = (key: Key, values?: Record<string, string | number>) => tx(ctx.lang, key, values);
  const flow = ctx.flow;
  const mine = ctx.problems.filter(
    (p) =>
      ['flow', 'flow.name', 'flow.schemaVersion', 'flow.triggers'].includes(p.path) ||
      /^flow\.(chats|texts|verify|personal)([.[]|$)/.test(p.path),
  );
  const underField = (path: string, id: string, control: HTMLElement): HTMLElement | false => {
    const here = ctx.problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`));
    if (!here.length) return false;
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), `${id}-problem`].filter(Boolean).join(' '));
    return h('p', { class: 'error field-problem', id: `${id}-problem` }, here.map((p) => p.message).join('; '));
  };

  // The name: required, so emptied it is left out and its problem shows.
  const name = h('input', { type: 'text', id: 'flow-name', maxlength: '200', autocomplete: 'off', 'aria-describedby': 'flow-name-hint' });
  name.value = str(flow.name);
  name.addEventListener('input', () => {
    if (name.value.trim()) flow.name = name.value;
    else delete flow.name;
    ctx.changed(false);
  });
  const nameField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'flow-name' }, t('name')),
    name,
    underField('flow.name', 'flow-name', name),
    h('p', { class: 'hint', id: 'flow-name-hint' }, t('nameHint')),
  );

  const own = Array.isArray(flow.chats) ? (flow.chats as unknown[]) : undefined;
  const chats = h(
    'fieldset',
    { class: 'flow-chats' },
    h('legend', {}, t('chats')),
    ...CHATS.map((chat) => {
      const box = h('input', {
        type: 'checkbox',
        id: `flow-chats-${chat}`,
        checked: own?.includes(chat) === true,
        'aria-describedby': 'flow-chats-hint',
      });
      box.addEventListener('change', () => {
        const ticked = CHATS.filter((c) => (c === chat ? box.checked : own?.includes(c) === true));
        if (ticked.length) flow.chats = ticked;
        else delete flow.chats;
        ctx.changed(true, `flow-chats-${chat}`);
      });
      return h('div', { class: 'check' }, box, h('label', { for: `flow-chats-${chat}` }, t(chat)));
    }),
    ctx.problems.some((p) => p.path.startsWith('flow.chats')) &&
      h(
        'p',
        { class: 'error field-problem' },
        ctx.problems
          .filter((p) => p.path.startsWith('flow.chats'))
          .map((p) => p.message)
          .join('; '),
      ),
    h('p', { class: 'hint', id: 'flow-chats-hint' }, t('chatsHint')),
  );

  // Personal data: the flow's `personal` (every card) and where verification starts (`verify`).
  const personalBox = h('input', {
    type: 'checkbox',
    id: 'flow-personal',
    checked: flow.personal === true,
    'aria-describedby': 'flow-personal-hint',
  });
  personalBox.addEventListener('change', () => {
    if (personalBox.checked) flow.personal = true;
    else delete flow.personal;
    ctx.changed(true, 'flow-personal');
  });
  const verify = outletSelect({
    id: 'flow-verify',
    label: t('verify'),
    ctx,
    owner: { kind: 'settings' },
    outlet: ['verify'],
    value: flow.verify,
    hint: (type) => (type === 'question' ? 'ask_phone' : 'verify'),
    set: (target) => {
      if (target === undefined) delete flow.verify;
      else flow.verify = target;
      ctx.changed(true, 'flow-verify');
    },
  });
  const verifySelect = verify.querySelector('select');
  verifySelect?.setAttribute('aria-describedby', 'flow-verify-hint');
  const personalSet = h(
    'fieldset',
    { class: 'flow-personal' },
    h('legend', {}, t('personalData')),
    h('div', { class: 'check' }, personalBox, h('label', { for: 'flow-personal' }, t('personal'))),
    h('p', { class: 'hint', id: 'flow-personal-hint' }, t('personalHint')),
    verify,
    verifySelect !== null && underField('flow.verify', 'flow-verify', verifySelect),
    h('p', { class: 'hint', id: 'flow-verify-hint' }, t('verifyHint')),
  );

  const builtIn = BUILT_IN_TEXTS[workspaceLanguage ?? ctx.lang];
  const texts = h(
    'fieldset',
    { class: 'flow-texts', 'aria-describedby': 'flow-texts-hint' },
    h('legend', {}, t('texts')),
    h('p', { class: 'hint', id: 'flow-texts-hint' }, t('textsHint')),
    ...TEXT_NAMES.map((key) => {
      const id = `flow-text-${key}`;
      const area = h('textarea', { id, rows: '2', class: 'small', 'aria-describedby': `${id}-hint`, 'data-text': key });
      area.placeholder = builtIn[key];
      const current = isObject(flow.texts) ? flow.texts[key] : undefined;
      area.value = str(current);
      area.addEventListener('input', () => {
        const overrides: Json = isObject(flow.texts) ? flow.texts : {};
        if (area.value.trim()) overrides[key] = area.value;
        else delete overrides[key];
        if (Object.keys(overrides).length) flow.texts = overrides;
        else delete flow.texts;
        ctx.changed(false);
      });
      return h(
        'div',
        { class: 'field' },
        h('label', { for: id }, t(key)),
        area,
        underField(`flow.texts.${key}`, id, area),
        h('p', { class: 'hint', id: `${id}-hint` }, t(`${key}Hint`)),
      );
    }),
  );

  const form = h(
    'form',
    {
      class: 'flow-settings',
      id: 'flow-settings',
      'aria-labelledby': 'flow-settings-heading',
      onsubmit: (event) => event.preventDefault(),
    },
    h('h3', { id: 'flow-settings-heading' }, t('heading')),
    mine.length > 0 &&
      h(
        'div',
        { class: 'notice form-problems', id: 'flow-settings-problems', role: 'group', 'aria-label': t('problems') },
        h('ul', {}, ...mine.map((p) => h('li', {}, h('code', {}, p.path === 'flow' ? '' : p.path.slice(5)), ' ', p.message))),
      ),
    nameField,
    chats,
    personalSet,
    texts,
    languageField(ctx, t),
  );
  if (workspaceLanguage === undefined) void loadLanguage(ctx, form, t);
  return form;
}

function languageField(ctx: EditorContext, t: (key: Key, values?: Record<string, string | number>) => string): HTMLElement {
  const select = h(
    'select',
    {
      id: 'workspace-language',
      'aria-describedby': 'workspace-language-hint workspace-language-status',
      disabled: workspaceLanguage === undefined,
    },
    ...(Object.keys(LANGUAGE_NAMES) as Lang[]).map((code) =>
      h('option', { value: code, selected: code === workspaceLanguage }, LANGUAGE_NAMES[code]),
    ),
  );
  select.addEventListener('change', () => void saveLanguage(ctx, select, t));
  const note = workspaceLanguage === undefined && !languageNote ? { kind: 'ok', text: t('languageLoading') } : languageNote;
  return h(
    'div',
    { class: 'field', id: 'workspace-language-field' },
    h('label', { for: 'workspace-language' }, t('language')),
    select,
    h('p', { class: 'hint', id: 'workspace-language-hint' }, t('languageHint')),
    h(
      'p',
      { class: `status ${note?.kind ?? ''}`, id: 'workspace-language-status', role: note?.kind === 'error' ? 'alert' : 'status' },
      note?.text ?? '',
    ),
  );
}

/** Show the workspace language's built-in texts as the placeholders, in the form drawn (not drawn again: typing goes on). */
function showLanguage(form: HTMLElement, ctx: EditorContext, t: (key: Key, values?: Record<string, string | number>) => string): void {
  const builtIn = BUILT_IN_TEXTS[workspaceLanguage ?? ctx.lang];
  for (const area of form.querySelectorAll<HTMLTextAreaElement>('textarea[data-text]')) {
    const key = area.dataset.text as TextName;
    area.placeholder = builtIn[key];
  }
  const field = form.querySelector('#workspace-language-field');
  const focused = document.activeElement?.id === 'workspace-language';
  field?.replaceWith(languageField(ctx, t));
  if (focused) form.querySelector<HTMLElement>('#workspace-language')?.focus();
}

async function loadLanguage(
  ctx: EditorContext,
  form: HTMLElement,
  t: (key: Key, values?: Record<string, string | number>) => string,
): Promise<void> {
  loading ??= call<Settings>('GET', '/admin/settings')
    .then((result) => {
      if (result.ok) workspaceLanguage = result.body.language;
      else languageNote = { kind: 'error', text: t('languageFailed', { error: result.body.error }) };
    })
    .catch((error: unknown) => {
      languageNote = { kind: 'error', text: t('languageFailed', { error: error instanceof Error ? error.message : String(error) }) };
    })
    .finally(() => {
      // A failed read is tried again the next time the form opens.
      if (workspaceLanguage === undefined) loading = undefined;
    });
  await loading;
  if (form.isConnected) showLanguage(form, ctx, t);
}

async function saveLanguage(
  ctx: EditorContext,
  select: HTMLSelectElement,
  t: (key: Key, values?: Record<string, string | number>) => string,
): Promise<void> {
  const language = select.value as Lang;
  const form = select.closest('form');
  select.disabled = true;
  try {
    const result = await call<Settings>('PUT', '/admin/settings', { language });
    if (result.ok) {
      workspaceLanguage = result.body.language;
      languageNote = { kind: 'ok', text: t('languageSaved', { language: LANGUAGE_NAMES[result.body.language] }) };
    } else languageNote = { kind: 'error', text: t('languageFailed', { error: result.body.error }) };
  } catch (error) {
    languageNote = { kind: 'error', text: t('languageFailed', { error: error instanceof Error ? error.message : String(error) }) };
  }
  if (form?.isConnected) showLanguage(form, ctx, t);
  form?.querySelector<HTMLElement>('#workspace-language')?.focus();
}
