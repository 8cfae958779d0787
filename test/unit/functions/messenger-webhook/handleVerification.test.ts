import { handleVerification } from '../../../../functions/messenger-webhook/handleMessengerWebhook';
import type { Channel } from '../../../../shared/channels/channel';

const page: Channel = {
  workspaceId: 'ws',
  kind: 'messenger',
  channelId: 'page-1',
  name: '',
  secret: 'app-secret',
  accessToken: 'page-token',
  verifyToken: 'my-verify-token',
  activeFlows: [],
};
const query = (overrides: Record<string, string | undefined> = {}) => ({
  'hub.mode': 'subscribe',
  'hub.verify_token': 'my-verify-token',
  'hub.challenge': '1158201444',
  ...overrides,
});

describe('handleVerification', () => {
  it('echoes the challenge when the mode is subscribe and the token matches', () => {
    expect(handleVerification(query(), page)).toEqual({ statusCode: 200, text: '1158201444' });
  });

  it.each([
    ['a wrong token', query({ 'hub.verify_token': 'guess' })],
    ['a token differing only in length', query({ 'hub.verify_token': 'my-verify-token ' })],
    ['a missing token', query({ 'hub.verify_token': undefined })],
    ['a missing mode', query({ 'hub.mode': undefined })],
    ['another mode', query({ 'hub.mode': 'unsubscribe' })],
    ['a missing challenge', query({ 'hub.challenge': undefined })],
    ['an oversized challenge', query({ 'hub.challenge': '1'.repeat(257) })],
  ])('answers 403 for %s', (_name, q) => {
    expect(handleVerification(q, page)).toMatchObject({ statusCode: 403, body: { error: expect.any(String) } });
  });

  it('answers 403 when the page has no verify token, whatever is sent', () => {
    const { verifyToken: _unused, ...withoutToken } = page;
    expect(handleVerification(query({ 'hub.verify_token': '' }), withoutToken)).toMatchObject({ statusCode: 403 });
    expect(handleVerification(query(), withoutToken)).toMatchObject({ statusCode: 403 });
  });

  it('answers an unknown page exactly like a wrong verify token (a prober cannot tell which pages exist), and logs which it was', () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => void warnings.push(message) };
    expect(handleVerification(query(), undefined, logger)).toEqual(handleVerification(query({ 'hub.verify_token': 'guess' }), page));
    expect(handleVerification(query(), undefined)).toEqual({ statusCode: 403, body: { error: 'verify token does not match' } });
    expect(handleVerification(query({ 'hub.mode': undefined }), undefined)).toEqual(
      handleVerification(query({ 'hub.mode': undefined }), page),
    );
    handleVerification(query({ 'hub.verify_token': 'guess' }), page, logger);
    expect(warnings).toEqual([expect.stringContaining('unknown channel'), expect.stringContaining('verify token does not match')]);
  });
});
