import { JUDGING_FIELDS, type CardJudging, type JudgingField } from '../../../../shared/engine/callApi';
import { cardCacheKey } from '../../../../shared/engine/cardCache';
import { callApiBlockSchema, type CallApiBlock } from '../../../../shared/flow/schema';

// One list of the card's fields that judge an answer (JUDGING_FIELDS, beside the judge in callApi.ts):
// the judge is given only those, and the cache key is made of all of them. These tests fail when a
// judging field would not change the key, and when the card gains a field nobody has said judges or not.

const request = { method: 'GET', url: 'https://shop.example/v1/best-sellers', headers: { accept: 'application/json' } };

function card(overrides: Record<string, unknown> = {}): CallApiBlock {
  return callApiBlockSchema.parse({ type: 'callApi', request: { url: request.url }, ...overrides });
}

/** For each judging field, a value other than the plain card's (typed: a field added to the list needs one here). */
const OTHER_VALUE: { [K in JudgingField]-?: NonNullable<CardJudging[K]> } = {
  successWhen: 'response.body.ok == true',
  expect: 'messages',
  contract: { body: { type: 'object', required: ['items'] } },
};

/**
 * The card's fields that do not judge an answer, and why. Every field of the schema is either here or
 * in JUDGING_FIELDS: a new field of the card fails this file until it is put in one of the two.
 */
const NOT_JUDGING: Record<string, string> = {
  type: 'the block kind',
  request: 'what is sent: the built request is in the key itself',
  timeoutMs: 'how long an attempt may take, not how its answer is judged',
  callback: 'a callback card is never cached; its callback is judged by the same judging fields',
  fireAndForget: 'whether the flow waits',
  retry: 'whether a failure is tried again',
  cache: 'whether the answer is kept',
  saveToAttributes: 'what is done with a success',
  personal: 'who may run the card',
  bind: 'what is done with a success',
  onSuccess: 'routing after the outcome',
  onFailure: 'routing after the outcome',
  onStatus: 'routing after the outcome',
  onReason: 'routing after the outcome',
};

describe('the card fields that judge an answer, and the cache key', () => {
  test.each([...JUDGING_FIELDS])('a card differing only in %s has another cache key', (field) => {
    const plain = card();
    const other = card({ [field]: OTHER_VALUE[field] });
    expect(other[field]).not.toEqual(plain[field]);
    expect(cardCacheKey('ws-a', request, other)).not.toBe(cardCacheKey('ws-a', request, plain));
  });

  test('every judging field has a value to vary (the list is not empty)', () => {
    expect(JUDGING_FIELDS.length).toBeGreaterThan(0);
    for (const field of JUDGING_FIELDS) expect(OTHER_VALUE[field]).toBeDefined();
  });

  test('a change to a field that does not judge leaves the key as it is', () => {
    const plain = card();
    expect(cardCacheKey('ws-a', request, card({ retry: false, onFailure: 'sorry', cache: { ttlSeconds: 60 } }))).toBe(
      cardCacheKey('ws-a', request, plain),
    );
  });

  test('a contract that only warns has another key than one that fails', () => {
    const failing = card({ contract: { body: { type: 'object' } } });
    const warning = card({ contract: { body: { type: 'object' }, onMismatch: 'warn' } });
    expect(cardCacheKey('ws-a', request, warning)).not.toBe(cardCacheKey('ws-a', request, failing));
  });

  test("every field of the card's schema is either a judging field or said not to judge", () => {
    const fields = Object.keys(callApiBlockSchema.shape);
    const judging = new Set<string>(JUDGING_FIELDS);
    const unclassified = fields.filter((field) => !judging.has(field) && !Object.hasOwn(NOT_JUDGING, field));
    expect(unclassified).toEqual([]);
    // Neither list names a field the card does not have, nor a field twice.
    expect([...JUDGING_FIELDS, ...Object.keys(NOT_JUDGING)].filter((field) => !fields.includes(field))).toEqual([]);
    expect(Object.keys(NOT_JUDGING).filter((field) => judging.has(field))).toEqual([]);
  });
});
