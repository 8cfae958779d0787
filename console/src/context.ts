import { call, Unreachable, type ApiError } from './api';
import type { Lang } from './i18n';

/** An admin API answer as a page sees it: the body, or a failure already put into words. */
export type Outcome<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ApiError; text: string };

/** What the console gives each page (./pages.ts): the language and the admin API. */
export interface PageContext {
  lang: Lang;
  /**
   * One admin API call with the signed-in key. A refused key signs the console out (the page is
   * replaced); an unreachable API is a failure with status 0. Never throws.
   */
  call<T>(method: string, path: string, body?: unknown): Promise<Outcome<T>>;
  /** Go to a console address (`#/simulator`), as a link would. */
  navigate(hash: string): void;
}

/**
 * A page of the console beside the flows: channels, secrets, the execution log, the simulator. Its
 * state lives in its module, so a remount (a language switch) draws the same state again.
 */
export interface Page {
  /** Draw the page into `root` (its `<main>`, emptied), then keep it up to date as answers arrive. */
  mount(root: HTMLElement, ctx: PageContext): void;
  /** The page is left: stop its timers and polls. */
  unmount?(): void;
}

/** Build the call of a {@link PageContext}: `signedOut` runs when the key is refused. */
export function pageCall(
  describe: (status: number, error: string) => string,
  unreachable: (message: string) => string,
  signedOut: () => void,
) {
  return async <T>(method: string, path: string, body?: unknown): Promise<Outcome<T>> => {
    try {
      const result = await call<T>(method, path, body);
      if (result.ok) return result;
      if (result.status === 401) signedOut();
      return { ...result, text: describe(result.status, result.body.error) };
    } catch (error) {
      if (error instanceof Unreachable) return { ok: false, status: 0, body: { error: error.message }, text: unreachable(error.message) };
      throw error;
    }
  };
}
