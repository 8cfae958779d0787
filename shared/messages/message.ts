import * as z from 'zod';

/**
 * The channel-neutral message model. Admins write these (with Liquid templates in their strings);
 * brands may return them ready-made; renderers turn them into LINE or Messenger payloads and fit
 * them to each channel's limits. As flows write them, unknown keys are refused (a typo is a problem
 * at its path, like the LINE API refuses it); as brands return them, unknown keys are dropped.
 */
export const buttonSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('postback'),
    label: z.string().min(1),
    /** Data syntax shared by LINE postbacks and Messenger payloads: `action=my_tickets&id=1`. */
    data: z.string().min(1),
    displayText: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('url'), label: z.string().min(1), url: z.string().min(1) }),
  z.strictObject({ type: z.literal('message'), label: z.string().min(1), text: z.string().min(1) }),
]);
export type Button = z.infer<typeof buttonSchema>;

export const cardSchema = z.strictObject({
  imageUrl: z.string().optional(),
  title: z.string().min(1),
  subtitle: z.string().optional(),
  buttons: z.array(buttonSchema).default([]),
});
export type Card = z.infer<typeof cardSchema>;

/** Repeat one card template over an array of the run context: "arrays to carousels with no code". */
export const repeatSchema = z.strictObject({
  /** A path in the template context, e.g. `response.body.tickets`. */
  over: z.string().regex(/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*|\[\d+\])*$/, 'must be a path like response.body.items'),
  /** The name each element takes inside the card template, e.g. `ticket`. */
  as: z.string().regex(/^[A-Za-z_]\w*$/, 'must be a plain variable name'),
  limit: z.number().int().min(1).max(50).optional(),
});
export type Repeat = z.infer<typeof repeatSchema>;

export const textMessageSchema = z.strictObject({
  type: z.literal('text'),
  text: z.string().min(1),
  quickReplies: z.array(buttonSchema).optional(),
});

export const imageMessageSchema = z.strictObject({
  type: z.literal('image'),
  url: z.string().min(1),
  previewUrl: z.string().optional(),
});

export const buttonsMessageSchema = z.strictObject({
  type: z.literal('buttons'),
  text: z.string().min(1),
  title: z.string().optional(),
  imageUrl: z.string().optional(),
  buttons: z.array(buttonSchema).min(1),
});

export const carouselMessageSchema = z
  .strictObject({
    type: z.literal('carousel'),
    altText: z.string().optional(),
    /** Fixed cards, or ... */
    cards: z.array(cardSchema).optional(),
    /** ... one card template repeated over an array. */
    repeat: repeatSchema.optional(),
    card: cardSchema.optional(),
  })
  .refine((m) => (m.cards !== undefined) !== (m.repeat !== undefined && m.card !== undefined), {
    message: 'a carousel has either `cards`, or `repeat` together with `card`',
  });

/** A list of texts, one text per element of an array (for channels or brands that prefer plain text). */
export const textListMessageSchema = z.strictObject({
  type: z.literal('textList'),
  repeat: repeatSchema,
  text: z.string().min(1),
  /** Joined into one message with this separator; texts longer than the channel allows are split. */
  separator: z.string().default('\n'),
});

export const messageSchema = z.discriminatedUnion('type', [
  textMessageSchema,
  imageMessageSchema,
  buttonsMessageSchema,
  carouselMessageSchema,
  textListMessageSchema,
]);
export type Message = z.infer<typeof messageSchema>;
export type TextMessage = z.infer<typeof textMessageSchema>;
export type CarouselMessage = z.infer<typeof carouselMessageSchema>;

/** Buttons and cards as a brand returns them: keys callcard does not know are dropped, not refused. */
const [postbackButton, urlButton, messageButton] = buttonSchema.options;
const returnedButtonSchema = z.discriminatedUnion('type', [postbackButton.strip(), urlButton.strip(), messageButton.strip()]);
const returnedCardSchema = cardSchema.extend({ buttons: z.array(returnedButtonSchema).default([]) }).strip();

/**
 * A message after templates were rendered and repeats expanded: what renderers for a channel take, and
 * what a brand may return ready-made (`expect: messages`). Strings are final, never template source.
 */
export const resolvedMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().min(1), quickReplies: z.array(returnedButtonSchema).optional() }),
  z.object({ type: z.literal('image'), url: z.string().url(), previewUrl: z.string().url().optional() }),
  z.object({
    type: z.literal('buttons'),
    text: z.string().min(1),
    title: z.string().optional(),
    imageUrl: z.string().url().optional(),
    buttons: z.array(returnedButtonSchema).min(1),
  }),
  z.object({ type: z.literal('carousel'), altText: z.string().min(1), cards: z.array(returnedCardSchema).min(1) }),
]);
/**
 * The button of a `linkAccount` block (runTurn): `text` with a button to the brand's login page, on
 * LINE a URI action labelled `label` (the URL carries the link token), on Messenger a Log In button
 * (`account_link`, which has no label of its own). Made by callcard only: a brand cannot return one.
 */
export interface AccountLinkMessage {
  type: 'accountLink';
  text: string;
  label: string;
  url: string;
}

export type ResolvedMessage = z.infer<typeof resolvedMessageSchema> | AccountLinkMessage;
