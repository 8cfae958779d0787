import { startLocalStack } from './localStack';
import { DEMO_MEMBER_USER_ID, DEMO_MESSENGER_MEMBER_PSID } from './seedDemo';
import { lineWebhookBody, signLineBody } from './lineWebhookBody';
import { messengerWebhookBody, signMessengerBody } from './messengerWebhookBody';
import { localStackOptionsFromEnv } from './startOptions';

/** `npm start`: the whole system on this machine, the demo seeded, and what a newcomer needs printed. */
async function main(): Promise<void> {
  // Lambda runs Node 22; this machine may run 20 on purpose: the SDK's reminder adds nothing here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Your own plain-http hosts (OUTBOUND_ALLOW_HTTP_HOSTS) are added to the stand-ins the stack allows.
  const options = localStackOptionsFromEnv(process.env, process.argv.slice(2));
  // The demo brand texts one-time codes to this terminal: it is the members' phone.
  const stack = await startLocalStack({
    ...options,
    brandApi: { ...options.brandApi, onSms: (sms) => console.log(`[SMS to ${sms.to}] ${sms.text}`) },
  });
  const { demo } = stack;
  const ownHosts = options.extraAllowHttpHosts ?? [];
  const body = lineWebhookBody(
    { type: 'postback', data: 'action=my_tickets' },
    { userId: DEMO_MEMBER_USER_ID, webhookEventId: `01TOUR${Date.now()}` },
  );
  const signature = signLineBody(body, demo.lineChannelSecret);
  const webhookUrl = `${stack.url}/webhooks/line/${demo.lineChannelId}`;
  const messengerWebhookUrl = `${stack.url}/webhooks/messenger/${demo.messengerPageId}`;
  const verifyQuery = new URLSearchParams({
    'hub.mode': 'subscribe',
    'hub.verify_token': demo.messengerVerifyToken,
    'hub.challenge': '1158201444',
  });
  const messengerBody = messengerWebhookBody(
    { type: 'postback', data: 'action=my_tickets', title: 'My tickets' },
    { psid: DEMO_MESSENGER_MEMBER_PSID, pageId: demo.messengerPageId },
  );
  const messengerSignature = signMessengerBody(messengerBody, demo.messengerAppSecret);
  console.log(`
callcard is running locally ${process.env.DATA_DIR ? `(data kept in ${process.env.DATA_DIR})` : '(in memory)'}.

  API                 ${stack.url}            GET /health
  LINE webhook        ${webhookUrl}
  LINE API stand-in   ${stack.lineStandIn.url}   every message the bot sent: GET ${stack.url}/_emulator/line/messages
  Messenger webhook   ${messengerWebhookUrl}   (GET: subscription check, POST: events)
  Send API stand-in   ${stack.messengerStandIn.url}   every message the bot sent: GET ${stack.url}/_emulator/messenger/messages
  Demo brand API      ${stack.brandApi.url}   GET /best-sellers, GET /members/M001/tickets (it refuses calls not signed by callcard); the codes it texts: GET /sms
  Demo channel        ${demo.lineChannelId} (workspace ${demo.workspaceId}), channel secret: ${demo.lineChannelSecret}
  Demo page           ${demo.messengerPageId} (same flow), app secret: ${demo.messengerAppSecret}, verify token: ${demo.messengerVerifyToken}
  Demo member         ${DEMO_MEMBER_USER_ID} on LINE, ${DEMO_MESSENGER_MEMBER_PSID} on Messenger (verified as member M001; member phones 0912345678, 0922333444)
  Admin API           ${stack.url}/admin   key (workspace ${demo.workspaceId}): ${demo.adminKey}   docs: GET ${stack.url}/admin/openapi.json
  Console             ${stack.url}/console   sign in with the admin key: flows, cards as forms, chat simulator, channels, log
  DynamoDB            ${stack.endpoints.dynamodb} (${stack.dynamodbKind})   SQS ${stack.endpoints.sqs} (local-aws-sqs)${ownHosts.length ? `\n  Your http hosts     ${ownHosts.join(', ')}   cards may call them over plain http (OUTBOUND_ALLOW_HTTP_HOSTS)` : ''}

Send a signed webhook (the demo member taps "My tickets"):

curl -s -X POST '${webhookUrl}' \\
  -H 'content-type: application/json' \\
  -H 'x-line-signature: ${signature}' \\
  -d '${body}'

Then see the reply:  curl -s ${stack.url}/_emulator/line/messages
Or chat as any customer:  npm run line -- text hot   |   npm run line -- postback action=my_tickets

Messenger: Meta's subscription check (answers the challenge as plain text):

curl -s '${messengerWebhookUrl}?${verifyQuery.toString()}'

The demo member taps "My tickets" on Messenger:

curl -s -X POST '${messengerWebhookUrl}' \\
  -H 'content-type: application/json' \\
  -H 'x-hub-signature-256: ${messengerSignature}' \\
  -d '${messengerBody}'

Then see what the page sent:  curl -s ${stack.url}/_emulator/messenger/messages

Admin API: the demo workspace's flows (then try a dry run of a card, or the flows CLI):

curl -s ${stack.url}/admin/flows -H 'authorization: Bearer ${demo.adminKey}'

curl -s -X POST ${stack.url}/admin/dry-run -H 'authorization: Bearer ${demo.adminKey}' -H 'content-type: application/json' \\
  -d '{"flowId":"demo","blockId":"best_sellers"}'

CALLCARD_API_URL=${stack.url} CALLCARD_ADMIN_KEY=${demo.adminKey} npm run flows -- pull demo --out demo-flow.json

Ctrl-C stops everything.`);

  const shutdown = () => {
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
