import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEMO_ORDERS_API_KEY } from '../../local/demoBrandApi';
import type { LocalStack } from '../../local/localStack';
import type { CustomerRef } from '../../shared/store/customers';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendMessenger, startTestStack, waitForMessengerCalls } from '../support/localStackHarness';

/**
 * Privacy by default (issue 19), on the local stack over real sockets: a Messenger customer verifies as
 * member M002 by a one-time code and asks for their tickets. The execution log keeps their member id masked
 * (as stored, and as the admin API serves it), the contact view masks their phone and binding, what is
 * kept carries `expiresAt` from the workspace's retention settings, an export returns everything kept
 * of them in clear (secrets masked), and an erasure leaves nothing in the table that names them: a scan
 * of the whole table finds neither their user id, nor their phone, nor their member id or name.
 */

const USER = 'PSID-privacy-m002';
const PHONE = '0922333444';
const MEMBER = 'M002';
const NAME = 'Wang Chih-Ming';
const DAY = 86_400;
const MY_TICKETS = { type: 'postback', data: 'action=my_tickets' } as const;

let stack: LocalStack;
let admin: AdminClient;
let ref: CustomerRef;
const page = () => stack.demo.messengerPageId;
const contactPath = () => `/admin/contacts/messenger/${page()}/${USER}`;
const customerKey = () => `messenger:${page()}:${USER}`;

beforeAll(async () => {
  stack = await startTestStack();
  admin = adminClient(stack, stack.demo.adminKey);
  ref = { channelKind: 'messenger', channelId: page(), userId: USER };
  expect(
    await admin.call('PUT', '/admin/settings', { language: 'en', retention: { logDays: 7, simulatorDays: 2, idleCustomerDays: 90 } }),
  ).toMatchObject({
    status: 200,
    body: { retention: { logDays: 7, simulatorDays: 2, idleCustomerDays: 90 }, personalAttributes: ['phone', 'email', 'memberId'] },
  });
  // The customer verifies by a one-time code, then taps "My tickets" once more.
  await say(MY_TICKETS);
  await say({ type: 'text', text: PHONE });
  expect(await say({ type: 'text', text: stack.brandApi.lastCode(PHONE) ?? '' })).toContain(
    `Thank you, ${NAME}: you are verified as member ${MEMBER}.`,
  );
  await say(MY_TICKETS);
  expect(stack.brandApi.requests().filter((r) => r.path === `/members/${MEMBER}/tickets`)).toHaveLength(2);
});
afterAll(async () => stack.stop());

/** The customer acts on Messenger (where the demo verifies by a one-time code); the texts the bot answered. */
async function say(act: { type: 'postback'; data: string } | { type: 'text'; text: string }): Promise<string[]> {
  const before = stack.messengerStandIn.calls().length;
  const sent = await sendMessenger(stack, act.type === 'postback' ? { type: 'postback', data: act.data, title: 'My tickets' } : act, {
    psid: USER,
  });
  expect(sent.status).toBe(200);
  const answers = () =>
    stack.messengerStandIn
      .calls()
      .slice(before)
      .filter((c) => c.kind === 'send' && c.to === USER);
  await waitForMessengerCalls(stack, () => answers().length > 0);
  await stack.idle();
  return answers().map((c) => String((c.message as { text?: unknown }).text));
}

/** Every item of the table, as plain objects. */
async function scanAll(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await stack.dynamo.send(new ScanCommand({ TableName: stack.table.name, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const logItems = async () => (await scanAll()).filter((item) => String(item.pk) === `LOG#${stack.demo.workspaceId}#${customerKey()}`);

describe('the execution log masks personal values', () => {
  test('as stored: the member id in a card URL is masked, no entry holds the phone or member id', async () => {
    const entries = await logItems();
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const urls = entries.map((entry) => String(entry.url));
    expect(urls).toEqual(expect.arrayContaining([`${stack.demo.brandUrl}/members/••••/tickets`]));
    for (const entry of entries) expect(JSON.stringify(entry)).not.toMatch(new RegExp(`${MEMBER}|${PHONE}|${NAME}`));
  });

  test("as served (GET /admin/logs): masked with the customer's values, entries stored in clear before too", async () => {
    // An entry written before masking existed: the member id and phone in clear.
    await stack.store.executionLog.append({
      at: new Date().toISOString(),
      jobId: 'messenger:old:event',
      workspaceId: stack.demo.workspaceId,
      flowId: 'demo',
      blockId: 'load_tickets',
      customer: customerKey(),
      method: 'GET',
      url: `${stack.demo.brandUrl}/members/${MEMBER}/tickets?phone=${PHONE}`,
      latencyMs: 3,
      outcome: 'success',
      attempt: 1,
    });
    const byCustomer = await admin.call('GET', `/admin/logs?customer=${customerKey()}&limit=100`);
    expect(byCustomer.status).toBe(200);
    const served = JSON.stringify(byCustomer.body);
    expect(served).toContain(`/members/••••/tickets?phone=••••44`);
    expect(served).not.toMatch(new RegExp(`${MEMBER}|${PHONE}`));
    const byCard = await admin.call('GET', '/admin/logs?flowId=demo&blockId=load_tickets&limit=100');
    expect(JSON.stringify(byCard.body)).toContain(`/members/••••/tickets?phone=••••44`);
    expect(JSON.stringify(byCard.body)).not.toMatch(new RegExp(`${MEMBER}|${PHONE}`));
  });
});

test('the contact view masks personal attributes and the binding; the settings name which attributes are personal', async () => {
  const contact = await admin.call('GET', contactPath());
  expect(contact.status).toBe(200);
  expect(contact.body).toMatchObject({
    attributes: { phone: '••••44' },
    binding: { memberId: '••••', attributes: { name: '••••ng' }, method: 'oneTimeCode', lapsed: false },
  });
  expect(JSON.stringify(contact.body)).not.toMatch(new RegExp(`${MEMBER}|${PHONE}|${NAME}`));
  // A workspace that does not count the phone as personal sees it (the binding stays masked).
  await admin.call('PUT', '/admin/settings', { personalAttributes: ['email'] });
  try {
    expect((await admin.call('GET', contactPath())).body).toMatchObject({ attributes: { phone: PHONE }, binding: { memberId: '••••' } });
  } finally {
    await admin.call('PUT', '/admin/settings', { personalAttributes: ['phone', 'email', 'memberId'] });
  }
  for (const personalAttributes of [['not a name'], 'phone', Array.from({ length: 51 }, (_, i) => `a${i}`)])
    expect((await admin.call('PUT', '/admin/settings', { personalAttributes })).status).toBe(400);
  for (const retention of [{ logDays: 0 }, { simulatorDays: 31 }, { idleCustomerDays: 3651 }, { other: 1 }])
    expect((await admin.call('PUT', '/admin/settings', { retention })).status).toBe(400);
});

describe('retention: items carry expiresAt from the workspace settings', () => {
  test('log entries: logDays after the call', async () => {
    for (const entry of (await logItems()).filter((e) => e.jobId !== 'messenger:old:event')) {
      expect(Number(entry.expiresAt) - Math.floor(Date.parse(String(entry.at)) / 1000)).toBeGreaterThanOrEqual(7 * DAY);
      expect(Number(entry.expiresAt) - Math.floor(Date.parse(String(entry.at)) / 1000)).toBeLessThanOrEqual(7 * DAY + 1);
    }
  });

  test("the customer's profile: idleCustomerDays after their last message, moved on by each turn", async () => {
    const profile = (await scanAll()).find((item) => item.pk === `CUSTOMER#messenger#${page()}#${USER}` && item.sk === 'PROFILE');
    expect(profile?.expiresAt).toBe(Math.floor(Date.parse(String(profile?.lastInboundAt)) / 1000) + 90 * DAY);
    const before = Number(profile?.expiresAt);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await say(MY_TICKETS);
    const after = (await scanAll()).find((item) => item.pk === `CUSTOMER#messenger#${page()}#${USER}` && item.sk === 'PROFILE');
    expect(Number(after?.expiresAt)).toBeGreaterThan(before);
    expect(after?.expiresAt).toBe(Math.floor(Date.parse(String(after?.lastInboundAt)) / 1000) + 90 * DAY);
  });

  test("the simulator's conversation and simulated customer: simulatorDays", async () => {
    const sent = await admin.call('POST', `/admin/simulator/messenger/${page()}/sim-retention`, {
      event: { type: 'payload', payload: 'action=my_tickets' },
    });
    expect(sent).toMatchObject({ status: 200, body: { answered: true } });
    await stack.idle();
    const items = await scanAll();
    const sim = items.filter((item) => String(item.pk) === `SIM#${stack.demo.workspaceId}#messenger#${page()}#sim-retention`);
    expect(sim.map((item) => item.from).sort()).toEqual(['bot', 'customer']);
    for (const item of sim) {
      expect(Number(item.expiresAt) - Math.floor(Number(item.at) / 1000)).toBeGreaterThanOrEqual(2 * DAY);
      expect(Number(item.expiresAt) - Math.floor(Number(item.at) / 1000)).toBeLessThanOrEqual(2 * DAY + 1);
    }
    const profile = items.find((item) => item.pk === `CUSTOMER#messenger#${page()}#sim-retention` && item.sk === 'PROFILE');
    expect(profile?.expiresAt).toBe(Math.floor(Date.parse(String(profile?.lastInboundAt)) / 1000) + 2 * DAY);
  });
});

test('export: everything kept of the customer, in clear, secrets masked', async () => {
  // A brand once echoed a secret into an attribute: never exported.
  await stack.store.customers.setAttributes(ref, { echoed: `key ${DEMO_ORDERS_API_KEY}` });
  const exported = await admin.call('GET', `${contactPath()}/export`);
  expect(exported.status).toBe(200);
  const body = exported.body as {
    profile: { attributes: Record<string, unknown> };
    binding: Record<string, unknown>;
    logEntries: Array<{ url: string; jobId: string }>;
    outbox: Array<{ jobId: string; deliveries: unknown[]; done: boolean }>;
  };
  expect(body).toMatchObject({ kind: 'messenger', channelId: page(), userId: USER, exportedAt: expect.any(String), session: null });
  expect(body.profile.attributes).toMatchObject({ phone: PHONE, echoed: 'key ••••' });
  expect(body.binding).toEqual({ memberId: MEMBER, attributes: { name: NAME }, method: 'oneTimeCode', verifiedAt: expect.any(String) });
  expect(body.logEntries.length).toBe((await logItems()).length);
  expect(body.logEntries.map((e) => e.url)).toEqual(expect.arrayContaining([`${stack.demo.brandUrl}/members/••••/tickets`]));
  // One outbox per turn of the customer (5 turns: my tickets, phone, code, my tickets twice), what was said in each.
  expect(body.outbox).toHaveLength(5);
  expect(body.outbox.every((job) => job.done)).toBe(true);
  expect(JSON.stringify(body.outbox)).toContain(`Thank you, ${NAME}: you are verified as member ${MEMBER}.`);
  expect(JSON.stringify(body)).not.toContain(DEMO_ORDERS_API_KEY);
  // In the admin OpenAPI document.
  const openApi = (await admin.call('GET', '/admin/openapi.json')).body as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  expect(openApi.paths['/admin/contacts/{kind}/{channelId}/{userId}/export']?.get?.operationId).toBe('exportContact');
  // Another workspace's channel: 404; a customer of whom nothing is kept: empty parts.
  expect((await admin.call('GET', `/admin/contacts/messenger/not-ours/${USER}/export`)).status).toBe(404);
  expect((await admin.call('GET', `/admin/contacts/messenger/${page()}/PSID-nobody/export`)).body).toMatchObject({
    profile: null,
    binding: null,
    session: null,
    logEntries: [],
    outbox: [],
  });
});

test('erasure: profile, binding, session, log and outboxes go; a scan of the whole table finds nothing of the customer', async () => {
  await stack.idle();
  const mentions = (items: Record<string, unknown>[]) =>
    items.filter((item) => [USER, PHONE, MEMBER, NAME].some((needle) => JSON.stringify(item).includes(needle)));
  // Before: the customer is all over the table (profile, log, outboxes).
  const before = mentions(await scanAll());
  expect(before.some((item) => String(item.pk).startsWith('JOB#'))).toBe(true);
  expect(before.some((item) => String(item.pk).startsWith('LOG#'))).toBe(true);

  const erased = await admin.call('DELETE', contactPath());
  expect(erased).toMatchObject({
    status: 200,
    body: { deleted: { profile: true, binding: true, session: false, outbox: 5, simulatorEntries: 0 } },
  });
  expect((erased.body as { deleted: { logEntries: number } }).deleted.logEntries).toBeGreaterThanOrEqual(5);
  expect(mentions(await scanAll())).toEqual([]);
  // Erasing again finds nothing; the export is empty.
  expect((await admin.call('DELETE', contactPath())).body).toEqual({
    deleted: { profile: false, binding: false, session: false, logEntries: 0, outbox: 0, simulatorEntries: 0 },
  });
  expect((await admin.call('GET', `${contactPath()}/export`)).body).toMatchObject({
    profile: null,
    binding: null,
    logEntries: [],
    outbox: [],
  });
});
