import { channelsPage } from './channels';
import type { Page } from './context';
import { logsPage } from './logs';
import { secretsPage } from './secrets';
import { simulatorPage } from './simulator';

/** The console's pages beside the flows, by their address (`#/simulator`), in the order of the menu. */
export const PAGES = {
  simulator: simulatorPage,
  channels: channelsPage,
  secrets: secretsPage,
  logs: logsPage,
} as const satisfies Record<string, Page>;

export type PageName = keyof typeof PAGES;

export function isPageName(value: string): value is PageName {
  return Object.hasOwn(PAGES, value);
}
