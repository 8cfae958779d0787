import { randomUUID } from 'node:crypto';
import { byKind } from '../../shared/channels/registry';
import type { Environment } from '../../shared/connections/connection';
import { OAuth2Tokens } from '../../shared/connections/oauth2';
import { RateCap } from '../../shared/connections/rateCap';
import type { Binding } from '../../shared/domain/binding';
import { maskUrl, type CardOutcome } from '../../shared/engine/callApi';
import { runCard, type TurnCustomer } from '../../shared/engine/runCard';
import { runTurn } from '../../shared/engine/runTurn';
import { learnContract } from '../../shared/flow/contract';
import { isPersonalCard, type Block, type Flow } from '../../shared/flow/schema';
import type { GuardedFetch, OutboundRequest, OutboundResponse } from '../../shared/http/guardedFetch';
import type { Store } from '../../shared/store/store';
import { secretReferences } from '../../shared/templating/secrets';
import { invalid, notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { checkFlow } from './checkFlow';
import { MASK, secretMasker } from './mask';
import type { AdminRoutes } from './routes';

/** Set by the stand-in for a later card, so the dry run can tell where the follow-up stopped. */
const STOP_MARK = '__dry_run_stopped_before';
const DRY_RUN_CUSTOMER = 'dry-run';

/**
 * Run one Call an API card for real, the executor's way (`executeCallApi` over the same guarded
 * caller, the same templates, the workspace's secrets and allowed ports), then the flow from it as
 * `runTurn` would, and show all of it: the request (secrets masked), the response, the outcome and the
 * follow-up messages rendered for each channel. Nothing is written, queued or sent to a channel. Only the
 * card under test calls out: the follow-up stops before the next card that would be waited for, and
 * fire-and-forget cards on the way are skipped.
 */
export const dryRun: RouteHandler<AdminRoutes['dryRun']> = async ({ body }, { workspaceId, deps }) => {
  const { flow, flowId, version } = await flowToTry(body, workspaceId, deps.store);
  const card = Object.hasOwn(flow.blocks, body.blockId) ? flow.blocks[body.blockId] : undefined;
  if (!card) throw invalid([{ path: 'blockId', message: `no block named "${body.blockId}"` }]);
  if (card.type !== 'callApi')
    throw invalid([{ path: 'blockId', message: `"${body.blockId}" is a ${card.type} block, not a Call an API card` }]);

  // The executor's inputs: the workspace's secrets, the ports its cards may call besides 443, and the
  // language of callcard's own texts (the apology when the card fails with no failure block).
  const [secrets, { allowedPorts, language }, connections] = await Promise.all([
    deps.store.secrets.all(workspaceId),
    deps.store.workspaceSettings.get(workspaceId),
    // A card calling a connection: its staging, unless the admin asks for production.
    card.request.connection !== undefined ? deps.store.connections.all(workspaceId) : undefined,
  ]);
  let environment: Environment | undefined;
  // The connection's credential header (a key, or an OAuth 2.0 access token) is hidden whole, like a header holding a secret.
  const connection =
    card.request.connection !== undefined && connections && Object.hasOwn(connections, card.request.connection)
      ? connections[card.request.connection]
      : undefined;
  const credentialHeader =
    connection?.auth.type === 'header'
      ? connection.auth.header.toLowerCase()
      : connection?.auth.type === 'oauth2ClientCredentials'
        ? 'authorization'
        : undefined;
  const tokens = new OAuth2Tokens({ fetch: deps.fetch, store: deps.store.connectionTokens });
  let sent: OutboundRequest | undefined;
  let received: OutboundResponse | undefined;
  // The real caller, watched: what goes out is exactly what the executor would send.
  const fetch: GuardedFetch = async (request) => {
    sent = request;
    received = undefined;
    received = await deps.fetch(request);
    return received;
  };

  let called = false;
  let outcome: CardOutcome | undefined;
  const skipped: string[] = [];
  const background: Promise<unknown>[] = [];
  // A personal card runs only for a verified customer: the admin gives a sample one.
  if (isPersonalCard(flow, card) && !body.binding) {
    throw invalid([
      { path: 'binding', message: `"${body.blockId}" is a personal card: give a sample verified customer (binding.memberId) to test it` },
    ]);
  }
  const now = deps.now?.() ?? Date.now();
  const binding: Binding | undefined = body.binding
    ? { ...body.binding, method: 'oneTimeCode', verifiedAt: new Date(now).toISOString() }
    : undefined;
  const customer: TurnCustomer = { id: DRY_RUN_CUSTOMER, channel: 'line', attributes: body.attributes, binding };
  const result = await runTurn(
    {
      flow: withLaterCardsStubbed(flow, body.blockId),
      flowRef: { flowId, version },
      event: { type: 'postback', data: new URLSearchParams(body.trigger?.params ?? {}).toString() },
      session: undefined,
      customer,
      now,
      language,
      startAt: body.blockId,
    },
    {
      callApi: async (blockId, block, context) => {
        if (called) {
          // Only fire-and-forget cards get here (waited ones were stubbed): the flow goes on without them.
          skipped.push(blockId);
          // (A fire-and-forget card's outcome is only logged: no failure block sees this kind.)
          return { ok: false, reason: 'not called in a dry run', kind: 'config', attempts: 0 };
        }
        called = true;
        // No breakers and no cache: a dry run neither trips nor is blocked by a circuit, and always calls the brand.
        // No turn budget either: the card under test has its own limits only.
        outcome = await runCard(
          { blockId, block, context },
          { customer, secrets, connections, environment: body.environment, allowedPorts, idempotencyPrefix: `dry-run:${randomUUID()}` },
          // A test is a real call: it takes a slot of a rate-capped connection like any other.
          {
            fetch,
            workspaceId,
            tokens,
            rateCap: new RateCap({ windows: deps.store.rateWindows, inFlight: deps.store.inFlight }),
            onAttempt: (attempt) => void (environment = attempt.environment),
          },
        );
        return outcome;
      },
      background: (work) => background.push(work),
    },
  );
  // A fire-and-forget card under test: its call runs in the background; wait for it to show it.
  await Promise.allSettled(background);

  const { [STOP_MARK]: stoppedBefore, ...attributes } = result.attributes;
  // An access token the card sent is masked wherever the brand echoed it, like the secrets.
  const sentToken =
    credentialHeader === 'authorization' && connection?.auth.type === 'oauth2ClientCredentials'
      ? /^Bearer (.+)$/.exec(sent?.headers?.authorization ?? '')?.[1]
      : undefined;
  const mask = secretMasker([...Object.values(secrets), ...(sentToken ? [sentToken] : [])]);
  deps.logger.info('dry run', { workspaceId, flowId, blockId: body.blockId, ok: outcome?.ok, attempts: outcome?.attempts });
  const response =
    outcome?.response ?? (received ? { status: received.status, headers: received.headers, body: received.body } : undefined);
  return {
    blockId: body.blockId,
    request: sent
      ? {
          method: sent.method,
          url: mask.text(maskUrl(sent.url, secrets)),
          // A header whose template holds a secret is hidden whole (the text around it too).
          headers: Object.fromEntries(
            Object.entries(sent.headers ?? {}).map(([name, value]) => [
              name,
              readsSecret(card.request.headers, name) || name.toLowerCase() === credentialHeader ? MASK : mask.text(value),
            ]),
          ),
          ...(sent.body !== undefined ? { body: mask.text(sent.body) } : {}),
        }
      : null,
    response: response
      ? {
          status: response.status,
          headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, mask.text(value)])),
          body: mask.deep(response.body),
        }
      : null,
    outcome: outcome
      ? {
          ok: outcome.ok,
          ...(outcome.ok
            ? outcome.warning !== undefined
              ? { warning: mask.text(outcome.warning) }
              : {}
            : { reason: mask.text(outcome.reason) }),
          attempts: outcome.attempts,
        }
      : { ok: false, reason: 'the card was not called', attempts: 0 },
    ...(environment ? { environment } : {}),
    // Learnt from a successful answer (or one only its present contract refused): types and keys, no values.
    ...(body.learnContract &&
    outcome?.response &&
    (outcome.ok || outcome.kind === 'contract') &&
    typeof outcome.response.body === 'object' &&
    outcome.response.body !== null
      ? {
          learntContract: {
            body: learnContract(outcome.response.body),
            ...(card.contract?.onMismatch ? { onMismatch: card.contract.onMismatch } : {}),
          },
        }
      : {}),
    followUp: {
      // Each list masked whole: a secret cut across messages is masked in each.
      messages: mask.deep(result.messages) as unknown[],
      // Rendered for each channel of the registry, under its kind (`line`, `messenger`).
      ...byKind((adapter) => mask.deep(adapter.render(result.messages)) as unknown[]),
      attributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, mask.deep(value)])),
      ...(result.session ? { waitingOn: result.session.waitingOn } : {}),
      ...(typeof stoppedBefore === 'string' ? { stoppedBefore } : {}),
      ...(skipped.length ? { skipped } : {}),
      ...(result.binding !== undefined
        ? {
            binding: result.binding
              ? (mask.deep({
                  memberId: result.binding.memberId,
                  ...(result.binding.attributes ? { attributes: result.binding.attributes } : {}),
                  method: result.binding.method,
                }) as { memberId: string; method: string })
              : null,
          }
        : {}),
    },
  };
};

/** The inline flow (checked like a saved one), or a saved version of the workspace's. */
async function flowToTry(
  body: { flow?: Record<string, unknown>; flowId?: string; version?: number },
  workspaceId: string,
  store: Store,
): Promise<{ flow: Flow; flowId: string; version: number }> {
  if (body.flow !== undefined) return { flow: checkFlow(body.flow), flowId: DRY_RUN_CUSTOMER, version: 0 };
  if (body.flowId === undefined) throw invalid([{ path: 'flow', message: 'give either flow, or flowId (and version)' }]);
  const stored =
    body.version !== undefined
      ? await store.flows.getVersion(workspaceId, body.flowId, body.version)
      : await store.flows.getLatest(workspaceId, body.flowId);
  if (!stored) throw notFound(body.version !== undefined ? 'flow version' : 'flow');
  return { flow: stored.flow, flowId: stored.flowId, version: stored.version };
}

/**
 * The flow with every other card the customer would wait for replaced by a block that only marks
 * where the follow-up stopped: a dry run must not call a second brand endpoint (a POST may have
 * effects), and what comes after that call depends on its answer anyway.
 */
function withLaterCardsStubbed(flow: Flow, cardId: string): Flow {
  const blocks: Record<string, Block> = {};
  for (const [id, block] of Object.entries(flow.blocks)) {
    blocks[id] =
      block.type === 'callApi' && id !== cardId && !block.fireAndForget ? { type: 'setAttributes', set: { [STOP_MARK]: id } } : block;
  }
  return { ...flow, blocks };
}

/** Whether the card's template for header `name` (header names are case-insensitive) names `secrets` at all. */
function readsSecret(templates: Record<string, string>, name: string): boolean {
  return Object.entries(templates).some(
    ([header, template]) =>
      header.toLowerCase() === name.toLowerCase() && (secretReferences(template).length > 0 || /\bsecrets\b/.test(template)),
  );
}
