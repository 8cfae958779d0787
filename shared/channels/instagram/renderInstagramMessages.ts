import type { ResolvedMessage } from '../../messages/message';
import { hasText, splitText, truncate } from '../fit';
import { renderMetaMessages, type MessengerMessage, type MetaDialect, type MetaLimits } from '../messenger/renderMessengerMessages';

/**
 * Instagram messaging limits (docs/INSTAGRAM.md F17–F20), counted in UTF-16 code units, which is never
 * less than the characters Meta counts. Where Instagram's own number is not confirmed, Messenger's is
 * used (payload 1,000; button template text 640; button title 20).
 */
export const INSTAGRAM_LIMITS = {
  /** "less than 1000 characters" (F17). */
  text: 999,
  /** "1000 bytes or less" (F17): a text is fitted to both. */
  textBytes: 1000,
  quickReplies: 13,
  quickReplyTitle: 20,
  payload: 1000,
  buttonTitle: 20,
  buttonTemplateText: 640,
  templateButtons: 3,
  genericElements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
} as const satisfies MetaLimits & { textBytes: number };

/**
 * One Send API `message` object (what goes under `message` in POST /{ig-id}/messages): Messenger's
 * shapes, of which Instagram's rendering uses only `postback` and `web_url` buttons (F19, F20) and no
 * `is_reusable`. Its `metadata` is callcard's delivery receipt, as on Messenger; whether Instagram echoes
 * it back is not confirmed (F4).
 */
export type InstagramMessage = MessengerMessage;

/**
 * Splits text into parts Instagram takes: at most {@link INSTAGRAM_LIMITS.text} UTF-16 units and
 * {@link INSTAGRAM_LIMITS.textBytes} UTF-8 bytes (CJK text reaches the byte limit at a third of the
 * characters). A part over the byte limit is split again, shorter, until every part fits.
 */
export function splitInstagramText(text: string): string[] {
  const fitBytes = (part: string): string[] => {
    const bytes = Buffer.byteLength(part, 'utf8');
    if (bytes <= INSTAGRAM_LIMITS.textBytes) return [part];
    const shorter = Math.max(2, Math.min(part.length - 1, Math.floor((part.length * INSTAGRAM_LIMITS.textBytes) / bytes)));
    return splitText(part, shorter).flatMap(fitBytes);
  };
  return splitText(text, INSTAGRAM_LIMITS.text).flatMap(fitBytes);
}

/**
 * Instagram has no Log In button: a linkAccount block's message gets one `web_url` button labelled as
 * the block says (the brand's page finishes the link; Meta sends no linking event), or its text alone
 * when the label is blank.
 */
const INSTAGRAM: MetaDialect = {
  limits: INSTAGRAM_LIMITS,
  splitText: splitInstagramText,
  accountLinkButton: (message, url) =>
    hasText(message.label) ? { type: 'web_url', title: truncate(message.label, INSTAGRAM_LIMITS.buttonTitle), url } : undefined,
};

/**
 * Renders channel-neutral messages as Instagram Send API `message` objects (one request each), fitted
 * to Instagram's limits. The rendering is Messenger's ({@link renderMetaMessages}); what differs is what
 * Instagram takes:
 *
 * - `text`: split into parts of at most 999 characters and 1,000 UTF-8 bytes (at line breaks, then
 *   spaces); quick replies on the last part: postback buttons (payload = data) and message buttons
 *   (payload = their text), never URL buttons; at most 13, titles ≤ 20.
 * - `image`: an image attachment (dropped when its URL is not http(s)).
 * - `buttons`: a button template, text ≤ 640, at most 3 `postback` / `web_url` buttons; an `imageUrl`
 *   is sent as an image just before it; with no usable button, plain text.
 * - `carousel`: a generic template of at most 10 elements (title and subtitle ≤ 80, ≤ 3 buttons).
 * - `accountLink`: a button template with one `web_url` button (see {@link INSTAGRAM}).
 *
 * @example
 * renderInstagramMessages([{ type: 'text', text: 'Pick one', quickReplies: [
 *   { type: 'postback', label: 'Red', data: 'action=color&value=red' }] }]);
 * // [{ text: 'Pick one', quick_replies: [{ content_type: 'text', title: 'Red', payload: 'action=color&value=red' }] }]
 */
export function renderInstagramMessages(messages: ResolvedMessage[]): InstagramMessage[] {
  return renderMetaMessages(messages, INSTAGRAM);
}
