import type { Page } from './context';
import { h } from './dom';
import { defineTexts } from './i18n';

// TODO(console): the logs page (being built).
const tx = defineTexts({ en: { heading: 'Logs' }, 'zh-TW': { heading: 'Logs' } });

export const logsPage: Page = {
  mount(root, ctx) {
    root.replaceChildren(h('h1', { id: 'view-heading', tabindex: '-1' }, tx(ctx.lang, 'heading')));
  },
};
