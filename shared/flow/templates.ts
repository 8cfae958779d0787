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
  /** Where verification starts, for a flow with personal cards. */
  verify?: string;
};

/** One scenario: its triggers, the blocks they start, and where it verifies customers (personal cards). */
export interface Scenario {
  triggers: Trigger[];
  blocks: Blocks;
  verify?: string;
}

/** The brand API's base URL without a trailing slash (`https://api.example.com/` → `https://api.example.com`). */
export const trimBaseUrl = (baseUrl: string): string => baseUrl.trim().replace(/\/+$/, '');

/**
 * "My tickets" (rich-menu postback `action=my_tickets`): the member's unused tickets, from a personal
 * card that runs only for a customer verified as a member (`binding.memberId`). Anyone else is sent to
 * the flow's `verify` start. On LINE, an account link: the member signs in at the brand's login page
 * (`{base}/link/login`), LINE vouches for the LINE account and sends the brand's nonce back, which the
 * brand resolves to the member (`POST {base}/link/resolve`). Elsewhere (Messenger), a one-time code the
 * brand texts to the member's phone (`POST {base}/otp/send`), asked back in the chat and checked by the
 * brand (`POST {base}/otp/verify`, which counts wrong codes and locks the phone for a while after 3).
 * Either success binds the customer. Knowing a member's phone number is not enough. `unlink` /
 * `解除綁定` removes the binding.
 */
export function myTicketsScenario(baseUrl: string): Scenario {
  const base = trimBaseUrl(baseUrl);
  return {
    triggers: [
      { type: 'postback', action: 'my_tickets', start: 'load_tickets' },
      { type: 'keyword', keywords: ['unlink', '解除綁定'], start: 'unlink' },
    ],
    verify: 'link_account',
    blocks: {
      // Personal data: for verified members only (anyone else goes to verify: link_account).
      load_tickets: {
        type: 'callApi',
        personal: true,
        request: { method: 'GET', url: `${base}/members/{{ binding.memberId }}/tickets` },
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
              buttons: [
                {
                  type: 'postback',
                  label: 'Use this ticket',
                  data: 'action=use_ticket&id={{ ticket.id }}',
                  displayText: 'Use {{ ticket.title }}',
                },
              ],
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
      // Verification on LINE: account link. The member signs in at the brand; LINE vouches that the
      // LINE account is theirs and the brand names the member for the nonce (resolve_link binds).
      link_account: {
        type: 'linkAccount',
        loginUrl: `${base}/link/login`,
        text: 'To show your tickets, please sign in with your membership first: this links it to your LINE account.',
        label: 'Sign in',
        channels: ['line'],
        // Elsewhere (Messenger): a one-time code texted to the member's phone.
        elsewhere: 'ask_phone',
        onLinked: 'resolve_link',
        onFailure: 'link_failed',
      },
      resolve_link: {
        type: 'callApi',
        request: { method: 'POST', url: `${base}/link/resolve`, body: { type: 'json', value: { nonce: '{{ link.nonce }}' } } },
        bind: { memberId: 'response.body.memberId', attributes: { name: 'response.body.name' } },
        onSuccess: 'verified',
        onFailure: 'link_failed',
      },
      link_failed: {
        type: 'message',
        messages: [{ type: 'text', text: 'Your membership could not be linked. Tap "My tickets" to try again.' }],
      },
      // Verification by a one-time code texted to the member's phone.
      ask_phone: {
        type: 'question',
        prompt: 'To show your tickets, please verify your membership first. What is your member phone number? We will text you a code.',
        input: { type: 'phone' },
        saveAs: 'phone',
        reask: 'That does not look like a phone number (e.g. 0912345678). {{ prompt }}',
        next: 'send_code',
      },
      send_code: {
        type: 'callApi',
        request: { method: 'POST', url: `${base}/otp/send`, body: { type: 'json', value: { phone: '{{ attributes.phone }}' } } },
        onSuccess: 'ask_code',
        onStatus: { '409': 'code_still_valid', '423': 'code_locked' },
        onFailure: 'verify_failed',
      },
      code_still_valid: {
        type: 'message',
        messages: [
          {
            type: 'text',
            text: 'We already texted a code to that number; it is valid for {{ response.body.expiresInMinutes }} more minute(s).',
          },
        ],
        next: 'ask_code',
      },
      ask_code: {
        type: 'question',
        prompt: 'If {{ attributes.phone }} is a member number, we just texted it a 6-digit code. Please type the code here.',
        input: { type: 'text' },
        saveAs: 'otpCode',
        next: 'check_code',
      },
      check_code: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: `${base}/otp/verify`,
          body: { type: 'json', value: { phone: '{{ attributes.phone }}', code: '{{ attributes.otpCode }}' } },
        },
        successWhen: 'response.body.verified == true',
        bind: { memberId: 'response.body.memberId', attributes: { name: 'response.body.name' } },
        onSuccess: 'verified',
        onStatus: { '410': 'code_expired', '422': 'wrong_code', '423': 'code_locked' },
        onFailure: 'verify_failed',
      },
      verified: {
        type: 'message',
        messages: [{ type: 'text', text: 'Thank you, {{ binding.attributes.name }}: you are verified as member {{ binding.memberId }}.' }],
        next: 'load_tickets',
      },
      wrong_code: {
        type: 'message',
        messages: [{ type: 'text', text: 'That code is not right. {{ response.body.attemptsLeft }} attempt(s) left.' }],
        next: 'ask_code',
      },
      code_expired: {
        type: 'message',
        messages: [{ type: 'text', text: 'That code has expired: we are texting you a new one.' }],
        next: 'send_code',
      },
      code_locked: {
        type: 'message',
        messages: [
          {
            type: 'text',
            text: 'Too many wrong codes: for your security, verification is paused. Please tap "My tickets" again in {{ response.body.retryAfterMinutes }} minute(s).',
          },
        ],
      },
      verify_failed: {
        type: 'message',
        messages: [{ type: 'text', text: 'Sorry, we cannot verify your membership right now. Please try again later.' }],
      },
      // The customer unlinks: the next "My tickets" asks to verify again.
      unlink: { type: 'unbind', next: 'unlinked' },
      unlinked: {
        type: 'message',
        messages: [{ type: 'text', text: 'Your membership is no longer linked to this chat. Tap "My tickets" to verify again.' }],
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
      ask_name: {
        type: 'question',
        prompt: 'Tea workshop registration (1/3): what is your name?',
        input: { type: 'text' },
        saveAs: 'name',
        next: 'ask_reg_phone',
      },
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
          body: {
            type: 'json',
            value: { channel: 'email', template: 'registration_confirmed', name: '{{ attributes.name }}', phone: '{{ attributes.phone }}' },
          },
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
        request: {
          method: 'GET',
          url: `${base}/orders/{{ attributes.orderId }}`,
          headers: { 'x-api-key': `{{ secrets.${ORDERS_API_KEY_SECRET} }}` },
        },
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
        messages: [
          {
            type: 'text',
            text: 'Sorry, there is no such order {{ attributes.orderId }}. Please check the number and type "order" to try again.',
          },
        ],
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
  const { triggers, blocks, verify } = SCENARIOS[id](baseUrl);
  return { schemaVersion: 1, name, triggers, blocks, ...(verify !== undefined ? { verify } : {}) };
}
