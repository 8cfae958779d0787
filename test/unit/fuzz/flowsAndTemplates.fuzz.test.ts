import * as fc from 'fast-check';
import { runTurn } from '../../../shared/engine/runTurn';
import { validateFlow } from '../../../shared/flow/validateFlow';
import { renderText, TemplateError, templateProblem } from '../../../shared/templating/liquid';
import { demoFlow } from '../../../local/demoFlow';

/**
 * Fuzzing what admins write (flow documents, templates) and what customers send (attribute values):
 * validation always answers with problems or a flow, never throws; a template either renders or
 * fails with a TemplateError inside its limits; a turn never crashes on a customer's value.
 */
const runs = Number(process.env.FUZZ_RUNS ?? 150);

/** Flow-shaped documents: the demo flow with parts replaced by anything. */
const flowLike = fc
  .record({
    path: fc.constantFrom(
      'name',
      'triggers',
      'blocks',
      'schemaVersion',
      'blocks.best_sellers',
      'blocks.show_best_sellers',
      'blocks.ask_phone',
      'blocks.check_member',
      'triggers.0',
    ),
    value: fc.anything({ maxDepth: 4 }),
  })
  .map(({ path, value }) => {
    const flow = JSON.parse(JSON.stringify(demoFlow('https://brand.example'))) as Record<string, unknown>;
    const keys = path.split('.');
    let node: Record<string, unknown> = flow;
    for (const key of keys.slice(0, -1)) node = (node[key] ?? {}) as Record<string, unknown>;
    node[keys[keys.length - 1] ?? 'name'] = value;
    return flow;
  });

const templateSource = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc
    .array(
      fc.constantFrom(
        '{{',
        '}}',
        '{%',
        '%}',
        ' if ',
        ' for ',
        ' endfor ',
        ' endif ',
        'x',
        ' | ',
        'upcase',
        'item.',
        'response.body',
        '"',
        "'",
        ' in ',
        '(1..1000000)',
        'assign',
        ' = ',
        'capture',
        'raw',
        'include',
        'render',
        'layout',
        'cycle',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join('')),
);

describe('flow documents under fuzzing', () => {
  test('validateFlow answers problems or a flow, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(flowLike, fc.anything({ maxDepth: 5 })), (input) => {
        const result = validateFlow(input);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(typeof problem.message).toBe('string');
        }
      }),
      { numRuns: runs },
    );
  });
});

describe('templates under fuzzing', () => {
  test('templateProblem never throws; renderText renders or fails with a TemplateError', async () => {
    await fc.assert(
      fc.asyncProperty(templateSource, fc.dictionary(fc.string({ maxLength: 10 }), fc.anything({ maxDepth: 3 })), async (source, data) => {
        const problem = templateProblem(source);
        expect(problem === undefined || typeof problem === 'string').toBe(true);
        try {
          const text = await renderText(source, { attributes: data, response: { body: data } });
          expect(typeof text).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateError);
        }
      }),
      { numRuns: runs },
    );
  });
});

describe('customer values under fuzzing', () => {
  const flow = validateFlow({
    schemaVersion: 1,
    name: 'fuzz',
    triggers: [{ type: 'fallback', start: 'ask' }],
    blocks: {
      ask: { type: 'question', prompt: 'Your code?', input: { type: 'text' }, saveAs: 'code', next: 'check' },
      check: {
        type: 'condition',
        branches: [
          { when: { op: 'matches', attribute: 'code', pattern: '^[A-Z]{2}\\d{4}$' }, next: 'ok' },
          { when: { op: 'gt', attribute: 'code', value: 10 }, next: 'ok' },
          { when: { op: 'equals', attribute: 'code', value: 'x' }, next: 'ok' },
        ],
        otherwise: 'no',
      },
      ok: { type: 'message', messages: [{ type: 'text', text: 'Thanks {{ attributes.code }}' }] },
      no: { type: 'message', messages: [{ type: 'text', text: 'Not a code: {{ attributes.code | truncate: 20 }}' }] },
    },
  });

  test('a turn answering a question with any text never throws and always says something', async () => {
    if (!flow.ok) throw new Error(JSON.stringify(flow.problems));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ minLength: 1000, maxLength: 5000 }),
          fc.constant('{{ secrets }}{% include "package.json" %}'),
        ),
        async (text) => {
          const result = await runTurn(
            {
              flow: flow.flow,
              flowRef: { flowId: 'fuzz', version: 1 },
              event: { type: 'text', text },
              session: {
                flowId: 'fuzz',
                version: 1,
                waitingOn: 'ask',
                attempts: 0,
                trigger: {},
                expiresAt: Math.floor(Date.now() / 1000) + 600,
              },
              customer: { id: 'U1', channel: 'line', attributes: {} },
            },
            { callApi: async () => ({ ok: false, reason: 'no brand in this test', kind: 'network', attempts: 1 }) },
          );
          expect(result.messages.length).toBeGreaterThan(0);
          // Customer text is data: it never becomes template source.
          for (const message of result.messages) if (message.type === 'text') expect(message.text).not.toContain('"name": "callcard"');
        },
      ),
      { numRuns: runs },
    );
  });
});
