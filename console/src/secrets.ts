import type { Deleted, SecretList, SecretView } from './api';
import type { Page } from './context';
import { h } from './dom';
import { failureNote, noteLine as noteLineOf, type Note as NoteOf } from './notes';
import { defineTexts } from './i18n';

// The workspace's secrets for card headers ({{ secrets.NAME }}): names, masked values and the hosts each
// may be sent to; set one (the value typed into a password field, never prefilled, never shown back in
// full) or delete one (confirmed). Only GET, PUT and DELETE /admin/secrets.

const tx = defineTexts({
  en: {
    heading: 'Secrets',
    intro:
      'Cards use a secret in a header value as {{ secrets.NAME }}. Values are write-only: the API shows them masked, and this page never holds them after saving.',
    loading: 'Loading…',
    none: 'This workspace has no secrets yet.',
    listHeading: 'Saved secrets',
    colName: 'Name',
    colValue: 'Value (masked)',
    colHosts: 'Allowed hosts',
    colUpdated: 'Updated',
    colActions: 'Actions',
    anyHost: 'Any host',
    unboundCell: 'Any host: not bound',
    unboundNote:
      '{count} secret(s) bound to no host ({names}): any card may send them to any server, and a server that echoes them back shows them. Cards still send them until they are bound. Choose Bind, list the brand hosts and save: the value can be left empty to keep it.',
    bind: 'Bind',
    bindLabel: 'Bind secret {name} to hosts',
    replace: 'Replace',
    replaceLabel: 'Replace secret {name}',
    remove: 'Delete',
    removeLabel: 'Delete secret {name}',
    confirmDelete: 'Delete secret {name}? Cards whose headers use {{ secrets.{name} }} will fail until it is set again.',
    deleting: 'Deleting {name}…',
    deleted: 'Secret {name} deleted.',
    formHeading: 'Set a secret',
    name: 'Name',
    nameHint: 'Letters, digits or _, not starting with a digit (e.g. BRAND_TOKEN). Setting an existing name replaces it.',
    value: 'Value',
    valueHint:
      'At least 4 characters. Write-only: never shown again. Replacing or binding a saved secret, leave it empty to keep its value.',
    hosts: 'Allowed hosts',
    hostsHint:
      'Required: one host name per line or separated by commas (api.brand.example). A card that would send the secret to any other host fails before connecting. Only CALLCARD_SIGNING_SECRET, never sent, takes none.',
    save: 'Save secret',
    saving: 'Saving…',
    saved: 'Secret {name} saved: {masked}.',
  },
  'zh-TW': {
    heading: '密鑰',
    intro: '卡片在標頭值中以 {{ secrets.名稱 }} 使用密鑰。密鑰值僅能寫入：API 只會顯示遮蔽後的值，儲存後這個頁面也不會保留它。',
    loading: '載入中…',
    none: '這個工作區還沒有密鑰。',
    listHeading: '已儲存的密鑰',
    colName: '名稱',
    colValue: '值（已遮蔽）',
    colHosts: '允許的主機',
    colUpdated: '更新時間',
    colActions: '操作',
    anyHost: '任何主機',
    unboundCell: '任何主機：尚未綁定',
    unboundNote:
      '有 {count} 個密鑰未綁定任何主機（{names}）：任何卡片都能把它們送到任何伺服器，而回傳原值的伺服器會讓它們顯示出來。綁定之前卡片仍會傳送它們。請按「綁定」，列出品牌的主機後儲存：值可以留空以保留原值。',
    bind: '綁定',
    bindLabel: '將密鑰 {name} 綁定到主機',
    replace: '取代',
    replaceLabel: '取代密鑰 {name}',
    remove: '刪除',
    removeLabel: '刪除密鑰 {name}',
    confirmDelete: '確定要刪除密鑰 {name} 嗎？標頭使用 {{ secrets.{name} }} 的卡片在重新設定前都會失敗。',
    deleting: '正在刪除 {name}…',
    deleted: '已刪除密鑰 {name}。',
    formHeading: '設定密鑰',
    name: '名稱',
    nameHint: '英文字母、數字或 _，不能以數字開頭（例如 BRAND_TOKEN）。設定已存在的名稱會取代它。',
    value: '值',
    valueHint: '至少 4 個字元。僅能寫入：之後不會再顯示。取代或綁定已儲存的密鑰時，留空即保留原值。',
    hosts: '允許的主機',
    hostsHint:
      '必填：每行一個主機名稱，或以逗號分隔（api.brand.example）。卡片若要把密鑰送到其他主機，會在連線前失敗。只有從不傳送的 CALLCARD_SIGNING_SECRET 不需要。',
    save: '儲存密鑰',
    saving: '儲存中…',
    saved: '已儲存密鑰 {name}：{masked}。',
  },
});
type Key = Parameters<typeof tx>[1];
type Note = NoteOf<Key>;

// Kept across remounts: the list, the form's name and hosts (never the value), the last outcome.
let secrets: SecretView[] | undefined;
let loadError: string | undefined;
let draft = { name: '', hosts: '' };
let outcome: Note | undefined;
let busy = false;
let mounts = 0;

export const secretsPage: Page = {
  mount(root, ctx) {
    const mount = ++mounts;
    const t = (key: Key, values?: Record<string, string>) => tx(ctx.lang, key, values);
    const live = () => mount === mounts;
    const noteLine = (note: Note | undefined) => noteLineOf(note, 'secret-outcome', t);

    const list = h('section', { 'aria-labelledby': 'secrets-list-heading' });
    const formSection = h('section', { 'aria-labelledby': 'secret-form-heading', class: 'card' });
    const status = h('div', {});
    root.replaceChildren(
      h('h1', { id: 'view-heading', tabindex: '-1' }, t('heading')),
      h('p', { class: 'hint' }, t('intro')),
      status,
      list,
      formSection,
    );

    const drawStatus = (focus = false) => {
      status.replaceChildren(noteLine(outcome));
      if (focus) document.getElementById('secret-outcome')?.focus();
    };

    const load = async () => {
      const result = await ctx.call<SecretList>('GET', '/admin/secrets');
      if (!live()) return;
      loadError = result.ok ? undefined : result.text;
      if (result.ok) secrets = [...result.body.secrets].sort((a, b) => a.name.localeCompare(b.name));
      drawList();
    };

    const remove = async (name: string) => {
      if (!window.confirm(t('confirmDelete', { name }))) return;
      busy = true;
      outcome = undefined;
      drawList();
      status.replaceChildren(h('p', { id: 'secret-outcome', role: 'status', class: 'status' }, t('deleting', { name })));
      const result = await ctx.call<Deleted>('DELETE', `/admin/secrets/${encodeURIComponent(name)}`);
      busy = false;
      if (!live()) return;
      outcome = result.ok ? { kind: 'ok', key: 'deleted', values: { name } } : failureNote(result);
      await load();
      if (live()) drawStatus(true);
    };

    const drawList = () => {
      const heading = h('h2', { id: 'secrets-list-heading' }, t('listHeading'));
      if (!secrets)
        return list.replaceChildren(
          heading,
          loadError !== undefined ? h('p', { class: 'status error', role: 'alert' }, loadError) : h('p', { role: 'status' }, t('loading')),
        );
      if (!secrets.length) return list.replaceChildren(heading, h('p', {}, t('none')));
      const format = new Intl.DateTimeFormat(ctx.lang, { dateStyle: 'medium', timeStyle: 'short' });
      const edit = (s: SecretView, field: string) => {
        draft = { name: s.name, hosts: (s.allowedHosts ?? []).join('\n') };
        drawForm();
        document.getElementById(field)?.focus();
      };
      const unbound = secrets.filter((s) => s.unbound);
      const warning = unbound.length
        ? [
            h(
              'p',
              { id: 'unbound-secrets', class: 'status error' },
              t('unboundNote', { count: String(unbound.length), names: unbound.map((s) => s.name).join(', ') }),
            ),
          ]
        : [];
      const rows = secrets.map((s) =>
        h(
          'tr',
          { 'data-secret': s.name },
          h('th', { scope: 'row' }, h('code', {}, s.name)),
          h('td', {}, h('code', { class: 'masked' }, s.value)),
          h(
            'td',
            {},
            s.allowedHosts?.length
              ? h('ul', { class: 'plain' }, ...s.allowedHosts.map((host) => h('li', {}, h('code', {}, host))))
              : s.unbound
                ? h('span', { class: 'error' }, t('unboundCell'))
                : h('span', { class: 'hint' }, t('anyHost')),
          ),
          h(
            'td',
            {},
            s.updatedAt
              ? h('time', { datetime: s.updatedAt }, isNaN(Date.parse(s.updatedAt)) ? s.updatedAt : format.format(new Date(s.updatedAt)))
              : '',
          ),
          h(
            'td',
            { class: 'actions' },
            ...(s.unbound
              ? [
                  h(
                    'button',
                    {
                      type: 'button',
                      disabled: busy,
                      'aria-label': t('bindLabel', { name: s.name }),
                      onclick: () => edit(s, 'secret-hosts'),
                    },
                    t('bind'),
                  ),
                ]
              : []),
            h(
              'button',
              { type: 'button', disabled: busy, 'aria-label': t('replaceLabel', { name: s.name }), onclick: () => edit(s, 'secret-value') },
              t('replace'),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                disabled: busy,
                'aria-label': t('removeLabel', { name: s.name }),
                onclick: () => void remove(s.name),
              },
              t('remove'),
            ),
          ),
        ),
      );
      const head = h(
        'tr',
        {},
        ...(['colName', 'colValue', 'colHosts', 'colUpdated', 'colActions'] as const).map((key) => h('th', { scope: 'col' }, t(key))),
      );
      list.replaceChildren(
        heading,
        ...warning,
        h('div', { class: 'scroll' }, h('table', { id: 'secrets' }, h('thead', {}, head), h('tbody', {}, ...rows))),
      );
    };

    const save = async (event: Event) => {
      event.preventDefault();
      const valueInput = document.getElementById('secret-value') as HTMLInputElement | null;
      const name = draft.name.trim();
      const hosts = draft.hosts
        .split(/[\s,]+/)
        .map((host) => host.trim())
        .filter(Boolean);
      // No value: the stored one is kept (binding a saved secret to hosts); the API says when one is needed.
      const value = valueInput?.value ?? '';
      const body = { ...(value ? { value } : {}), ...(hosts.length ? { allowedHosts: hosts } : {}) };
      busy = true;
      outcome = undefined;
      drawForm();
      drawStatus();
      const result = await ctx.call<SecretView>('PUT', `/admin/secrets/${encodeURIComponent(name)}`, body);
      busy = false;
      if (!live()) return;
      if (result.ok) {
        outcome = { kind: 'ok', key: 'saved', values: { name: result.body.name, masked: result.body.value } };
        draft = { name: '', hosts: '' };
        await load();
        if (!live()) return;
        drawForm();
        drawStatus(true);
      } else {
        // The typed value stays in its field (it was never stored here), so it can be corrected.
        outcome = failureNote(result);
        const typed = valueInput?.value ?? '';
        drawForm();
        const field = document.getElementById('secret-value') as HTMLInputElement | null;
        if (field) field.value = typed;
        drawStatus(true);
      }
    };

    const drawForm = () => {
      formSection.replaceChildren(
        h('h2', { id: 'secret-form-heading' }, t('formHeading')),
        h(
          'form',
          { id: 'secret-form', onsubmit: (event) => void save(event) },
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'secret-name' }, t('name')),
            h('input', {
              id: 'secret-name',
              name: 'secret-name',
              required: true,
              value: draft.name,
              autocomplete: 'off',
              spellcheck: 'false',
              pattern: '[A-Za-z_][A-Za-z0-9_]{0,63}',
              'aria-describedby': 'secret-name-hint',
              oninput: (event) => (draft.name = (event.target as HTMLInputElement).value),
            }),
            h('p', { id: 'secret-name-hint', class: 'hint' }, t('nameHint')),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'secret-value' }, t('value')),
            h('input', {
              id: 'secret-value',
              name: 'secret-value',
              type: 'password',
              minlength: '4',
              maxlength: '4096',
              autocomplete: 'new-password',
              spellcheck: 'false',
              'aria-describedby': 'secret-value-hint',
            }),
            h('p', { id: 'secret-value-hint', class: 'hint' }, t('valueHint')),
          ),
          h(
            'div',
            { class: 'field' },
            h('label', { for: 'secret-hosts' }, t('hosts')),
            h(
              'textarea',
              {
                id: 'secret-hosts',
                name: 'secret-hosts',
                class: 'small hosts',
                spellcheck: 'false',
                'aria-describedby': 'secret-hosts-hint',
                oninput: (event) => (draft.hosts = (event.target as HTMLTextAreaElement).value),
              },
              draft.hosts,
            ),
            h('p', { id: 'secret-hosts-hint', class: 'hint' }, t('hostsHint')),
          ),
          h('button', { type: 'submit', class: 'primary', disabled: busy }, busy ? t('saving') : t('save')),
        ),
      );
    };

    drawStatus();
    drawList();
    drawForm();
    void load();
  },
};
