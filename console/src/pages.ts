import type { Page } from './context';

/**
 * The console's pages beside the flows, by their address (`#/simulator`), in the order of the menu.
 * Each is its own chunk, loaded when first opened: the first load carries only sign-in, the flows and
 * the editor.
 */
export const PAGES = {
  simulator: () => import('./simulator').then((m) => m.simulatorPage),
  channels: () => import('./channels').then((m) => m.channelsPage),
  connections: () => import('./connections').then((m) => m.connectionsPage),
  secrets: () => import('./secrets').then((m) => m.secretsPage),
  logs: () => import('./logs').then((m) => m.logsPage),
} as const satisfies Record<string, () => Promise<Page>>;

export type PageName = keyof typeof PAGES;

export function isPageName(value: string): value is PageName {
  return Object.hasOwn(PAGES, value);
}
