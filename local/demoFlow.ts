import type { FlowInput } from '../shared/flow/schema';
import type { Button } from '../shared/messages/message';

/**
 * The seeded demo flow: the product's three scenarios against the demo brand API.
 * 1. "My tickets" (rich-menu postback `action=my_tickets`): binds the member by phone once, then shows
 *    a carousel of the member's unused tickets.
 * 2. `hot` / `熱銷`: today's best sellers, live from the brand.
 * 3. `register` / `報名`: three questions, the answers POSTed to the brand, its outcome told back.
 */
/** The three things the demo offers, as quick replies (fresh objects each time: documents get edited). */
const mainMenu = (): Button[] => [
  { type: 'postback', label: 'My tickets', data: 'action=my_tickets', displayText: 'My tickets' },
  { type: 'message', label: 'Best sellers', text: 'hot' },
  { type: 'message', label: 'Register', text: 'register' },
];

export function demoFlow(brandUrl: string): FlowInput {
  return {
    schemaVersion: 1,
    name: 'Formosa Travel & Shop demo',
    triggers: [
      { type: 'postback', action: 'my_tickets', start: 'check_member' },
      { type: 'keyword', match: 'exact', keywords: ['hot', '熱銷', 'best sellers'], start: 'best_sellers' },
      { type: 'keyword', match: 'exact', keywords: ['register', '報名'], start: 'ask_name' },
      { type: 'follow', start: 'welcome' },
      { type: 'fallback', start: 'help' },
    ],
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
      // Scenario 1: personal data, for verified members only.
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
        request: { method: 'POST', url: `${brandUrl}/members/verify`, body: { type: 'json', value: { phone: '{{ attributes.phone }}' } } },
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
        request: { method: 'GET', url: `${brandUrl}/members/{{ attributes.memberId }}/tickets` },
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
      // Scenario 2: live, not personal.
      best_sellers: {
        type: 'callApi',
        request: { method: 'GET', url: `${brandUrl}/best-sellers` },
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
      // Scenario 3: send what the customer typed.
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
        input: { type: 'choice', choices: [{ label: 'Standard', value: 'standard' }, { label: 'VIP', value: 'vip' }] },
        saveAs: 'plan',
        next: 'submit_registration',
      },
      submit_registration: {
        type: 'callApi',
        request: {
          method: 'POST',
          url: `${brandUrl}/registrations`,
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
          url: `${brandUrl}/notify`,
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
