import { Logger } from '@aws-lambda-powertools/logger';
import { createMessengerSender, MESSAGING_WINDOW_MS } from '../../../../shared/channels/messenger/messengerSender';
import { echoMetadata, echoProblem, parseEchoMetadata } from '../../../../shared/channels/messenger/echoReceipt';
import { MessengerApiError, type MessengerClient } from '../../../../shared/channels/messenger/messengerClient';
import type { MessengerMessage } from '../../../../shared/channels/messenger/renderMessengerMessages';
import type { TurnJob } from '../../../../shared/jobs/job';

const RECEIVED_AT = 1_700_000_000_000;
const PAGE_TOKEN = 'page-1-token';

const job: TurnJob = {
  v: 1,
  jobId: 'messenger:page-1:m_1',
  workspaceId: 'ws',
  channel: { kind: 'messenger', id: 'page-1' },
  userId: 'PSID-1',
  event: { type: 'text', text: 'hot' },
  receivedAt: RECEIVED_AT,
  flow: { flowId: 'demo', version: 1 },
};

const outsideWindow = () => new MessengerApiError('outside', { status: 400, code: 10, subcode: 2018278 });

/** A client that records calls and fails the way the test says. */
function fakeClient(failures: { send?: (n: number) => Error | undefined; typing?: Error } = {}) {
  const sent: Array<{ psid: string; message: MessengerMessage; messagingType: string }> = [];
  const typing: string[] = [];
  const client: MessengerClient = {
    async send(psid, message, options) {
      const failure = failures.send?.(sent.length + 1);
      if (failure) throw failure;
      sent.push({ psid, message, messagingType: options.messagingType });
      return { messageId: `m_${sent.length}` };
    },
    async typingOn(psid) {
      if (failures.typing) throw failures.typing;
      typing.push(psid);
    },
  };
  return { client, sent, typing };
}

function quietLogger() {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const info = jest.spyOn(logger, 'info');
  return { logger, info };
}

const progress = { replyTokenSpent: false, replyRefused: false, recordRefusal: async () => undefined };

describe('createMessengerSender', () => {
  it('renders one delivery per Send API message, in flow order', () => {
    const { client } = fakeClient();
    const sender = createMessengerSender(client, job, { logger: quietLogger().logger, pageToken: PAGE_TOKEN });
    const deliveries = sender.render([
      { type: 'text', text: 'First' },
      {
        type: 'carousel',
        altText: 'Cards',
        cards: [
          { title: 'A', subtitle: 'a', buttons: [] },
          { title: 'B', subtitle: 'b', buttons: [] },
        ],
      },
    ]);
    expect(deliveries).toEqual([
      { messages: [{ text: 'First' }] },
      {
        messages: [
          {
            attachment: {
              type: 'template',
              payload: {
                template_type: 'generic',
                elements: [
                  { title: 'A', subtitle: 'a' },
                  { title: 'B', subtitle: 'b' },
                ],
              },
            },
          },
        ],
      },
    ]);
  });

  it('delivers each message as a RESPONSE to the person, and shows typing first', async () => {
    const { client, sent, typing } = fakeClient();
    const sender = createMessengerSender(client, job, {
      logger: quietLogger().logger,
      pageToken: PAGE_TOKEN,
      now: () => RECEIVED_AT + 1_000,
    });
    await sender.showWaiting();
    const deliveries = sender.render([
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two' },
    ]);
    for (const [index, delivery] of deliveries.entries()) {
      expect(await sender.deliver(index, delivery, progress)).toEqual({ replyTokenSpent: false, via: 'send' });
    }
    expect(typing).toEqual(['PSID-1']);
    expect(sent).toEqual([
      // Each message carries its delivery receipt, which Meta returns in the page's echo of it.
      { psid: 'PSID-1', message: { text: 'one', metadata: echoMetadata(job.jobId, 0, PAGE_TOKEN) }, messagingType: 'RESPONSE' },
      { psid: 'PSID-1', message: { text: 'two', metadata: echoMetadata(job.jobId, 1, PAGE_TOKEN) }, messagingType: 'RESPONSE' },
    ]);
    // Tagged with the page's token: its echo is a receipt of this page, and of no page with another token.
    const claim = parseEchoMetadata(sent[1]?.message.metadata, 'page-1');
    expect(claim?.receipt).toEqual({ jobId: job.jobId, index: 1 });
    expect(claim && echoProblem(claim, { accessToken: PAGE_TOKEN })).toBeUndefined();
    expect(claim && echoProblem(claim, { accessToken: 'another-token' })).toBe('receipt tag not made with the page token');
  });

  it('sends nothing for a job older than 24 hours, and resolves so the job ends', async () => {
    const { client, sent, typing } = fakeClient();
    const { logger, info } = quietLogger();
    const sender = createMessengerSender(client, job, { logger, pageToken: PAGE_TOKEN, now: () => RECEIVED_AT + MESSAGING_WINDOW_MS });
    await sender.showWaiting();
    await expect(sender.deliver(0, { messages: [{ text: 'late' }] }, progress)).resolves.toEqual({ replyTokenSpent: false, via: 'send' });
    expect(sent).toEqual([]);
    expect(typing).toEqual([]);
    expect(info).toHaveBeenCalledWith('delivery outcome', { jobId: job.jobId, index: 0, outcome: 'outside_window' });
  });

  it("treats Meta's window error the same way, and stops trying for the rest of the turn", async () => {
    let calls = 0;
    const { client, sent } = fakeClient({
      send: () => {
        calls += 1;
        return outsideWindow();
      },
    });
    const { logger, info } = quietLogger();
    const sender = createMessengerSender(client, job, { logger, pageToken: PAGE_TOKEN, now: () => RECEIVED_AT + 1_000 });
    await expect(sender.deliver(0, { messages: [{ text: 'one' }] }, progress)).resolves.toEqual({ replyTokenSpent: false, via: 'send' });
    await expect(sender.deliver(1, { messages: [{ text: 'two' }] }, progress)).resolves.toEqual({ replyTokenSpent: false, via: 'send' });
    expect(calls).toBe(1);
    expect(sent).toEqual([]);
    expect(info.mock.calls.filter(([message]) => message === 'delivery outcome')).toHaveLength(2);
  });

  it('a window error on the typing indicator is swallowed and skips the sends', async () => {
    const { client, sent } = fakeClient({ typing: outsideWindow() });
    const sender = createMessengerSender(client, job, {
      logger: quietLogger().logger,
      pageToken: PAGE_TOKEN,
      now: () => RECEIVED_AT + 1_000,
    });
    await expect(sender.showWaiting()).resolves.toBeUndefined();
    await sender.deliver(0, { messages: [{ text: 'one' }] }, progress);
    expect(sent).toEqual([]);
  });

  it('other failures throw, so the job is retried from its outbox', async () => {
    const { client } = fakeClient({
      send: () => new MessengerApiError('boom', { status: 500 }),
      typing: new MessengerApiError('down', { status: 503 }),
    });
    const sender = createMessengerSender(client, job, { logger: quietLogger().logger, pageToken: PAGE_TOKEN, now: () => RECEIVED_AT });
    await expect(sender.showWaiting()).rejects.toThrow('down');
    await expect(sender.deliver(0, { messages: [{ text: 'one' }] }, progress)).rejects.toThrow('boom');
    const invalid = fakeClient({ send: () => new MessengerApiError('bad', { status: 400, code: 100 }) });
    await expect(
      createMessengerSender(invalid.client, job, { logger: quietLogger().logger, pageToken: PAGE_TOKEN, now: () => RECEIVED_AT }).deliver(
        0,
        { messages: [{ text: 'x' }] },
        progress,
      ),
    ).rejects.toThrow('bad');
  });
});
