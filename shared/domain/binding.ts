import * as z from 'zod';

/** How a binding was verified: the customer proved who they are to the brand, never just by typing something. */
export const BINDING_METHODS = ['lineAccountLink', 'messengerAccountLink', 'oneTimeCode'] as const;
export type BindingMethod = (typeof BINDING_METHODS)[number];

/**
 * A verified binding: the member of the brand this customer proved to be (`memberId`, and any
 * `attributes` the brand answered), how (`method`) and when (`verifiedAt`), and when it lapses
 * (`lapsesAt`, from the workspace's `bindingLapseDays` when it was made; never when absent). Personal
 * cards run only for a customer with a live binding; templates see it as `binding.*`.
 */
export const bindingSchema = z.object({
  memberId: z.string().min(1),
  attributes: z.record(z.string(), z.string()).optional(),
  method: z.enum(BINDING_METHODS),
  verifiedAt: z.string(),
  lapsesAt: z.string().optional(),
});
export type Binding = z.infer<typeof bindingSchema>;

/** When a binding made at `verifiedAt` lapses under the workspace's `bindingLapseDays` (never without it). */
export function bindingLapsesAt(verifiedAt: Date, lapseDays: number | undefined): string | undefined {
  return lapseDays === undefined ? undefined : new Date(verifiedAt.getTime() + lapseDays * 86_400_000).toISOString();
}

/**
 * The binding if it is live at `now`: a lapsed binding is no binding. It lapses at its own `lapsesAt`,
 * and also when the workspace's current `bindingLapseDays` is shorter than it was when it was made.
 */
export function liveBinding(binding: Binding | undefined, now: number, lapseDays?: number): Binding | undefined {
  if (!binding) return undefined;
  if (binding.lapsesAt !== undefined && !(Date.parse(binding.lapsesAt) > now)) return undefined;
  if (lapseDays !== undefined && !(Date.parse(binding.verifiedAt) + lapseDays * 86_400_000 > now)) return undefined;
  return binding;
}
