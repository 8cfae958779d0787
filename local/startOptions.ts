import { parseAllowHttpHosts } from '../shared/http/guardedFetch';
import type { LocalStackOptions } from './localStack';

/**
 * What `npm start` runs, from its settings (the environment): the ports (`PORT` and the next three),
 * `DATA_DIR`, the demo's secrets, and `OUTBOUND_ALLOW_HTTP_HOSTS`: "host:port" entries, comma
 * separated, that cards may call over plain http (your own brand API on this machine, e.g.
 * `localhost:8080`), besides the stand-ins the stack always allows. A malformed entry throws.
 * `--dynamodb-local` on the command line (`npm start -- --dynamodb-local`) runs AWS's DynamoDB Local
 * (Java 17+) instead of dynalite; any other argument throws.
 *
 * @example
 * localStackOptionsFromEnv({ PORT: '4000', OUTBOUND_ALLOW_HTTP_HOSTS: 'localhost:8080' });
 * // { port: 4000, lineApiPort: 4001, brandApiPort: 4002, messengerApiPort: 4003, extraAllowHttpHosts: ['localhost:8080'], demo: {…} }
 */
export function localStackOptionsFromEnv(env: NodeJS.ProcessEnv, args: string[] = []): LocalStackOptions {
  const port = Number(env.PORT ?? 3000);
  const unknown = args.filter((arg) => arg !== '--dynamodb-local');
  if (unknown.length > 0) throw new Error(`npm start: unknown option ${unknown.join(' ')} (known: --dynamodb-local)`);
  return {
    port,
    ...(args.includes('--dynamodb-local') ? { dynamodb: 'dynamodb-local' as const } : {}),
    lineApiPort: port + 1,
    brandApiPort: port + 2,
    messengerApiPort: port + 3,
    ...(env.DATA_DIR ? { dataDir: env.DATA_DIR } : {}),
    extraAllowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS),
    demo: {
      lineChannelSecret: env.DEMO_LINE_CHANNEL_SECRET ?? 'demo-line-secret',
      messengerAppSecret: env.DEMO_MESSENGER_APP_SECRET ?? 'demo-messenger-secret',
      messengerVerifyToken: env.DEMO_MESSENGER_VERIFY_TOKEN ?? 'demo-verify-token',
      adminKey: env.DEMO_ADMIN_KEY ?? 'demo-admin-key',
      ...(env.DEMO_SIGNING_SECRET ? { signingSecret: env.DEMO_SIGNING_SECRET } : {}),
    },
  };
}
