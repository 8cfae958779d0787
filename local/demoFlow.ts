import type { FlowInput } from '../shared/flow/schema';
import { bestSellersScenario, myTicketsScenario, registrationScenario, type TemplateFlow } from '../shared/flow/templates';
import type { Button } from '../shared/messages/message';

/**
 * The seeded demo flow: the product's three scenarios against the demo brand API, each the very
 * scenario the console's New flow dialog offers as a template (shared/flow/templates.ts), so the demo
 * and the templates never drift.
 * 1. "My tickets" (rich-menu postback `action=my_tickets`): a personal card showing a carousel of the
 *    member's unused tickets, to a customer verified as that member; anyone else verifies first (the
 *    flow's `verify` start): on LINE by account link (sign in at the brand's login page, LINE's
 *    accountLink event, the brand resolves the nonce), on Messenger with a one-time code the brand
 *    texts to the member's phone. `unlink` removes the binding.
 * 2. `hot` / `熱銷`: today's best sellers, live from the brand.
 * 3. `register` / `報名`: three questions, the answers POSTed to the brand, its outcome told back.
 * A follow is welcomed and anything else gets help, both with the three as quick replies.
 */
/** The three things the demo offers, as quick replies (fresh objects each time: documents get edited). */
const mainMenu = (): Button[] => [
  { type: 'postback', label: 'My tickets', data: 'action=my_tickets', displayText: 'My tickets' },
  { type: 'message', label: 'Best sellers', text: 'hot' },
  { type: 'message', label: 'Register', text: 'register' },
];

export function demoFlow(brandUrl: string): FlowInput {
  const scenarios = [myTicketsScenario(brandUrl), bestSellersScenario(brandUrl), registrationScenario(brandUrl)];
  // The scenarios are typed loosely (shared/flow/templates.ts has no imports); their unit test validates them.
  const flow: TemplateFlow = {
    schemaVersion: 1,
    name: 'Formosa Travel & Shop demo',
    triggers: [
      ...scenarios.flatMap((scenario) => scenario.triggers),
      { type: 'follow', start: 'welcome' },
      { type: 'fallback', start: 'help' },
    ],
    // Where a customer who is not verified goes when a personal card ("My tickets") meets them: an
    // account link on LINE, a one-time code on Messenger (the scenario's link_account block says so).
    verify: 'link_account',
    blocks: {
      welcome: {
        type: 'message',
        messages: [
          {
            type: 'text',
            text: 'Welcome to Formosa Travel & Shop! Tap "My tickets", type "hot" for best sellers, or "register" for the tea workshop.',
            quickReplies: mainMenu(),
          },
        ],
      },
      help: {
        type: 'message',
        messages: [
          {
            type: 'text',
            text: 'Sorry, I did not catch that. Try one of these:',
            quickReplies: mainMenu(),
          },
        ],
      },
      ...Object.fromEntries(scenarios.flatMap((scenario) => Object.entries(scenario.blocks))),
    },
  };
  return flow as FlowInput;
}
