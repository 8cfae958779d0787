import { demoFlow } from '../local/demoFlow';
import { flowSchema, type Flow } from '../shared/flow/schema';

/**
 * The soak's flow: the demo flow (the three scenarios, unchanged) with its cards pointed at the soak's
 * faulty brand and a short timeout, so that "answers after the card timeout" costs the run a second,
 * not ten.
 */
export function soakFlow(brandUrl: string, cardTimeoutMs: number): Flow {
  const flow = flowSchema.parse(demoFlow(brandUrl));
  for (const block of Object.values(flow.blocks)) {
    if (block.type === 'callApi') block.timeoutMs = cardTimeoutMs;
  }
  return flow;
}
