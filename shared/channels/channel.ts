import * as z from 'zod';
import { channelKindSchema } from '../jobs/job';

/** A connected LINE channel or Messenger page, and the flow version it runs. */
export const channelSchema = z.object({
  workspaceId: z.string().min(1),
  kind: channelKindSchema,
  /** LINE channel id or Messenger page id: the `{channelId}` of the webhook URL. */
  channelId: z.string().min(1),
  name: z.string().default(''),
  /** LINE channel secret or Meta app secret: verifies webhook signatures. Write-only. */
  secret: z.string().min(1),
  /** LINE channel access token or Messenger page access token. Write-only. */
  accessToken: z.string().min(1),
  /** Messenger only: the subscription check's verify token. */
  verifyToken: z.string().optional(),
  activeFlow: z.object({ flowId: z.string().min(1), version: z.number().int().min(1) }).optional(),
});
export type Channel = z.infer<typeof channelSchema>;
