import { createServer, type Server } from 'node:http';
import { demoFlow } from '../../local/demoFlow';
import type { LocalStack } from '../../local/localStack';
import { localStackOptionsFromEnv } from '../../local/startOptions';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack } from '../support/localStackHarness';

/**
 * `npm start` with OUTBOUND_ALLOW_HTTP_HOSTS: the brand's own API on this machine (plain http on
 * localhost) is callable by cards, beside the stand-ins the stack always allows.
 */

describe('npm start: OUTBOUND_ALLOW_HTTP_HOSTS', () => {
  test("the user's hosts are kept (normalised), none when unset, a malformed one refused", () => {
    expect(
      localStackOptionsFromEnv({ OUTBOUND_ALLOW_HTTP_HOSTS: 'localhost:8080, 127.0.0.1:9000,LOCALHOST:8080' }).extraAllowHttpHosts,
    ).toEqual(['localhost:8080', '127.0.0.1:9000']);
    expect(localStackOptionsFromEnv({}).extraAllowHttpHosts).toEqual([]);
    expect(() => localStackOptionsFromEnv({ OUTBOUND_ALLOW_HTTP_HOSTS: 'localhost' })).toThrow(
      'invalid allowed http host "localhost": expected host:port',
    );
  });

  test('the other settings are read as before: PORT and the next three, the demo secrets', () => {
    expect(localStackOptionsFromEnv({ PORT: '4000', DEMO_ADMIN_KEY: 'k' })).toMatchObject({
      port: 4000,
      lineApiPort: 4001,
      brandApiPort: 4002,
      messengerApiPort: 4003,
      demo: { adminKey: 'k' },
    });
  });

  describe('on a running stack', () => {
    let brand: Server;
    let brandPort: number;
    let stack: LocalStack;
    let admin: AdminClient;

    beforeAll(async () => {
      // "Your own brand API on your machine", on localhost.
      brand = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"greeting":"hello from my laptop"}');
      });
      await new Promise<void>((resolve) => brand.listen(0, 'localhost', resolve));
      const address = brand.address();
      brandPort = typeof address === 'object' && address !== null ? address.port : 0;
      const fromEnv = localStackOptionsFromEnv({ OUTBOUND_ALLOW_HTTP_HOSTS: `localhost:${brandPort}` });
      stack = await startTestStack({ ...fromEnv, port: 0, lineApiPort: 0, brandApiPort: 0, messengerApiPort: 0 });
      admin = adminClient(stack, stack.demo.adminKey);
    });

    afterAll(async () => {
      await stack.stop();
      brand.closeAllConnections();
      await new Promise<void>((resolve) => brand.close(() => resolve()));
    });

    /** A dry run of one card calling `url`, in the demo flow. */
    async function dryRunCard(url: string) {
      const flow = demoFlow(stack.brandApi.url);
      const reply = await admin.call('POST', '/admin/dry-run', {
        flow: {
          ...flow,
          triggers: [...flow.triggers, { type: 'keyword', keywords: ['mine'], start: 'mine' }],
          blocks: { ...flow.blocks, mine: { type: 'callApi', request: { url }, retry: false } },
        },
        blockId: 'mine',
      });
      expect(reply.status).toBe(200);
      return reply.body as { outcome: { ok: boolean; reason?: string }; response: { status: number; body: unknown } | null };
    }

    test('a card calls http://localhost:<port> named in OUTBOUND_ALLOW_HTTP_HOSTS', async () => {
      const result = await dryRunCard(`http://localhost:${brandPort}/hello`);
      expect(result.outcome).toMatchObject({ ok: true });
      expect(result.response).toMatchObject({ status: 200, body: { greeting: 'hello from my laptop' } });
    });

    test('the stand-ins stay allowed beside it, and a port not named stays blocked', async () => {
      const demoCard = await admin.call('POST', '/admin/dry-run', { flowId: 'demo', blockId: 'best_sellers' });
      expect(demoCard.body).toMatchObject({ outcome: { ok: true } });
      const other = await dryRunCard(`http://localhost:${brandPort === 65_535 ? 65_534 : brandPort + 1}/hello`);
      expect(other).toMatchObject({ outcome: { ok: false, reason: 'blocked' }, response: null });
    });
  });
});
