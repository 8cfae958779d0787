import { deleteKeys, type Table } from '../../../../shared/store/table';

function fakeTable(leaveUnprocessed: (call: number, keys: Record<string, unknown>[]) => Record<string, unknown>[]) {
  const sent: Record<string, unknown>[][] = [];
  const table = {
    name: 't',
    doc: {
      send: async (command: { input: { RequestItems: Record<string, { DeleteRequest: { Key: Record<string, unknown> } }[]> } }) => {
        const keys = (command.input.RequestItems.t ?? []).map((r) => r.DeleteRequest.Key);
        sent.push(keys);
        const left = leaveUnprocessed(sent.length, keys);
        return { UnprocessedItems: left.length ? { t: left.map((Key) => ({ DeleteRequest: { Key } })) } : {} };
      },
    },
  } as unknown as Table;
  return { table, sent };
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: 'P', sk: `S${i}` }));

describe('deleteKeys', () => {
  afterEach(() => jest.useRealTimers());

  test('25 per batch; resends only what was left unprocessed', async () => {
    const f = fakeTable((call, sent) => (call === 1 ? sent.slice(0, 3) : []));
    await deleteKeys(f.table, keys(30));
    expect(f.sent.map((b) => b.length)).toEqual([25, 3, 5]);
  });

  test('gives up after 9 sends with deletions still left', async () => {
    jest.useFakeTimers();
    const f = fakeTable((_, sent) => sent);
    const done = deleteKeys(f.table, keys(2)).catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(20_000);
    expect(await done).toEqual(new Error('DynamoDB left deletions unprocessed'));
    expect(f.sent).toHaveLength(9);
  });
});
