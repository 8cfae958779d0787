import { h } from './dom';
import type { Lang } from './i18n';

// TODO(console): the flow as a diagram (being built).

/** The flow as a diagram: blocks as nodes, their links as labelled edges, unreachable blocks marked. */
export function renderDiagram(_flow: Record<string, unknown>, _options: { lang: Lang; openBlock(id: string): void }): Node {
  return h('div', {});
}
