import { contractSample, readFrom } from '../../../console/src/importFill';

// The import dialog's pure parts (console/src/importFill.ts): an offered value read from an attribute
// instead (in a JSON body at any depth, a form field, the query, a header), and the sample body an
// imported contract gives the form's pickers before any test.

type Json = Record<string, unknown>;

test('an offered value is read from its attribute where the card sends it', () => {
  const json: Json = {
    method: 'POST',
    url: 'https://api.line.me/v2/bot/message/push',
    body: {
      type: 'json',
      value: {
        to: 'U123',
        messages: [
          { type: 'text', text: 'Hello' },
          { type: 'text', text: 'Hi' },
        ],
      },
    },
  };
  readFrom(json, { in: 'body', path: 'messages[1].text', value: 'Hi', suggested: 'attributes.text', templated: false });
  readFrom(json, { in: 'body', path: 'to', value: 'U123', suggested: 'trigger.params.to', templated: false });
  expect(json.body).toEqual({
    type: 'json',
    value: {
      to: '{{ trigger.params.to }}',
      messages: [
        { type: 'text', text: 'Hello' },
        { type: 'text', text: '{{ attributes.text }}' },
      ],
    },
  });

  const form: Json = {
    method: 'POST',
    url: 'https://api.stripe.com/v1/customers',
    body: { type: 'form', fields: { name: 'Jenny Rosen', email: 'jenny@example.com' } },
  };
  readFrom(form, { in: 'form', path: 'email', value: 'jenny@example.com', suggested: 'attributes.email', templated: false });
  expect(form.body).toEqual({ type: 'form', fields: { name: 'Jenny Rosen', email: '{{ attributes.email }}' } });

  const query: Json = { method: 'GET', url: 'https://api.stripe.com/v1/charges?limit=3&starting_after=ch_1' };
  readFrom(query, { in: 'query', path: 'limit', value: '3', suggested: 'attributes.limit', templated: false });
  readFrom(query, { in: 'query', path: 'currency', suggested: 'attributes.currency', templated: false });
  expect(query.url).toBe(
    'https://api.stripe.com/v1/charges?limit={{ attributes.limit }}&starting_after=ch_1&currency={{ attributes.currency }}',
  );

  const header: Json = { method: 'GET', url: 'https://api.brand.example/x', headers: { Accept: 'application/json' } };
  readFrom(header, { in: 'header', path: 'X-Member', suggested: 'attributes.memberId', templated: false });
  expect(header.headers).toEqual({ Accept: 'application/json', 'X-Member': '{{ attributes.memberId }}' });

  // An optional body field the import left out is added where its path says.
  const sparse: Json = {
    method: 'POST',
    url: 'https://api.brand.example/orders',
    body: { type: 'json', value: { memberId: '{{ attributes.memberId }}' } },
  };
  readFrom(sparse, { in: 'body', path: 'delivery.note', suggested: 'attributes.note', templated: false });
  expect(sparse.body).toEqual({
    type: 'json',
    value: { memberId: '{{ attributes.memberId }}', delivery: { note: '{{ attributes.note }}' } },
  });
});

test("an imported contract gives the pickers the fields a test's answer would: one item per array, allOf merged, the first alternative", () => {
  const card: Json = {
    contract: {
      body: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          status: { type: 'string', enum: ['processing', 'shipped'] },
          items: {
            type: 'array',
            items: {
              allOf: [
                { type: 'object', properties: { name: { type: 'string' } } },
                { properties: { qty: { type: 'integer' }, price: { type: ['number', 'null'] } } },
              ],
            },
          },
          paid: { oneOf: [{ type: 'null' }, { type: 'boolean' }] },
        },
      },
    },
  };
  const sample = contractSample(card);
  expect(sample).toEqual({ id: '', status: 'processing', items: [{ name: '', qty: 0, price: 0 }], paid: false });
  expect(contractSample({})).toBeUndefined();
});
