import * as z from 'zod';
import { BUILT_IN_TEXTS as BUILT_IN } from './builtInTexts';

// The texts callcard itself writes to a customer (not the admin's messages): the apology when a card
// fails with no failure block, the re-ask of a question, a carousel's notification text when nothing
// else names it, the pointer to a one-to-one chat when a personal trigger is used in a LINE group, and
// the refusal of a personal card to a customer who is not verified when the flow has no `verify` start.
// Each comes in the workspace's language and can be reworded per flow.

/** The languages of callcard's own customer-facing texts: Traditional Chinese (Taiwan) and English. */
export const languageSchema = z.enum(['zh-TW', 'en']);
export type Language = z.infer<typeof languageSchema>;

/** What a workspace speaks until its admin chooses (`PUT /admin/settings {"language": …}`). */
export const DEFAULT_LANGUAGE: Language = 'zh-TW';

/** Longest text a flow may set: what every channel takes in one text message. */
const MAX_TEXT = 2000;

/** One of a flow's texts: trimmed, not empty, at most `max` characters. */
const flowText = (description: string, max = MAX_TEXT) => z.string().trim().min(1).max(max).optional().describe(description);

/** A flow's own wording of callcard's texts; each one left out is the workspace language's built-in. */
export const flowTextsSchema = z
  .strictObject({
    failure: flowText('Said when a card fails and names no failure block (or a template cannot render). Plain text, not a template'),
    reask: flowText(
      "Re-asks a question whose answer was not valid, for questions without their own reask. A Liquid template; {{ prompt }} is the question's prompt",
    ),
    carouselAltText: flowText("A carousel's notification and chat-list text when its altText renders empty", 400),
    oneToOneOnly: flowText('Said in a LINE group or room when a trigger for one-to-one chats only is used there (see chats). Plain text'),
    verifyFirst: flowText('Said at a personal card to a customer not verified, in a flow with no verify start. Plain text'),
    linkButton: flowText("The label of a linkAccount block's button on LINE, when the block names none. Plain text", 20),
    linkFailed: flowText('Said when an account link failed and its linkAccount block names no onFailure. Plain text'),
  })
  .describe(
    "callcard's own texts to customers, in this flow's words; each one left out comes in the workspace's language (settings: language)",
  );
export type FlowTexts = z.infer<typeof flowTextsSchema>;

/** Every text, resolved: what a turn says. */
export type CustomerTexts = Required<FlowTexts>;

/** The built-in texts, by language (./builtInTexts.ts, where the console reads them too). */
export const BUILT_IN_TEXTS: Readonly<Record<Language, Readonly<CustomerTexts>>> = BUILT_IN;

/**
 * The re-ask every question got before re-asks followed the workspace's language: flows saved then
 * store it in each question. A question holding exactly this counts as having no reask of its own.
 */
export const LEGACY_DEFAULT_REASK = 'Sorry, I did not get that. {{ prompt }}';

/**
 * The texts a turn says: the flow's own wording where it has one, the workspace language's otherwise.
 *
 * @example
 * customerTexts('zh-TW', { failure: 'Our booking system is resting, back soon!' }).reask;
 * // '抱歉，我沒有看懂您的回覆。{{ prompt }}'
 */
export function customerTexts(language: Language, overrides: FlowTexts | undefined): CustomerTexts {
  const builtIn = BUILT_IN_TEXTS[language];
  return {
    failure: overrides?.failure ?? builtIn.failure,
    reask: overrides?.reask ?? builtIn.reask,
    carouselAltText: overrides?.carouselAltText ?? builtIn.carouselAltText,
    oneToOneOnly: overrides?.oneToOneOnly ?? builtIn.oneToOneOnly,
    verifyFirst: overrides?.verifyFirst ?? builtIn.verifyFirst,
    linkButton: overrides?.linkButton ?? builtIn.linkButton,
    linkFailed: overrides?.linkFailed ?? builtIn.linkFailed,
  };
}

/** A question's own reask, if it has one (the former default, stored in older flows, is none). */
export function ownReask(reask: string | undefined): string | undefined {
  return reask === undefined || reask === LEGACY_DEFAULT_REASK ? undefined : reask;
}
