import { createServer, type Server } from 'node:http';
import { createLineClient } from '../shared/channels/line/lineClient';
import { renderLineMessages } from '../shared/channels/line/renderLineMessages';
import { lineWebhookSchema, toInboundEvent } from '../shared/channels/line/lineWebhook';
import { verifyLineSignature } from '../shared/channels/line/verifyLineSignature';
import { executeCallApi } from '../shared/engine/callApi';
import { resolveMessages } from '../shared/engine/resolveMessages';
import type { Flow } from '../shared/flow/schema';
import type { GuardedFetch } from '../shared/http/guardedFetch';
import { SIGNING_SECRET_NAME } from '../shared/http/signRequest';
import { closeServer, listen, readBody, writeJson } from '../local/httpServer';

export interface DirectBaselineOptions {
  /** The demo flow, parsed: its `best_sellers` card and `show_best_sellers` block are what the baseline runs. */
  flow: Flow;
  channelSecret: string;
  accessToken: string;
  lineApiBaseUrl: string;
  signingSecret: string;
  /** The same outbound path callcard uses (keep-alive, guard). */
  fetch: GuardedFetch;
}

export interface DirectBaseline {
  url: string;
  close(): Promise<void>;
}

/**
 * What a brand could write by hand with no queue and no store: one process that verifies the LINE
 * signature, calls the brand, renders the carousel with callcard's own renderer and replies. The
 * webhook is acknowledged at once (LINE wants its 200 fast), the turn runs right after. The bench
 * measures callcard against it on the same stand-ins.
 */
export async function startDirectBaseline(options: DirectBaselineOptions): Promise<DirectBaseline> {
  const card = options.flow.blocks.best_sellers;
  const follow = options.flow.blocks.show_best_sellers;
  if (card?.type !== 'callApi' || follow?.type !== 'message')
    throw new Error('the demo flow changed: best_sellers / show_best_sellers not found');
  const line = createLineClient({ baseUrl: options.lineApiBaseUrl, accessToken: options.accessToken, fetch: options.fetch });

  async function turn(replyToken: string, userId: string, eventId: string): Promise<void> {
    const context = {
      customer: { id: userId, channel: 'line', attributes: {} },
      attributes: {},
      trigger: { type: 'text', text: 'hot', params: {} },
    };
    const outcome = await executeCallApi(
      {
        block: card as Extract<typeof card, { type: 'callApi' }>,
        context,
        secrets: { [SIGNING_SECRET_NAME]: options.signingSecret },
        idempotencyKey: eventId,
      },
      { fetch: options.fetch },
    );
    if (!outcome.ok) throw new Error(`brand call failed: ${outcome.reason}`);
    const resolved = await resolveMessages((follow as Extract<typeof follow, { type: 'message' }>).messages, {
      ...context,
      response: outcome.response,
    });
    await line.reply(replyToken, renderLineMessages(resolved.messages) as Parameters<typeof line.reply>[1]);
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req, 1_048_576);
      if (!raw || !verifyLineSignature(raw, options.channelSecret, req.headers['x-line-signature'] as string | undefined))
        return writeJson(res, 401, { error: 'invalid signature' });
      const parsed = lineWebhookSchema.safeParse(JSON.parse(raw.toString('utf8')));
      if (!parsed.success) return writeJson(res, 400, { error: 'not a LINE webhook' });
      writeJson(res, 200, { ok: true });
      await Promise.all(
        parsed.data.events.map(async (event) => {
          const action = toInboundEvent(event);
          if (action.kind !== 'handle' || !action.replyToken) return;
          await turn(action.replyToken, action.userId, action.eventId);
        }),
      );
    })().catch((error: unknown) => console.error('[direct baseline]', error));
  });
  const port = await listen(server, 0);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}
