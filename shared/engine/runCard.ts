import type { Connections, Environment } from '../connections/connection';
import type { CallApiBlock } from '../flow/schema';
import type { Binding } from '../domain/binding';
import type { TemplateContext } from '../templating/liquid';
import { executeCallApi, type CallApiDeps, type CardBudget, type CardOutcome } from './callApi';

/**
 * The customer a turn runs for, as its flow and its cards see them: runTurn's `customer` (templates'
 * `customer.*`, `attributes.*`, `binding.*`) and, without the binding, the profile a card sends as
 * `customer` ({@link cardProfile}). The executor's is the channel's customer; the dry run's a sample one.
 */
export interface TurnCustomer {
  id: string;
  channel: string;
  attributes: Record<string, unknown>;
  binding?: Binding | undefined;
}

/** The profile a card sends as `customer` (`request.includeProfile`): who the customer is and their attributes, never their binding. */
export function cardProfile(customer: TurnCustomer): Record<string, unknown> {
  return { id: customer.id, channel: customer.channel, attributes: customer.attributes };
}

/** What every card of a turn runs with: whose it is and for whom, and the workspace's inputs. */
export interface CardSetting {
  customer: TurnCustomer;
  /** The workspace's secrets (each with its allowed hosts, as the store reads them). */
  secrets: Record<string, string>;
  /** The workspace's connections, read for a card that names one; none: such a card fails with reason `config`. */
  connections?: Connections | undefined;
  /** Which environment of its connection the card calls (with `connections` only). */
  environment?: Environment | undefined;
  /** The ports the workspace's cards may call besides 443 (its settings). */
  allowedPorts: readonly number[];
  /** Each card's idempotency key is `<idempotencyPrefix>#<blockId>`: stable across retries of the same job. */
  idempotencyPrefix: string;
}

/** One card of the turn as runTurn hands it over (TurnDeps.callApi). */
export interface CardCall {
  blockId: string;
  block: CallApiBlock;
  context: TemplateContext;
  /** What is left of the turn's budget; none: only the card's own limits. */
  budget?: CardBudget | undefined;
}

/**
 * Run one Call an API card of a turn with the executor's inputs: the one place the executor and the
 * admin's dry run build them (the dry run must call the brand exactly as a customer's turn would).
 * What differs between them is in `deps` (breakers, cache, the execution log) and `setting`.
 */
export function runCard(call: CardCall, setting: CardSetting, deps: CallApiDeps): Promise<CardOutcome> {
  return executeCallApi(
    {
      block: call.block,
      context: call.context,
      secrets: setting.secrets,
      ...(setting.connections ? { connections: setting.connections, environment: setting.environment } : {}),
      allowedPorts: setting.allowedPorts,
      idempotencyKey: `${setting.idempotencyPrefix}#${call.blockId}`,
      profile: cardProfile(setting.customer),
      ...(call.budget ? { budget: call.budget } : {}),
    },
    deps,
  );
}
