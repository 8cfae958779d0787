import type { Outcome } from './context';
import { h } from './dom';

// What the pages beside the flows say after an action: one line, in the page's words or the API's.

/** A line to show: a text key of the page (translated when drawn) or the API's own words. */
export type Note<K extends string> = { kind: 'ok' | 'error'; key?: K; values?: Record<string, string>; text?: string };

/** A note as a status line (an alert when it is an error), focusable so an outcome can take the focus. */
export function noteLine<K extends string>(
  note: Note<K> | undefined,
  id: string,
  t: (key: K, values?: Record<string, string>) => string,
): HTMLElement {
  const text = note ? (note.key ? t(note.key, note.values) : (note.text ?? '')) : '';
  return h('p', { id, tabindex: '-1', class: `status ${note?.kind ?? ''}`, role: note?.kind === 'error' ? 'alert' : 'status' }, text);
}

/** A refused or failed API call as a note: the API's words, and each problem at its path. */
export function failureNote(result: Extract<Outcome<unknown>, { ok: false }>): Note<never> {
  const problems = result.body.problems?.map((p) => `${p.path}: ${p.message}`).join('; ');
  return { kind: 'error', text: problems ? `${result.text} (${problems})` : result.text };
}
