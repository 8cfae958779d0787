import type { PageContext } from './context';

// TODO(console): versions, publish and roll back (being built).

export interface VersionsOptions {
  flowId: string;
  /** The version the editor holds (its next save's baseVersion). */
  version: number;
  ctx: PageContext;
  /** Put an earlier version's document into the editor (the admin saves it as a new version). */
  loadVersion(flow: Record<string, unknown>, version: number): void;
}

/** The flow's versions and where each runs: publish a version to channels, roll back. */
export function mountVersions(root: HTMLElement, _options: VersionsOptions): void {
  root.replaceChildren();
}
