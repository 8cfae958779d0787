import { loginUrlProblem, validateFlow, type FlowProblem } from '../../../../shared/flow/validateFlow';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function problems(input: unknown): FlowProblem[] {
  const result = validateFlow(input);
  return result.ok ? [] : result.problems;
}

/** `tickets` starts at `load`, a personal card; verification starts at `link` (an account link), whose card binds. */
function linkFlow(): Doc {
  return {
    schemaVersion: 1,
    name: 'tickets',
    triggers: [{ type: 'postback', action: 'tickets', start: 'load' }],
    verify: 'link',
    blocks: {
      load: {
        type: 'callApi',
        personal: true,
        request: { url: 'https://brand.example/members/{{ binding.memberId }}/tickets' },
        onSuccess: 'show',
      },
      show: { type: 'message', messages: [{ type: 'text', text: '{{ response.body.count }} tickets' }] },
      link: { type: 'linkAccount', loginUrl: 'https://brand.example/login', text: 'Sign in', onLinked: 'resolve' },
      resolve: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: 'https://brand.example/link/resolve',
          body: { type: 'json', value: { nonce: '{{ link.nonce }}' } },
        },
        bind: { memberId: 'response.body.memberId' },
        onSuccess: 'load',
      },
    },
  };
}

describe('the linkAccount block, validated', () => {
  test('a flow verifying by account link is valid: the personal card after the link counts as verified', () => {
    expect(problems(linkFlow())).toEqual([]);
    // Reached from a trigger only through the link (no verify start): verified on the way too.
    const viaTrigger = linkFlow();
    delete viaTrigger.verify;
    viaTrigger.triggers = [{ type: 'keyword', keywords: ['link'], start: 'link' }];
    expect(problems(viaTrigger)).toEqual([]);
    // A trigger straight to the personal card, with no verify start: flagged.
    viaTrigger.triggers.push({ type: 'postback', action: 'tickets', start: 'load' });
    expect(problems(viaTrigger)).toEqual([
      { path: 'blocks.load.personal', message: expect.stringContaining('a personal card needs a way to verify') },
    ]);
  });

  test('required fields, and unknown keys, at their paths', () => {
    const flow = linkFlow();
    flow.blocks.link = { type: 'linkAccount', loginUrl: '', onLinked: 'resolve', url: 'x' };
    expect(problems(flow).map((p) => p.path)).toEqual(
      expect.arrayContaining(['blocks.link.loginUrl', 'blocks.link.text', 'blocks.link.url']),
    );
    const noOutlet = linkFlow();
    delete noOutlet.blocks.link.onLinked;
    expect(problems(noOutlet).map((p) => p.path)).toContain('blocks.link.onLinked');
  });

  test('onLinked must be a card that binds; its references must exist', () => {
    const flow = linkFlow();
    flow.blocks.link.onLinked = 'show';
    expect(problems(flow)).toContainEqual({ path: 'blocks.link.onLinked', message: expect.stringContaining('a card that binds (bind)') });
    const missing = linkFlow();
    missing.blocks.link.onFailure = 'nowhere';
    expect(problems(missing)).toContainEqual({ path: 'blocks.link.onFailure', message: 'no block named "nowhere"' });
  });

  test('the login URL: https (Meta requires it), http only on the local stack, templates checked', () => {
    for (const url of ['http://brand.example/login', 'ftp://brand.example/login', 'brand.example/login']) {
      const flow = linkFlow();
      flow.blocks.link.loginUrl = url;
      expect(problems(flow)).toContainEqual({ path: 'blocks.link.loginUrl', message: expect.stringMatching(/https:\/\//) });
    }
    expect(loginUrlProblem('http://brand.example/login')).toMatch(/Messenger's Log In button takes only https/);
    for (const url of [
      'https://brand.example/login',
      'http://127.0.0.1:3002/link/login',
      'http://localhost:8080/login',
      '{{ attributes.loginBase }}/login',
    ])
      expect(loginUrlProblem(url)).toBeUndefined();
    const secret = linkFlow();
    secret.blocks.link.loginUrl = 'https://brand.example/login?k={{ secrets.KEY }}';
    expect(problems(secret).map((p) => p.path)).toContain('blocks.link.loginUrl');
  });

  test('channels: a channel left out needs elsewhere; elsewhere with every channel is never used', () => {
    const flow = linkFlow();
    flow.blocks.link.channels = ['line'];
    expect(problems(flow)).toContainEqual({ path: 'blocks.link.elsewhere', message: expect.stringContaining('leaves out messenger') });
    flow.blocks.link.elsewhere = 'show';
    expect(problems(flow)).toEqual([]);
    const both = linkFlow();
    both.blocks.link.elsewhere = 'show';
    expect(problems(both)).toContainEqual({ path: 'blocks.link.elsewhere', message: expect.stringContaining('never used') });
    const unknown = linkFlow();
    unknown.blocks.link.channels = ['whatsapp'];
    expect(problems(unknown).map((p) => p.path)).toContain('blocks.link.channels.0');
  });

  test('never in a LINE group or room', () => {
    const flow = linkFlow();
    flow.triggers.push({ type: 'keyword', keywords: ['link'], start: 'link', chats: ['user', 'group'] });
    expect(problems(flow)).toContainEqual({
      path: 'blocks.link',
      message: expect.stringContaining('an account is linked in one-to-one chats only'),
    });
  });

  test('a card reading link.nonce is never cached (it is about one customer)', () => {
    const flow = linkFlow();
    flow.blocks.resolve.cache = { ttlSeconds: 60 };
    expect(problems(flow)).toContainEqual({ path: 'blocks.resolve.cache', message: expect.stringContaining('uses link') });
  });
});
