import * as z from 'zod';

/**
 * The names of every environment variable the handlers read: the one owner of these names. The
 * handlers parse them below; infra's constructs set them through the same constants, so a rename
 * cannot leave a function reading a variable nobody sets. (One more, the executor's alone, lives
 * beside the numbers it feeds, so that the webhooks' bundles, which read this file, do not carry it:
 * EXECUTOR_MAX_CONCURRENCY in shared/jobs/fairShare.ts.)
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  jobsQueueUrl: 'JOBS_QUEUE_URL',
  jobsDlqUrl: 'JOBS_DLQ_URL',
  lineApiBaseUrl: 'LINE_API_BASE_URL',
  messengerApiBaseUrl: 'MESSENGER_API_BASE_URL',
  outboundAllowHttpHosts: 'OUTBOUND_ALLOW_HTTP_HOSTS',
  egressAddresses: 'EGRESS_ADDRESSES',
  /** The executor's: the deployment (stack) its per-card alert metrics name, so one stage's cards never raise another's alarms. */
  cardAlertsDeployment: 'CARD_ALERTS_DEPLOYMENT',
  publicApiUrl: 'PUBLIC_API_URL',
  callbackTimeoutsQueueUrl: 'CALLBACK_TIMEOUTS_QUEUE_URL',
} as const;

export const DEFAULT_LINE_API_BASE_URL = 'https://api.line.me';
export const DEFAULT_MESSENGER_API_BASE_URL = 'https://graph.facebook.com/v25.0';

/**
 * Every environment variable the Lambda handlers read, parsed once at cold start. Only the Lambda
 * entry points read it: the local stack, the tests and the bench pass their dependencies to
 * `createHandler(deps)` directly.
 */
export const envSchema = z.object({
  [ENV.tableName]: z.string().min(1, `${ENV.tableName} is required`),
  [ENV.jobsQueueUrl]: z.string().url(`${ENV.jobsQueueUrl} is required (the jobs FIFO queue URL)`),
  [ENV.jobsDlqUrl]: z.string().url().optional(),
  [ENV.lineApiBaseUrl]: z.string().url().default(DEFAULT_LINE_API_BASE_URL),
  [ENV.messengerApiBaseUrl]: z.string().url().default(DEFAULT_MESSENGER_API_BASE_URL),
  /** "host:port" entries that may be called over http and on loopback: never set in production. */
  [ENV.outboundAllowHttpHosts]: z.string().optional(),
  /** The fixed addresses brands' APIs see callcard's calls come from (staticEgress), comma-separated; unset: none fixed. */
  [ENV.egressAddresses]: z.string().optional(),
  /** The HTTP API's base URL, for the callback URLs brands are given (cards with `callback`); unset: such cards wait for none. */
  [ENV.publicApiUrl]: z.string().url().optional(),
  /** The standard queue whose delayed messages time callbacks out (shared/jobs/callbackTimeouts.ts). */
  [ENV.callbackTimeoutsQueueUrl]: z.string().url().optional(),
});
export type Env = z.infer<typeof envSchema>;

/** The fixed egress addresses named by EGRESS_ADDRESSES (CDK joins the Elastic IPs with commas); empty: none fixed. */
export function egressAddressesOf(env: Pick<Env, 'EGRESS_ADDRESSES'>): string[] {
  return (env.EGRESS_ADDRESSES ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
}

/** Thrown at cold start when the environment is incomplete: names every missing or invalid variable. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Parse the environment (Lambda's, by default). */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid environment: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}
