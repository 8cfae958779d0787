import * as z from 'zod';

/** One flow version, as a channel runs it and as a session remembers it. */
export const flowRefSchema = z.object({ flowId: z.string().min(1), version: z.number().int().min(1) });
export type FlowRef = z.infer<typeof flowRefSchema>;
