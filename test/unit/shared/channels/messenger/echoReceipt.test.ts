import { echoMetadata, METADATA_MAX_LENGTH, parseEchoMetadata } from '../../../../../shared/channels/messenger/echoReceipt';
import { toInboundEvents } from '../../../../../shared/channels/messenger/messengerWebhook';

const PAGE = '1234567890';
const jobId = `messenger:${PAGE}:m_abc`;

describe('Messenger echo receipts', () => {
  it('round-trips a delivery of a job of the page', () => {
    expect(parseEchoMetadata(echoMetadata(jobId, 3), PAGE)).toEqual({ jobId, index: 3 });
  });

  it("refuses another page's job, other apps' metadata and odd shapes", () => {
    expect(parseEchoMetadata(echoMetadata(jobId, 0), '999')).toBeUndefined();
    expect(parseEchoMetadata('some other app', PAGE)).toBeUndefined();
    expect(parseEchoMetadata(`callcard:1:x:${jobId}`, PAGE)).toBeUndefined();
    expect(parseEchoMetadata(undefined, PAGE)).toBeUndefined();
  });

  it('fits Meta’s metadata limit for the longest job id a webhook queues', () => {
    expect(echoMetadata(`messenger:${'9'.repeat(64)}:${'m'.repeat(512)}`, 9999).length).toBeLessThan(METADATA_MAX_LENGTH);
  });

  it('an echo of our message becomes a receipt; an echo without our metadata is skipped, never answered', () => {
    const echo = (metadata?: string) => ({
      sender: { id: PAGE },
      recipient: { id: 'PSID-1' },
      timestamp: 1,
      message: { is_echo: true, app_id: 1, mid: 'm_echo', text: 'hi', ...(metadata ? { metadata } : {}) },
    });
    const actions = toInboundEvents({ object: 'page', entry: [{ id: PAGE, messaging: [echo(echoMetadata(jobId, 1)), echo(), echo(echoMetadata('messenger:other:m_1', 0))] }] });
    expect(actions).toEqual([
      { kind: 'echo', pageId: PAGE, receipt: { jobId, index: 1 } },
      { kind: 'skip', eventId: 'm_echo', reason: 'echo' },
      { kind: 'skip', eventId: 'm_echo', reason: 'echo' },
    ]);
  });
});
