import type { Binding } from '../shared/domain/binding';
import { flowSchema } from '../shared/flow/schema';
import { ORDERS_API_KEY_SECRET } from '../shared/flow/templates';
import { SIGNING_SECRET_NAME } from '../shared/http/signRequest';
import type { Store } from '../shared/store/store';
import { requestHost } from '../shared/templating/secretHosts';
import { DEMO_ORDERS_API_KEY } from './demoBrandApi';
import { demoFlow } from './demoFlow';

export interface DemoSettings {
  workspaceId: string;
  lineChannelId: string;
  lineChannelSecret: string;
  lineAccessToken: string;
  /** The demo Messenger page's id: the `{channelId}` of its webhook URL. */
  messengerPageId: string;
  /** Signs the demo page's webhooks (`X-Hub-Signature-256`). */
  messengerAppSecret: string;
  /** What Meta's subscription check must send as `hub.verify_token`. */
  messengerVerifyToken: string;
  messengerPageToken: string;
  /** The demo workspace's admin key (stored hashed): `Authorization: Bearer <adminKey>`. */
  adminKey: string;
  /** Signs every call to the demo brand (Standard Webhooks); the demo brand refuses unsigned calls. */
  signingSecret: string;
  brandUrl: string;
}

export const DEMO_MEMBER_USER_ID = 'U-demo-member';
/** The demo member as Messenger knows them: a page-scoped id. */
export const DEMO_MESSENGER_MEMBER_PSID = 'PSID-demo-member';
export const DEMO_FLOW_ID = 'demo';

/**
 * Seed what the demo workspace lacks: the LINE channel and the demo flow (published), the Messenger
 * page running the same flow version, and on each a member who already verified by a one-time code
 * (a binding to member M001), so "My tickets" answers at once; and the demo admin key. The demo flow is written in English, so the
 * workspace's own texts (the apology, re-asks) are English too, unless its settings were saved before.
 * The workspace also gets the demo brand's orders key as the secret `ORDERS_API_KEY`, bound to the demo brand's host (with the LINE
 * channel, once: an admin may change or delete it), which the console's "order status" template sends as `x-api-key`.
 * Each channel is seeded once, so data kept from an earlier run (or changed since) is left alone.
 * Returns whether a channel was seeded.
 */
export async function seedDemo(store: Store, demo: DemoSettings): Promise<boolean> {
  // Already there when data is kept between runs: adding it again is a no-op.
  await store.adminKeys.add(demo.adminKey, demo.workspaceId);
  await store.secrets.put(demo.workspaceId, SIGNING_SECRET_NAME, demo.signingSecret);
  if (!(await store.workspaceSettings.find(demo.workspaceId))) await store.workspaceSettings.put(demo.workspaceId, { language: 'en' });
  let seeded = false;
  let line = await store.channels.get('line', demo.lineChannelId);
  if (!line) {
    const flow = flowSchema.parse(demoFlow(demo.brandUrl));
    await store.flows.putVersion(demo.workspaceId, DEMO_FLOW_ID, 1, flow);
    // Bound to the demo brand's host, as every secret for card headers must be.
    await store.secrets.put(demo.workspaceId, ORDERS_API_KEY_SECRET, DEMO_ORDERS_API_KEY, new Date(), [
      requestHost(demo.brandUrl) ?? new URL(demo.brandUrl).hostname,
    ]);
    line = {
      workspaceId: demo.workspaceId,
      kind: 'line',
      channelId: demo.lineChannelId,
      name: 'Demo LINE Official Account',
      secret: demo.lineChannelSecret,
      accessToken: demo.lineAccessToken,
      activeFlows: [{ flowId: DEMO_FLOW_ID, version: 1 }],
    };
    await store.channels.put(line);
    const member = {
      workspaceId: demo.workspaceId,
      channelKind: 'line' as const,
      channelId: demo.lineChannelId,
      userId: DEMO_MEMBER_USER_ID,
    };
    await store.customers.touch(member);
    await store.customers.setAttributes(member, { displayName: 'Demo Member' });
    await store.customers.bind(member, demoMemberBinding());
    seeded = true;
  }
  if (!(await store.channels.get('messenger', demo.messengerPageId))) {
    await store.channels.put({
      workspaceId: demo.workspaceId,
      kind: 'messenger',
      channelId: demo.messengerPageId,
      name: 'Demo Messenger page',
      secret: demo.messengerAppSecret,
      accessToken: demo.messengerPageToken,
      verifyToken: demo.messengerVerifyToken,
      // The page runs the flows the LINE channel runs (the demo flow, when both are seeded now).
      activeFlows: line.activeFlows,
    });
    const member = {
      workspaceId: demo.workspaceId,
      channelKind: 'messenger' as const,
      channelId: demo.messengerPageId,
      userId: DEMO_MESSENGER_MEMBER_PSID,
    };
    await store.customers.touch(member);
    await store.customers.setAttributes(member, { displayName: 'Demo Member' });
    await store.customers.bind(member, demoMemberBinding());
    seeded = true;
  }
  return seeded;
}

/** The demo member's binding: verified as M001 by a one-time code when the demo was seeded. */
function demoMemberBinding(): Binding {
  return { memberId: 'M001', attributes: { name: 'Chen Mei-Ling' }, method: 'oneTimeCode', verifiedAt: new Date().toISOString() };
}
