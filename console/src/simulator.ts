import type { Page } from './context';
import { h } from './dom';
import { defineTexts } from './i18n';

// TODO(console): the simulator page (being built).
const tx = defineTexts({ en: { heading: 'Simulator' }, 'zh-TW': { heading: 'Simulator' } });

export const simulatorPage: Page = {
  mount(root, ctx) {
    root.replaceChildren(h('h1', { id: 'view-heading', tabindex: '-1' }, tx(ctx.lang, 'heading')));
  },
};
