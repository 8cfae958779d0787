/** The console's texts in its two languages; `{name}` placeholders are filled by {@link t}. */

export type Lang = 'zh-TW' | 'en';
export const LANGS: readonly { code: Lang; label: string }[] = [
  { code: 'zh-TW', label: '繁體中文' },
  { code: 'en', label: 'English' },
];

const en = {
  title: 'callcard console',
  language: 'Language',
  signInHeading: 'Sign in',
  keyLabel: 'Workspace admin key',
  keyHint: 'Kept in this browser tab only (sessionStorage) and sent only to this API; signing out forgets it.',
  signIn: 'Sign in',
  checking: 'Checking…',
  refused: 'The key was refused: {error}',
  signOut: 'Sign out',
  signedOut: 'Signed out.',
  keyRejected: 'The admin key is no longer accepted: sign in again.',
  flowsHeading: 'Flows',
  noFlows: 'This workspace has no flows yet.',
  colName: 'Name',
  colId: 'Flow id',
  colVersion: 'Latest version',
  colUpdated: 'Updated',
  open: 'Open',
  openFlow: 'Open flow {name}',
  loading: 'Loading…',
  editorHeading: 'Flow {id}',
  backToFlows: 'Back to flows',
  version: 'Version {version}',
  jsonLabel: 'Flow JSON',
  jsonHint: 'Checked as you type. Ctrl+S (⌘S) saves.',
  save: 'Save',
  saving: 'Saving…',
  validating: 'Checking…',
  valid: 'No problems.',
  problemCount: '{count} problems',
  problemOne: '1 problem',
  problemsHeading: 'Problems',
  warningsHeading: 'Warnings',
  wholeFlow: '(the whole flow)',
  notJson: 'not valid JSON: {message}',
  notObject: 'a flow is a JSON object: { … }',
  fixFirst: 'Fix the problems first: nothing was saved.',
  saved: 'Saved version {version}.',
  unchanged: 'Nothing to save: the same as version {version}.',
  conflict: 'Version {latest} of this flow was saved after you opened version {base}: your changes were not saved.',
  conflictHelp: 'Reload the latest version, then make your change again (copy your text first: reloading replaces it).',
  reload: 'Reload version {latest}',
  unsavedLeave: 'You have unsaved changes. Leave anyway?',
  unreachable: 'Could not reach the API: {message}',
  failed: '{status}: {error}',
};

export type TextKey = keyof typeof en;

const zhTW: Record<TextKey, string> = {
  title: 'callcard 管理主控台',
  language: '語言',
  signInHeading: '登入',
  keyLabel: '工作區管理金鑰',
  keyHint: '只保存在這個瀏覽器分頁（sessionStorage），也只送到這個 API；登出即清除。',
  signIn: '登入',
  checking: '確認中…',
  refused: '金鑰未通過：{error}',
  signOut: '登出',
  signedOut: '已登出。',
  keyRejected: '管理金鑰已失效，請重新登入。',
  flowsHeading: '流程',
  noFlows: '這個工作區還沒有流程。',
  colName: '名稱',
  colId: '流程 ID',
  colVersion: '最新版本',
  colUpdated: '更新時間',
  open: '開啟',
  openFlow: '開啟流程 {name}',
  loading: '載入中…',
  editorHeading: '流程 {id}',
  backToFlows: '回到流程列表',
  version: '版本 {version}',
  jsonLabel: '流程 JSON',
  jsonHint: '輸入時即時檢查。Ctrl+S（⌘S）儲存。',
  save: '儲存',
  saving: '儲存中…',
  validating: '檢查中…',
  valid: '沒有問題。',
  problemCount: '{count} 個問題',
  problemOne: '1 個問題',
  problemsHeading: '問題',
  warningsHeading: '警告',
  wholeFlow: '（整個流程）',
  notJson: 'JSON 格式錯誤：{message}',
  notObject: '流程必須是 JSON 物件：{ … }',
  fixFirst: '請先修正問題：尚未儲存。',
  saved: '已儲存為版本 {version}。',
  unchanged: '沒有變更：與版本 {version} 相同，未儲存新版本。',
  conflict: '您開啟版本 {base} 之後，這個流程已有人儲存了版本 {latest}：您的變更尚未儲存。',
  conflictHelp: '請重新載入最新版本，再做一次您的變更（重新載入會取代目前內容，請先複製）。',
  reload: '重新載入版本 {latest}',
  unsavedLeave: '有尚未儲存的變更，確定要離開嗎？',
  unreachable: '無法連線到 API：{message}',
  failed: '{status}：{error}',
};

const DICTIONARIES: Record<Lang, Record<TextKey, string>> = { en, 'zh-TW': zhTW };

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'zh-TW';
}

/** The text of `key` in `lang`, placeholders filled. */
export function t(lang: Lang, key: TextKey, values: Record<string, string | number> = {}): string {
  return DICTIONARIES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
