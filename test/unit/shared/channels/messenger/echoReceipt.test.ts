import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { echoMetadata, echoProblem, METADATA_MAX_LENGTH, parseEchoMetadata } from '../../../../../shared/channels/messenger/echoReceipt';
import { toInboundEvents, type MessengerWebhook } from '../../../../../shared/channels/messenger/messengerWebhook';

const PAGE = '1234567890';
const TOKEN = 'page-access-token';
const jobId = `messenger:${PAGE}:m_abc`;
/** The app id of Meta's echo example (test/fixtures/messenger/echo.json), a number as Meta sends it. */
const APP_ID = 1517776481860111;

describe('Messenger echo receipts', () => {
  it('round-trips a delivery of a job of the page, tagged with the page token', () => {
    const claim = parseEchoMetadata(echoMetadata(jobId, 3, TOKEN), PAGE, String(APP_ID));
    expect(claim).toEqual({ receipt: { jobId, index: 3 }, tag: expect.stringMatching(/^[0-9a-f]{64}$/), appId: String(APP_ID) });
    expect(claim && echoProblem(claim, { accessToken: TOKEN })).toBeUndefined();
    expect(claim && echoProblem(claim, { accessToken: TOKEN, appId: String(APP_ID) })).toBeUndefined();
  });

  it("refuses another page's job, other apps' metadata, untagged (v1) receipts and odd shapes", () => {
    expect(parseEchoMetadata(echoMetadata(jobId, 0, TOKEN), '999')).toBeUndefined();
    expect(parseEchoMetadata('some other app', PAGE)).toBeUndefined();
    expect(parseEchoMetadata(`callcard:1:0:${jobId}`, PAGE)).toBeUndefined();
    expect(parseEchoMetadata(`callcard:2:x:${'0'.repeat(64)}:${jobId}`, PAGE)).toBeUndefined();
    expect(parseEchoMetadata(`callcard:2:0:${'0'.repeat(63)}:${jobId}`, PAGE)).toBeUndefined();
    expect(parseEchoMetadata(undefined, PAGE)).toBeUndefined();
  });

  it("another app's echo is not a receipt of a page registered under an app, whatever its metadata", () => {
    const metadata = echoMetadata(jobId, 0, TOKEN);
    const page = { accessToken: TOKEN, appId: String(APP_ID) };
    expect(echoProblem(parseEchoMetadata(metadata, PAGE, '42')!, page)).toBe("another app's message (app_id is not the page's app)");
    expect(echoProblem(parseEchoMetadata(metadata, PAGE)!, page)).toBe("another app's message (app_id is not the page's app)");
  });

  it('a receipt another app made up (another index, another job, any tag) does not hold: only the page token tags it', () => {
    const genuine = parseEchoMetadata(echoMetadata(jobId, 0, TOKEN), PAGE)!;
    // The tag of delivery 0 moved onto delivery 42, or onto another job of the page.
    const [, , , tag] = echoMetadata(jobId, 0, TOKEN).split(':');
    for (const forged of [
      `callcard:2:42:${tag}:${jobId}`,
      `callcard:2:0:${tag}:messenger:${PAGE}:m_other`,
      `callcard:2:42:${'a'.repeat(64)}:${jobId}`,
    ]) {
      expect(echoProblem(parseEchoMetadata(forged, PAGE)!, { accessToken: TOKEN })).toBe('receipt tag not made with the page token');
    }
    // Made with another token (another app's, or the page's before a rotation).
    expect(echoProblem(parseEchoMetadata(echoMetadata(jobId, 42, 'another-token'), PAGE)!, { accessToken: TOKEN })).toBe(
      'receipt tag not made with the page token',
    );
    expect(echoProblem(genuine, { accessToken: TOKEN })).toBeUndefined();
  });

  it('fits Meta’s metadata limit for the longest job id a webhook queues', () => {
    expect(echoMetadata(`messenger:${'9'.repeat(64)}:${'m'.repeat(512)}`, 9999, TOKEN).length).toBeLessThan(METADATA_MAX_LENGTH);
  });

  it('an echo with our metadata becomes a claim with its app_id; an echo without it is skipped, never answered', () => {
    const echo = (metadata?: string, appId: number | string = APP_ID) => ({
      sender: { id: PAGE },
      recipient: { id: 'PSID-1' },
      timestamp: 1,
      message: { is_echo: true, app_id: appId, mid: 'm_echo', text: 'hi', ...(metadata ? { metadata } : {}) },
    });
    const actions = toInboundEvents({
      object: 'page',
      entry: [
        {
          id: PAGE,
          messaging: [
            echo(echoMetadata(jobId, 1, TOKEN)),
            echo(echoMetadata(jobId, 2, TOKEN), '77'),
            echo(),
            echo(echoMetadata('messenger:other:m_1', 0, TOKEN)),
          ],
        },
      ],
    });
    expect(actions).toEqual([
      { kind: 'echo', pageId: PAGE, claim: { receipt: { jobId, index: 1 }, tag: expect.any(String), appId: String(APP_ID) } },
      { kind: 'echo', pageId: PAGE, claim: { receipt: { jobId, index: 2 }, tag: expect.any(String), appId: '77' } },
      { kind: 'skip', eventId: 'm_echo', reason: 'echo' },
      { kind: 'skip', eventId: 'm_echo', reason: 'echo' },
    ]);
  });

  it("Meta's echo example (echo.json) with callcard's metadata carries its app_id", () => {
    const sample = JSON.parse(readFileSync(join(__dirname, '../../../../fixtures/messenger/echo.json'), 'utf8')) as MessengerWebhook & {
      entry: Array<{ id: string; messaging: Array<{ message: Record<string, unknown> }> }>;
    };
    const pageId = sample.entry[0]!.id;
    sample.entry[0]!.messaging[0]!.message.metadata = echoMetadata(`messenger:${pageId}:m_1`, 0, TOKEN);
    const [action] = toInboundEvents(sample);
    expect(action).toMatchObject({ kind: 'echo', pageId, claim: { appId: String(APP_ID), receipt: { index: 0 } } });
  });
});
