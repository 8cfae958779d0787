import type { Page } from './context';
import { h } from './dom';
import { defineTexts } from './i18n';

// TODO(console): the channels page (being built).
const tx = defineTexts({ en: { heading: 'Channels' }, 'zh-TW': { heading: 'Channels' } });

export const channelsPage: Page = {
  mount(root, ctx) {
    root.replaceChildren(h('h1', { id: 'view-heading', tabindex: '-1' }, tx(ctx.lang, 'heading')));
  },
};
