import * as z from 'zod';

/**
 * A Meta app that Messenger pages are subscribed through. Meta gives an app one callback URL for the
 * `page` object: every page the app is subscribed to posts there (one POST may carry entries of several
 * pages), signed with the app's secret, and Meta's subscription check sends the app's verify token. So
 * the secret and the verify token are the app's, stored once here; a page registered under the app
 * (`appId` on its channel) holds only its own page access token.
 */
export const messengerAppSchema = z.object({
  workspaceId: z.string().min(1),
  /** Meta's app id: the `{appId}` of the app's webhook URL `/webhooks/messenger/apps/{appId}`. */
  appId: z.string().min(1),
  name: z.string().default(''),
  /** The app secret: verifies `X-Hub-Signature-256` on every delivery. Write-only. */
  secret: z.string().min(1),
  /** What Meta's subscription check must send as `hub.verify_token`. Write-only. */
  verifyToken: z.string().min(1),
});
export type MessengerApp = z.infer<typeof messengerAppSchema>;
