import { z } from 'zod';

/**
 * Every environment variable the handlers read, parsed once at cold start. Infra sets them on Lambda;
 * the local stack sets them on its own process before loading the very same handler modules.
 */
export const envSchema = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME is required'),
  JOBS_QUEUE_URL: z.string().url('JOBS_QUEUE_URL is required (the jobs FIFO queue URL)'),
  JOBS_DLQ_URL: z.string().url().optional(),
  LINE_API_BASE_URL: z.string().url().default('https://api.line.me'),
  MESSENGER_API_BASE_URL: z.string().url().default('https://graph.facebook.com/v25.0'),
  /** "host:port" entries that may be called over http and on loopback: only the local stack sets it. */
  OUTBOUND_ALLOW_HTTP_HOSTS: z.string().optional(),
});
export type Env = z.infer<typeof envSchema>;

/** Thrown at cold start when the environment is incomplete: names every missing or invalid variable. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

let cached: Env | undefined;

/** Parse the environment once; later calls return the same object. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  if (cached && source === process.env) return cached;
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${problems}`, { cause: parsed.error });
  }
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}
