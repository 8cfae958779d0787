import { executeCallApi } from '../../../../shared/engine/callApi';
import { callApiBlockSchema, flowSchema } from '../../../../shared/flow/schema';
import { validateFlow } from '../../../../shared/flow/validateFlow';
import { SIGNING_SECRET_NAME } from '../../../../shared/http/signRequest';
import { renderUrl } from '../../../../shared/templating/liquid';

describe('a customer value cannot walk a card URL up its path', () => {
  test.each(['..', '.'])('%s in a path segment fails the render', async (value) => {
    await expect(renderUrl('https://api.example/members/{{ id }}/tickets', { id: value })).rejects.toThrow('cannot be placed in a URL');
  });

  test('a card whose URL would resolve a dot segment fails (its failure path), and calls nothing', async () => {
    let called = false;
    const block = callApiBlockSchema.parse({
      type: 'callApi',
      request: { url: 'https://api.example/members/{{ attributes.memberId }}/tickets', headers: { 'x-api-key': '{{ secrets.KEY }}' } },
    });
    const outcome = await executeCallApi(
      { block, context: { attributes: { memberId: '..' } }, secrets: { KEY: 'k-123456' }, idempotencyKey: 'j#c' },
      { fetch: async () => ((called = true), { status: 200, headers: {}, body: '', url: '', latencyMs: 1 }) },
    );
    expect(outcome).toMatchObject({ ok: false });
    expect(called).toBe(false);
  });

  test('dots inside a value are fine', async () => {
    expect(await renderUrl('https://api.example/files/{{ name }}', { name: 'a..b.txt' })).toBe('https://api.example/files/a..b.txt');
  });
});

describe('a malformed signing secret is a configuration failure, not a network error retried for 30 s', () => {
  test('no call, one outcome naming the secret', async () => {
    let calls = 0;
    const block = callApiBlockSchema.parse({ type: 'callApi', request: { url: 'https://api.example/x' } });
    const outcome = await executeCallApi(
      { block, context: {}, secrets: { [SIGNING_SECRET_NAME]: 'whsec_!!!not-base64!!!' }, idempotencyKey: 'j#c' },
      { fetch: async () => ((calls += 1), { status: 200, headers: {}, body: '', url: '', latencyMs: 1 }), sleep: async () => undefined },
    );
    expect(outcome).toEqual({
      ok: false,
      reason: `config: ${SIGNING_SECRET_NAME} is not a valid whsec_ secret`,
      kind: 'config',
      attempts: 0,
    });
    expect(calls).toBe(0);
  });
});

describe('matches conditions cannot be made to backtrack for ever (RE2)', () => {
  const flowWith = (pattern: string) =>
    flowSchema.parse({
      schemaVersion: 1,
      name: 'f',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'c' }],
      blocks: {
        c: { type: 'condition', branches: [{ when: { op: 'matches', attribute: 'code', pattern }, next: 'e' }] },
        e: { type: 'end' },
      },
    });

  // Patterns run on RE2 (linear time): nested quantifiers are harmless and accepted (conditionPattern.test.ts
  // shows them answering 10,000 characters at once); what RE2 cannot run is refused with its path.
  test.each(['^(\\d+)+$', '(a*)*b', '^(\\w+\\s?)*$'])('nested quantifiers in %s are accepted', (pattern) => {
    expect(validateFlow(flowWith(pattern)).ok).toBe(true);
  });

  test.each(['(?=a)b', '(?<=a)b', '(a)\\1'])('%s (not supported by RE2) is refused with its path', (pattern) => {
    const result = validateFlow(flowWith(pattern));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toEqual(['blocks.c.branches.0.when.pattern']);
  });

  test.each(['^\\d{4}$', '^(09|\\+8869)\\d{8}$', '^[A-Z]\\d+$'])('%s is fine', (pattern) => {
    expect(validateFlow(flowWith(pattern)).ok).toBe(true);
  });
});
