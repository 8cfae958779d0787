import { flowSchema } from '../shared/flow/schema';
import type { Store } from '../shared/store/store';
import { demoFlow } from './demoFlow';

export interface DemoSettings {
  workspaceId: string;
  lineChannelId: string;
  lineChannelSecret: string;
  lineAccessToken: string;
  brandUrl: string;
}

export const DEMO_MEMBER_USER_ID = 'U-demo-member';
export const DEMO_FLOW_ID = 'demo';

/**
 * Seed the demo workspace when the store is empty: the LINE channel, the demo flow (published), and a
 * member who already verified (`memberId: M001`), so "My tickets" answers at once.
 */
export async function seedDemo(store: Store, demo: DemoSettings): Promise<boolean> {
  if (await store.channels.get('line', demo.lineChannelId)) return false;
  const flow = flowSchema.parse(demoFlow(demo.brandUrl));
  await store.flows.putVersion(demo.workspaceId, DEMO_FLOW_ID, 1, flow);
  await store.channels.put({
    workspaceId: demo.workspaceId,
    kind: 'line',
    channelId: demo.lineChannelId,
    name: 'Demo LINE Official Account',
    secret: demo.lineChannelSecret,
    accessToken: demo.lineAccessToken,
    activeFlow: { flowId: DEMO_FLOW_ID, version: 1 },
  });
  const member = { workspaceId: demo.workspaceId, channelKind: 'line' as const, channelId: demo.lineChannelId, userId: DEMO_MEMBER_USER_ID };
  await store.customers.touch(member);
  await store.customers.setAttributes(member, { memberId: 'M001', displayName: 'Demo Member' });
  return true;
}
