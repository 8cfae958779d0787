import { demoFlow } from '../local/demoFlow';
import { flowSchema, type Flow } from '../shared/flow/schema';

/**
 * The soak's flow: the demo flow (the three scenarios) with its cards pointed at the soak's faulty
 * brand and a short timeout, so that "answers after the card timeout" costs the run a second, not ten.
 * One change of path: verification is the one-time code on both channels. The demo links accounts on
 * LINE, which takes a person at the brand's login page and LINE's dialog (end to end in
 * test/integration/accountLink.test.ts); the soak's customers only type, so the LINE ones take the
 * code path the demo takes on Messenger, and the account-link blocks are left out.
 */
export function soakFlow(brandUrl: string, cardTimeoutMs: number): Flow {
  const demo = demoFlow(brandUrl);
  const link = demo.blocks[demo.verify ?? ''];
  if (link?.type !== 'linkAccount' || link.elsewhere === undefined)
    throw new Error('the demo flow no longer verifies by account link, elsewhere by a code: look at soakFlow again');
  const linkBlocks = new Set([demo.verify, link.onLinked, link.onFailure]);
  const flow = flowSchema.parse({
    ...demo,
    verify: link.elsewhere,
    blocks: Object.fromEntries(Object.entries(demo.blocks).filter(([id]) => !linkBlocks.has(id))),
  });
  for (const block of Object.values(flow.blocks)) {
    if (block.type === 'callApi') block.timeoutMs = cardTimeoutMs;
  }
  return flow;
}
