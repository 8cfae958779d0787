import { adapterFor } from '../channels/registry';
import { isChannelKind } from '../domain/channelKindList';
import { isPersonalCard, type Block } from '../flow/schema';
import { renderText, renderUrl, TemplateError } from '../templating/liquid';
import { BUDGET_TIME_REASON, type CardBudget } from './callApi';
import { testPattern } from '../flow/conditionPattern';
import { resolveMessages } from './resolveMessages';
import type { TurnBudget, TurnDeps, TurnResult } from './runTurn';
import { linksOn } from './triggers';
import { blockOf, failureRoute, withChoices, type TurnState } from './turnState';

/** A flow that loops without waiting for the customer is stopped after this many blocks. */
const MAX_STEPS = 100;

/**
 * Run the flow's blocks from `from` (where routeEvent led) until the turn ends: the flow waits (a
 * question, an account link, a brand's callback) or ends. One dispatch on block type; card calls and
 * indicators are injected (`deps`); the turn's cards together spend at most `budget`.
 */
export async function runBlocks(turn: TurnState, from: string | undefined, deps: TurnDeps, budget: TurnBudget): Promise<TurnResult> {
  const { input, messages, attributes, texts, chat } = turn;
  const { flow } = input;
  let next = from;
  let verifying = false;

  /** A LINE link token for the block's button, or undefined when none could be issued. */
  const issueLinkToken = async (blockId: string): Promise<string | undefined> => {
    if (!deps.linkToken) return undefined;
    try {
      return await deps.linkToken();
    } catch (error) {
      deps.onLinkTokenError?.(blockId, error);
      return undefined;
    }
  };

  let waited = false;
  const clock = deps.clock ?? Date.now;
  /** The turn's spending: card runs, and the time waited cards took. */
  let cardRuns = 0;
  let brandMs = 0;
  /** What is left for the next card; a card that gets `exhausted` does not run (nor count). */
  const nextCardBudget = (): CardBudget => {
    if (cardRuns >= budget.calls) return { remainingMs: 0, exhausted: `budget: the customer message ran its ${budget.calls} cards` };
    const remainingMs = budget.brandMs - brandMs;
    if (remainingMs <= 0) return { remainingMs: 0, exhausted: BUDGET_TIME_REASON };
    cardRuns += 1;
    return { remainingMs };
  };
  for (let steps = 0; next !== undefined; steps += 1) {
    if (steps >= MAX_STEPS) break;
    const blockId: string = next;
    const block = blockOf(flow, blockId);
    if (!block) break;
    next = undefined;
    try {
      switch (block.type) {
        case 'message': {
          const resolved = await resolveMessages(block.messages, turn.context(), { carouselAltText: texts.carouselAltText });
          if (resolved.empty && block.empty) {
            next = block.empty;
          } else {
            messages.push(...resolved.messages);
            next = block.next;
          }
          break;
        }
        case 'question': {
          const prompt = await renderText(block.prompt, turn.context());
          messages.push(withChoices({ type: 'text', text: prompt }, block));
          return turn.ended({
            flowId: input.flowRef.flowId,
            version: input.flowRef.version,
            waitingOn: blockId,
            attempts: 0,
            trigger: turn.triggerParams,
          });
        }
        case 'callApi': {
          const personal = isPersonalCard(flow, block);
          if ((personal || block.bind) && chat !== 'user') {
            // Never in a group or room (validation refuses it; a flow saved before is refused here):
            // every member would see the answer, and a group is nobody's binding.
            turn.refused = blockId;
            messages.push({ type: 'text', text: texts.oneToOneOnly });
            return turn.ended(null);
          }
          if (personal && !turn.binding) {
            turn.refused ??= blockId;
            // Not verified: where the flow verifies (once a turn: a way back here without a binding ends it).
            if (flow.verify !== undefined && !verifying && Object.hasOwn(flow.blocks, flow.verify)) {
              verifying = true;
              next = flow.verify;
              break;
            }
            messages.push({ type: 'text', text: texts.verifyFirst });
            return turn.ended(null);
          }
          if (block.fireAndForget) {
            const work = deps.callApi(blockId, block, turn.context(), nextCardBudget());
            deps.background?.(work);
            next = block.onSuccess;
            break;
          }
          const cardBudget = nextCardBudget();
          if (!waited && cardBudget.exhausted === undefined) {
            waited = true;
            await deps.onWaiting?.();
          }
          // A card that waits for a callback gives the brand its single-use URL (`{{ callback.url }}`, and a header).
          const pending = block.callback && deps.newCallback ? deps.newCallback(blockId) : undefined;
          const cardStarted = clock();
          const outcome = await deps.callApi(
            blockId,
            block,
            pending ? { ...turn.context(), callback: { url: pending.url } } : turn.context(),
            cardBudget,
          );
          if (cardBudget.exhausted === undefined) brandMs += Math.max(0, clock() - cardStarted);
          if (pending && block.callback && outcome.response?.status === 202) {
            // The brand took the work and will call back: the turn ends, the conversation waiting on the
            // card (no Lambda waits); the callback, or its timeout, resumes it at this card's outcome.
            turn.callbackWait = { id: pending.id, blockId, timeoutSeconds: block.callback.timeoutSeconds };
            return turn.ended({
              flowId: input.flowRef.flowId,
              version: input.flowRef.version,
              waitingOn: blockId,
              attempts: 0,
              trigger: turn.triggerParams,
              callbackId: pending.id,
            });
          }
          next = await turn.settleCard(block, outcome);
          break;
        }
        case 'condition': {
          const values = { ...input.customer.attributes, ...attributes };
          const branch = block.branches.find((b) => testCondition(b.when, values[b.when.attribute]));
          next = branch ? branch.next : block.otherwise;
          break;
        }
        case 'setAttributes': {
          for (const [name, template] of Object.entries(block.set)) attributes[name] = await renderText(template, turn.context());
          next = block.next;
          break;
        }
        case 'unbind':
          // The customer unlinks: no binding from here on (nor stored, once the turn's effects apply).
          turn.binding = undefined;
          turn.bindingChange = null;
          next = block.next;
          break;
        case 'linkAccount': {
          const channel = input.customer.channel;
          if (!linksOn(block, channel)) {
            next = block.elsewhere;
            if (next === undefined) messages.push({ type: 'text', text: texts.linkFailed });
            break;
          }
          if (chat !== 'user') {
            // A group is nobody's account (validation refuses it; a flow saved before is refused here).
            messages.push({ type: 'text', text: texts.oneToOneOnly });
            return turn.ended(null);
          }
          const text = await renderText(block.text, turn.context());
          let url = await renderUrl(block.loginUrl, turn.context());
          if (isChannelKind(channel) && adapterFor(channel).accountLink.linkToken) {
            // A channel whose link needs a token (LINE). No way to issue one here (the console's simulator
            // has no LINE app to link): elsewhere, as on another channel.
            const token = deps.linkToken ? await issueLinkToken(blockId) : undefined;
            if (token === undefined) {
              next = (deps.linkToken ? undefined : block.elsewhere) ?? block.onFailure;
              if (next === undefined) messages.push({ type: 'text', text: texts.linkFailed });
              break;
            }
            url = withLinkToken(url, token);
          }
          messages.push({ type: 'accountLink', text, label: block.label ?? texts.linkButton, url });
          return turn.ended({
            flowId: input.flowRef.flowId,
            version: input.flowRef.version,
            waitingOn: blockId,
            attempts: 0,
            trigger: turn.triggerParams,
          });
        }
        case 'end':
          break;
      }
    } catch (error) {
      // A template that cannot render with this data (a brand answer of an unexpected shape, a
      // template past its limits) is a failure of the card that fetched the data: the customer hears
      // the card's failure block, or the apology, never silence, and the job is not retried forever.
      if (!(error instanceof TemplateError)) throw error;
      deps.onTemplateError?.(blockId, error);
      const card = turn.succeeded;
      turn.succeeded = undefined;
      if (card) {
        turn.lastFailure = { reason: 'template', status: card.status, attempts: card.attempts };
        next = failureRoute(card.block, turn.lastFailure);
        if (next) continue;
      }
      messages.push({ type: 'text', text: texts.failure });
      return turn.ended(null);
    }
  }
  return turn.ended(null);
}

/** The login URL with LINE's link token as its `linkToken` query parameter (a URL that does not parse is a template failure). */
function withLinkToken(url: string, token: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TemplateError('loginUrl: not a URL once rendered');
  }
  parsed.searchParams.set('linkToken', token);
  return parsed.toString();
}

type ConditionTest = Extract<Block, { type: 'condition' }>['branches'][number]['when'];

function testCondition(test: ConditionTest, value: unknown): boolean {
  switch (test.op) {
    case 'exists':
      return value !== undefined && value !== null && value !== '';
    case 'equals':
      return value === test.value || (value !== undefined && value !== null && String(value) === String(test.value));
    case 'matches':
      // The pattern is the admin's but the value may be the customer's: RE2 matches in linear time,
      // whatever the pattern (see conditionPattern.ts).
      return testPattern(test.pattern, value);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const n = typeof value === 'number' ? value : Number(value);
      if (value === undefined || value === null || value === '' || !Number.isFinite(n)) return false;
      return test.op === 'lt' ? n < test.value : test.op === 'lte' ? n <= test.value : test.op === 'gt' ? n > test.value : n >= test.value;
    }
  }
}
