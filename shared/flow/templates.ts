// The flows a brand starts from: the console's New flow dialog offers them, and the seeded demo flow
// (local/demoFlow.ts) is built from the same scenarios, so the demo and the templates never drift.
// Plain data (functions of the brand API's base URL) with no imports at all: the console's chunk
// bundles this file without zod, and its type check does not reach the runtime's modules (so the
// documents are typed loosely here; test/unit/shared/flow/templates.test.ts validates every one).
// Every document is as an admin would write it: no defaults spelled out.

type Json = Record<string, unknown>;
type Trigger = { type: 'keyword' | 'postback' | 'follow' | 'fallback'; start: string } & Json;
type Blocks = Record<string, { type: string } & Json>;

/** A flow document as a template gives it (a FlowInput of ./schema.ts once valid). */
export type TemplateFlow = {
  schemaVersion: 1;
  name: string;
  triggers: Trigger[];
  blocks: Blocks;
};

/** One scenario: its triggers and the blocks they start. */
export interface Scenario {
  triggers: Trigger[];
  blocks: Blocks;
}

/** The brand API's base URL without a trailing slash (`https://api.example.com/` → `https://api.example.com`). */
export const trimBaseUrl = (baseUrl: string): string => baseUrl.trim().replace(/\/+$/, '');

/**
 * "My tickets" (rich-menu postback `action=my_tickets`): binds the member by phone once
 * (`POST {base}/members/verify`), then shows a carousel of the member's unused tickets.
 */
export function myTicketsScenario(baseUrl: string): Scenario {
  const base = trimBaseUrl(baseUrl);
  return {
    triggers: [{ type: 'postback', action: 'my_tickets', start: 'check_member' }],
    blocks: {
      // Personal data, for verified members only.
      check_member: {
        type: 'condition',
        branches: [{ when: { op: 'exists', attribute: 'memberId' }, next: 'load_tickets' }],
        otherwise: 'ask_phone',
      },
      ask_phone: {
        type: 'question',
        prompt: 'To show your tickets, please verify your membership first. What is your phone number?',
        input: { type: 'phone' },
        saveAs: 'phone',
        reask: 'That does not look like a phone number (e.g. 0912345678). {{ prompt }}',
        next: 'verify_member',
      },
      verify_member: {
        type: 'callApi',
        request: { method: 'POST', url: `${base}/members/verify`, body: { type: 'json', value: { phone: '{{ attributes.phone }}' } } },
        successWhen: 'response.body.verified == true',
        saveToAttributes: { memberId: 'response.body.memberId' },
        onSuccess: 'member_bound',
        onFailure: 'not_member',
      },
      member_bound: {
        type: 'message',
        messages: [{ type: 'text', text: 'Thanks! Your membership {{ attributes.memberId }} is now linked.' }],
        next: 'load_tickets',
      },
      not_member: {
        type: 'message',
        messages: [{ type: 'text', text: 'We could not find a membership for {{ attributes.phone }}. Please check the number or contact us.' }],
      },
      load_tickets: {
        type: 'callApi',
        request: { method: 'GET', url: `${base}/members/{{ attributes.memberId }}/tickets` },
        onSuccess: 'show_tickets',
        onFailure: 'tickets_failed',
      },
      show_tickets: {
        type: 'message',
        messages: [
          {
            type: 'carousel',
            altText: 'Your unused tickets',
            repeat: { over: 'response.body.tickets', as: 'ticket', limit: 10 },
            card: {
              imageUrl: '{{ ticket.imageUrl }}',
              title: '{{ ticket.title }}',
              subtitle: 'Valid until {{ ticket.validUntil }}',
              buttons: [{ type: 'postback', label: 'Use this ticket', data: 'action=use_ticket&id={{ ticket.id }}', displayText: 'Use {{ ticket.title }}' }],
            },
          },
        ],
        empty: 'no_tickets',
      },
      no_tickets: { type: 'message', messages: [{ type: 'text', text: 'You have no unused tickets right now.' }] },
      tickets_failed: {
        type: 'message',
        messages: [{ type: 'text', text: 'Sorry, we cannot load your tickets right now. Please try again in a few minutes.' }],
      },
    },
  };
}

/** `hot` / `熱銷`: today's best sellers, live from `GET {base}/best-sellers` (not personal). */
export function bestSellersScenario(baseUrl: string): Scenario {
  const base = trimBaseUrl(baseUrl);
  return {
    triggers: [{ type: 'keyword', keywords: ['hot', '熱銷', 'best sellers'], start: 'best_sellers' }],
    blocks: {
      best_sellers: {
        type: 'callApi',
        request: { method: 'GET', url: `${base}/best-sellers` },
        onSuccess: 'show_best_sellers',
      },
      show_best_sellers: {
        type: 'message',
        messages: [
          { type: 'text', text: "Today's best sellers:" },
          {
            type: 'carousel',
            altText: "Today's best sellers",
            repeat: { over: 'response.body.items', as: 'item', limit: 10 },
            card: {
              imageUrl: '{{ item.imageUrl }}',
              title: '{{ item.name }}',
              subtitle: 'NT$ {{ item.price }}',
              buttons: [{ type: 'url', label: 'View', url: '{{ item.url }}' }],
            },
          },
        ],
      },
    },
  };
}

/**
 * `register` / `報名`: three questions, the answers POSTed to `{base}/registrations`, the brand's
 * outcome told back, and a fire-and-forget confirmation (`POST {base}/notify`).
 */
export function registrationScenario(baseUrl: string): Scenario {
  const base = trimBaseUrl(baseUrl);
  return {
    triggers: [{ type: 'keyword', keywords: ['register', '報名'], start: 'ask_name' }],
    blocks: {
      ask_name: { type: 'question', prompt: 'Tea workshop registration (1/3): what is your name?', input: { type: 'text' }, saveAs: 'name', next: 'ask_reg_phone' },
      ask_reg_phone: {
        type: 'question',
        prompt: '(2/3) Your mobile number?',
        input: { type: 'phone' },
        saveAs: 'phone',
        reask: 'Please enter a valid mobile number, like 0912345678.',
        next: 'ask_plan',
      },
      ask_plan: {
        type: 'question',
        prompt: '(3/3) Which session would you like?',
        input: {
          type: 'choice',
          choices: [
            { label: 'Standard', value: 'standard' },
            { label: 'VIP', value: 'vip' },
          ],
        },
        saveAs: 'plan',
        next: 'submit_registration',
      },
      submit_registration: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: `${base}/registrations`,
          body: { type: 'json', value: { name: '{{ attributes.name }}', phone: '{{ attributes.phone }}', plan: '{{ attributes.plan }}' } },
        },
        saveToAttributes: { registrationStatus: 'response.body.status' },
        onSuccess: 'registration_outcome',
        onFailure: 'registration_failed',
      },
      registration_outcome: {
        type: 'condition',
        branches: [{ when: { op: 'equals', attribute: 'registrationStatus', value: 'success' }, next: 'registered' }],
        otherwise: 'registration_full',
      },
      registered: {
        type: 'message',
        messages: [{ type: 'text', text: 'You are registered, {{ attributes.name }}! A confirmation email is on its way.' }],
        next: 'send_confirmation',
      },
      send_confirmation: {
        type: 'callApi',
        fireAndForget: true,
        request: {
          method: 'POST',
          url: `${base}/notify`,
          body: { type: 'json', value: { channel: 'email', template: 'registration_confirmed', name: '{{ attributes.name }}', phone: '{{ attributes.phone }}' } },
        },
      },
      registration_full: {
        type: 'message',
        messages: [{ type: 'text', text: 'Sorry, the {{ attributes.plan }} session is full. Type "register" to choose another.' }],
      },
      registration_failed: {
        type: 'message',
        messages: [{ type: 'text', text: 'Sorry, we could not submit your registration. Please try again later.' }],
      },
    },
  };
}

/** The workspace secret the order status template sends as `x-api-key` (the demo brand's key: local/demoBrandApi.ts). */
export const ORDERS_API_KEY_SECRET = 'ORDERS_API_KEY';

/**
 * `order` / `訂單`: asks the order number, looks it up (`GET {base}/orders/{id}` with the
 * `x-api-key` header from the secret `ORDERS_API_KEY`) and shows its status and items. An unknown
 * order (404) is said so; any other failure asks to try again later.
 */
export function orderStatusScenario(baseUrl: string): Scenario {
  const base = trimBaseUrl(baseUrl);
  return {
    triggers: [{ type: 'keyword', keywords: ['order', '訂單'], start: 'ask_order' }],
    blocks: {
      ask_order: { type: 'question', prompt: 'What is your order number?', input: { type: 'text' }, saveAs: 'orderId', next: 'load_order' },
      load_order: {
        type: 'callApi',
        request: { method: 'GET', url: `${base}/orders/{{ attributes.orderId }}`, headers: { 'x-api-key': `{{ secrets.${ORDERS_API_KEY_SECRET} }}` } },
        onSuccess: 'show_order',
        onStatus: { '404': 'no_such_order' },
        onFailure: 'order_failed',
      },
      show_order: {
        type: 'message',
        messages: [
          { type: 'text', text: 'Order {{ response.body.id }}: {{ response.body.status }}' },
          {
            type: 'carousel',
            altText: 'The items of order {{ response.body.id }}',
            repeat: { over: 'response.body.items', as: 'item', limit: 10 },
            card: { imageUrl: '{{ item.imageUrl }}', title: '{{ item.name }}', subtitle: '{{ item.qty }} × NT$ {{ item.price }}' },
          },
        ],
      },
      no_such_order: {
        type: 'message',
        messages: [{ type: 'text', text: 'Sorry, there is no such order {{ attributes.orderId }}. Please check the number and type "order" to try again.' }],
      },
      order_failed: {
        type: 'message',
        messages: [{ type: 'text', text: 'Sorry, we are having trouble looking up orders. Please try again later.' }],
      },
    },
  };
}

/** The templates the console offers, in the order it lists them. */
export const TEMPLATE_IDS = ['blank', 'myTickets', 'bestSellers', 'registration', 'orderStatus'] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

const SCENARIOS: Record<Exclude<TemplateId, 'blank'>, (baseUrl: string) => Scenario> = {
  myTickets: myTicketsScenario,
  bestSellers: bestSellersScenario,
  registration: registrationScenario,
  orderStatus: orderStatusScenario,
};

/** Whether a template calls the brand's API (the New flow dialog asks its base URL). */
export const templateCallsApi = (id: TemplateId): boolean => id !== 'blank';

/** What the New flow dialog offers as the base URL until the admin types the brand's own. */
export const EXAMPLE_BASE_URL = 'https://api.example.com';

/**
 * A new flow from a template, named `name`, calling the brand API at `baseUrl`. `blank` has no
 * triggers or blocks yet: not a valid flow until the admin adds them (the editor says what is missing).
 */
export function flowFromTemplate(id: TemplateId, name: string, baseUrl: string = EXAMPLE_BASE_URL): TemplateFlow {
  if (id === 'blank') return { schemaVersion: 1, name, triggers: [], blocks: {} };
  const { triggers, blocks } = SCENARIOS[id](baseUrl);
  return { schemaVersion: 1, name, triggers, blocks };
}
