import net from 'node:net';
import * as z from 'zod';
import { CHANNEL_KIND_LIST } from '../domain/channelKindList';
import { isPublicAddress } from '../http/guardedFetch';
import type { Button, Card, Message } from '../messages/message';
import { templateReads } from '../templating/liquid';
import {
  SECRET_OUTSIDE_HEADER,
  SIGNING_SECRET_NEVER_SENT,
  secretReferences,
  secretsPathProblem,
  templateCheck,
} from '../templating/secrets';
import { conditionPatternProblem } from './conditionPattern';
import { contractProblem, missingInContract } from './contract';
import { parseWithProblems, withoutUnknownKeys, type Problem } from './parseProblems';
import { isReservedKey, reservedKeyMessage } from './reservedKeys';
import { blockSchema, flowSchema, isPersonalCard, triggerSchema, type Block, type Flow, type Trigger } from './schema';
import { flowTextsSchema, type FlowTexts } from './texts';

/** One problem in a flow document, with where it is: `blocks.ask_phone.next`. */
export type FlowProblem = Problem;

export type FlowValidation = { ok: true; flow: Flow } | { ok: false; problems: FlowProblem[] };

/**
 * Limits every channel callcard serves can meet (the stricter of LINE and Messenger), so a flow that
 * validates is never rejected by a channel at run time. Longer rendered values are fitted at send time.
 */
export const FLOW_LIMITS = {
  quickReplies: 13,
  quickReplyLabel: 20,
  buttonsPerMessage: 3,
  buttonsPerCard: 3,
  fixedCards: 10,
  repeatLimit: 10,
  postbackData: 300,
  staticText: 2000,
  /** A linkAccount block's text: Messenger's button template text. */
  linkText: 640,
} as const;

/**
 * Validate a flow document, every problem in one pass, each at its path: its shape (zod, strict: an
 * unknown key is a problem, with "did you mean"), and what a schema cannot say: every block reference
 * resolves, every block is reachable from a trigger, every template parses and uses secrets only in
 * headers, every literal card address is one the outbound guard would call, and channel limits hold.
 * A shape problem hides no other: the rest of the document is checked as well as it can be read.
 */
export function validateFlow(input: unknown): FlowValidation {
  const reserved = reservedKeyProblems(input);
  if (reserved.length) {
    // Only the shape besides: the checks below build maps from the document's keys.
    const at = new Set(reserved.map((p) => p.path));
    const parsed = parseWithProblems(flowSchema, input);
    return { ok: false, problems: [...reserved, ...(parsed.ok ? [] : parsed.problems.filter((p) => !at.has(p.path)))] };
  }
  const parsed = parseWithProblems(flowSchema, input);
  if (parsed.ok) {
    const problems = flowProblems(wholeFlow(parsed.data));
    return problems.length ? { ok: false, problems } : { ok: true, flow: parsed.data };
  }
  const seen = new Set(parsed.problems.map((p) => `${p.path}\n${p.message}`));
  const more = flowProblems(readableParts(input)).filter((p) => !seen.has(`${p.path}\n${p.message}`));
  return { ok: false, problems: [...parsed.problems, ...more] };
}

/**
 * Every key of the document named `__proto__`, `constructor` or `prototype` (header names in any letter
 * case), at its path. No object of a flow knows such a key, so this refuses exactly the maps' keys:
 * block ids, headers, JSON body keys at any depth, form fields, `saveToAttributes` and `set`. Zod
 * alone would drop a `__proto__` key unseen and let `constructor` through to a failing write.
 */
function reservedKeyProblems(input: unknown, path: string[] = [], problems: FlowProblem[] = []): FlowProblem[] {
  if (typeof input !== 'object' || input === null || path.length > 64) return problems;
  const headers = path.length >= 2 && path.at(-2) === 'request' && path.at(-1) === 'headers';
  for (const key of Object.keys(input)) {
    const at = [...path, key];
    if (isReservedKey(key, { anyCase: headers })) problems.push({ path: at.join('.'), message: reservedKeyMessage(key) });
    reservedKeyProblems((input as Record<string, unknown>)[key], at, problems);
  }
  return problems;
}

/**
 * What the checks beyond the shape look at: the triggers and blocks that parse (with their index and
 * id in the document), every block id the document has, and, for a block that does not parse or had
 * unknown keys, every string in it that names a block (maybe a reference under a misspelled key),
 * so that reachability reports no block that only a shape problem cut off.
 */
interface FlowParts {
  triggers: Array<{ trigger: Trigger; index: number }>;
  blocks: Record<string, Block>;
  ids: Set<string>;
  start?: string;
  texts?: FlowTexts;
  /** The flow's `personal`, `verify` and `chats`: what decides where personal cards may run. */
  personal?: boolean;
  verify?: string;
  chats?: Flow['chats'];
  /** Where reachability starts besides the triggers that parse (the `start` of those that do not); false when the document has no readable triggers. */
  looseStarts: string[] | false;
  looseEdges: Map<string, string[]>;
  /** The `matches` patterns of condition blocks that do not parse (a branch not linked yet): checked as RE2 all the same. */
  loosePatterns: Array<{ path: string; pattern: string }>;
}

function wholeFlow(flow: Flow): FlowParts {
  return {
    triggers: flow.triggers.map((trigger, index) => ({ trigger, index })),
    blocks: flow.blocks,
    ids: new Set(Object.keys(flow.blocks)),
    ...(flow.start !== undefined ? { start: flow.start } : {}),
    ...(flow.texts !== undefined ? { texts: flow.texts } : {}),
    ...(flow.personal !== undefined ? { personal: flow.personal } : {}),
    ...(flow.verify !== undefined ? { verify: flow.verify } : {}),
    ...(flow.chats !== undefined ? { chats: flow.chats } : {}),
    looseStarts: [],
    looseEdges: new Map(),
    loosePatterns: [],
  };
}

/** The parts of a document with shape problems that can still be checked: each trigger and block on its own, unknown keys left out. */
function readableParts(input: unknown): FlowParts {
  const parts: FlowParts = { triggers: [], blocks: {}, ids: new Set(), looseStarts: false, looseEdges: new Map(), loosePatterns: [] };
  if (!isPlainObject(input)) return parts;
  const { value, removed } = withoutUnknownKeys(flowSchema, input);
  const doc = isPlainObject(value) ? value : {};
  const rawBlocks = isPlainObject(doc.blocks) ? doc.blocks : {};
  const originalBlocks = isPlainObject(input.blocks) ? input.blocks : {};
  for (const id of Object.keys(rawBlocks)) parts.ids.add(id);
  for (const [id, raw] of Object.entries(rawBlocks)) {
    const block = blockSchema.safeParse(raw);
    if (block.success) parts.blocks[id] = block.data;
    const trimmed = removed.some((path) => path[0] === 'blocks' && path[1] === id);
    if (!block.success || trimmed)
      parts.looseEdges.set(
        id,
        stringsIn(originalBlocks[id]).filter((s) => parts.ids.has(s)),
      );
    if (!block.success && isPlainObject(raw) && raw.type === 'condition' && Array.isArray(raw.branches)) {
      raw.branches.forEach((branch: unknown, i) => {
        const when = isPlainObject(branch) && isPlainObject(branch.when) ? branch.when : undefined;
        if (when?.op === 'matches' && typeof when.pattern === 'string')
          parts.loosePatterns.push({ path: `blocks.${id}.branches.${i}.when.pattern`, pattern: when.pattern });
      });
    }
  }
  if (Array.isArray(doc.triggers)) {
    const looseStarts: string[] = [];
    doc.triggers.forEach((raw, index) => {
      const trigger = triggerSchema.safeParse(raw);
      if (trigger.success) parts.triggers.push({ trigger: trigger.data, index });
      else if (isPlainObject(raw) && typeof raw.start === 'string') looseStarts.push(raw.start);
    });
    parts.looseStarts = looseStarts;
  }
  if (typeof doc.start === 'string') parts.start = doc.start;
  if (typeof doc.verify === 'string') parts.verify = doc.verify;
  if (typeof doc.personal === 'boolean') parts.personal = doc.personal;
  const chats = flowSchema.shape.chats.safeParse(doc.chats);
  if (chats.success && chats.data !== undefined) parts.chats = chats.data;
  const texts = flowTextsSchema.safeParse(doc.texts);
  if (texts.success && texts.data !== undefined) parts.texts = texts.data;
  return parts;
}

/** Every problem beyond the document's shape: references, templates, secrets, addresses, limits, reachability. */
function flowProblems(flow: FlowParts): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  const exists = (id: string | undefined, path: string) => {
    if (id !== undefined && !flow.ids.has(id)) report(path, `no block named "${id}"`);
  };

  flow.triggers.forEach(({ trigger, index }) => exists(trigger.start, `triggers.${index}.start`));
  exists(flow.start, 'start');
  exists(flow.verify, 'verify');
  if (flow.triggers.filter(({ trigger }) => trigger.type === 'fallback').length > 1) report('triggers', 'at most one fallback trigger');

  for (const [id, block] of Object.entries(flow.blocks)) {
    const at = `blocks.${id}`;
    for (const [field, target] of Object.entries(references(block))) exists(target, `${at}.${field}`);
    checkTemplates(block, at, report);
    if (block.type === 'linkAccount' && Object.hasOwn(flow.blocks, block.onLinked)) {
      const card = flow.blocks[block.onLinked];
      if (card?.type !== 'callApi' || card.bind === undefined)
        report(`${at}.onLinked`, 'must be a card that binds (bind): it resolves {{ link.nonce }} at the brand to the member');
    }
  }
  for (const { path, pattern } of flow.loosePatterns) {
    const problem = conditionPatternProblem(pattern);
    if (problem) report(path, problem);
  }
  // The flow's own re-ask is a template like a question's (its apology and carousel text are plain text).
  if (flow.texts?.reask !== undefined) {
    const problem = templateCheck(flow.texts.reask);
    if (problem) report('texts.reask', problem);
  }

  personalProblems(flow, report);
  contractProblems(flow, report);

  if (flow.looseStarts !== false) {
    const reachable = reachableBlocks(flow, flow.looseStarts);
    for (const id of flow.ids) {
      if (!reachable.has(id)) report(`blocks.${id}`, 'unreachable: no trigger or block leads here');
    }
  }
  return problems;
}

/**
 * Where personal cards may run. A personal card (its own `personal`, or the flow's) runs only for a
 * customer with a live binding, so:
 * - one reachable from a trigger with no card that binds on the way needs the flow's `verify` start
 *   (where the turn goes for a customer who is not verified): without it, a problem at the card;
 * - the way from `verify` to a card that binds has no personal card (it could never run there), and
 *   has a card that binds at all;
 * - a personal card, or a card that binds, is never reached from a trigger that answers in LINE
 *   groups or rooms (`chats`): every member would see the answer, and a group is nobody's binding;
 * - a personal card is never cached (its own `personal` as much as the templates that read a person).
 */
function personalProblems(flow: FlowParts, report: Report): void {
  const blocks = Object.entries(flow.blocks);
  const personal = new Set(blocks.filter(([, block]) => isPersonalCard(flow, block)).map(([id]) => id));
  const binds = new Set(blocks.filter(([, block]) => block.type === 'callApi' && block.bind !== undefined).map(([id]) => id));
  const at = (id: string) => {
    const block = flow.blocks[id];
    return block?.type === 'callApi' && block.personal !== undefined ? `blocks.${id}.personal` : `blocks.${id}`;
  };
  for (const [id, block] of blocks) {
    if (block.type !== 'callApi') continue;
    if (personal.has(id) && block.cache && !personalDataUse(block))
      report(`blocks.${id}.cache`, 'only for non-personal data: this card is personal');
    if (personal.has(id) && binds.has(id))
      report(at(id), 'a card that binds is where a customer gets verified: it cannot be personal (personal: false in a personal flow)');
  }
  const links = blocks.some(([, block]) => block.type === 'linkAccount');
  if (!personal.size && !binds.size && !links) return;
  const starts = [...flow.triggers.map(({ trigger }) => trigger.start), ...(flow.looseStarts || []), ...(flow.start ? [flow.start] : [])];
  // A block that does not parse might be the card that binds: nothing is said of the way through it.
  const unsure = (reach: Set<string>) => [...reach].some((id) => flow.looseEdges.has(id));
  if (flow.verify === undefined) {
    const reach = unverifiedReach(flow, starts, binds);
    if (!unsure(reach))
      for (const id of reach) {
        if (personal.has(id) && !binds.has(id)) {
          report(
            at(id),
            'a personal card needs a way to verify: a trigger reaches it with no card that binds on the way, and the flow names no verify start (verify: the block where verification starts)',
          );
        }
      }
  } else if (Object.hasOwn(flow.blocks, flow.verify) || flow.ids.has(flow.verify)) {
    const onTheWay = unverifiedReach(flow, [flow.verify], binds);
    if (!unsure(onTheWay))
      for (const id of onTheWay) {
        if (personal.has(id) && !binds.has(id))
          report(
            at(id),
            `on the way to verification (from verify: ${flow.verify}) before any card binds: a personal card cannot run there (personal: false)`,
          );
      }
    if (![...onTheWay].some((id) => binds.has(id)) && !unsure(onTheWay))
      report('verify', 'no card that binds (bind) follows this start: verification would never bind the customer');
  }
  for (const { trigger, index } of flow.triggers) {
    const chats = trigger.type === 'follow' ? ['user'] : (trigger.chats ?? flow.chats ?? ['user']);
    if (!chats.some((chat) => chat !== 'user')) continue;
    for (const id of unverifiedReach(flow, [trigger.start], new Set())) {
      if (flow.blocks[id]?.type === 'linkAccount')
        report(`blocks.${id}`, `triggers.${index} answers in LINE groups or rooms (chats): an account is linked in one-to-one chats only`);
      else if (personal.has(id) || binds.has(id)) {
        report(
          at(id),
          `triggers.${index} answers in LINE groups or rooms (chats), where every member sees the answer: ${personal.has(id) ? 'a personal card' : 'a card that binds'} runs in one-to-one chats only`,
        );
      }
    }
  }
}

/** The blocks reachable from `starts` without going on from a card that binds once it succeeded (then the customer is verified). */
function unverifiedReach(flow: FlowParts, starts: string[], binds: Set<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...starts];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id) || !flow.ids.has(id)) continue;
    seen.add(id);
    const block = Object.hasOwn(flow.blocks, id) ? flow.blocks[id] : undefined;
    if (block) {
      for (const [field, target] of Object.entries(references(block)))
        if (target && !(binds.has(id) && field === 'onSuccess')) queue.push(target);
    }
    queue.push(...(flow.looseEdges.get(id) ?? []));
  }
  return seen;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringsIn(value: unknown): string[] {
  const into: string[] = [];
  collectStrings(value, into);
  return into;
}

/** Every outgoing edge of a block, by the field that holds it. */
function references(block: Block): Record<string, string | undefined> {
  switch (block.type) {
    case 'message':
      return { next: block.next, empty: block.empty };
    case 'question':
      return { next: block.next, onGiveUp: block.onGiveUp };
    case 'callApi':
      return {
        onSuccess: block.onSuccess,
        onFailure: block.onFailure,
        ...Object.fromEntries(Object.entries(block.onStatus ?? {}).map(([status, target]) => [`onStatus.${status}`, target])),
        ...Object.fromEntries(Object.entries(block.onReason ?? {}).map(([reason, target]) => [`onReason.${reason}`, target])),
      };
    case 'condition':
      return { ...Object.fromEntries(block.branches.map((b, i) => [`branches.${i}.next`, b.next])), otherwise: block.otherwise };
    case 'setAttributes':
    case 'unbind':
      return { next: block.next };
    case 'linkAccount':
      return { onLinked: block.onLinked, onFailure: block.onFailure, elsewhere: block.elsewhere };
    case 'end':
      return {};
  }
}

function reachableBlocks(flow: FlowParts, looseStarts: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [
    ...flow.triggers.map(({ trigger }) => trigger.start),
    ...looseStarts,
    ...(flow.start ? [flow.start] : []),
    ...(flow.verify ? [flow.verify] : []),
  ];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id) || !flow.ids.has(id)) continue;
    seen.add(id);
    const block = Object.hasOwn(flow.blocks, id) ? flow.blocks[id] : undefined;
    if (block) for (const target of Object.values(references(block))) if (target) queue.push(target);
    queue.push(...(flow.looseEdges.get(id) ?? []));
  }
  return seen;
}

type Report = (path: string, message: string) => void;

/**
 * A card with a response contract: the contract compiles, and every path into `response.body` that
 * the card itself (successWhen, saveToAttributes, bind) and its follow-up read is one the contract has.
 * The follow-up: the blocks from `onSuccess` on, up to the next card or question (there `response` is
 * another answer's, or the turn ends), whose templates (by liquidjs's own parser) and repeats' `over`
 * are read; a repeat's element (`ticket.title` in `repeat: { over: response.body.tickets, as: ticket }`)
 * reads `response.body.tickets[].title`.
 */
function contractProblems(flow: FlowParts, report: Report): void {
  const ignore: Report = () => undefined;
  for (const [id, card] of Object.entries(flow.blocks)) {
    if (card.type !== 'callApi' || !card.contract) continue;
    const problem = contractProblem(card.contract.body);
    if (problem) {
      report(`blocks.${id}.contract.body`, problem);
      continue;
    }
    const schema = card.contract.body;
    const check = (segments: Array<string | number>, path: string) => {
      if (segments[0] !== 'response' || segments[1] !== 'body') return;
      const read = segments.slice(2);
      const missing = missingInContract(schema, read);
      if (missing !== undefined)
        report(
          path,
          `reads ${readPath(read)}, which the contract of card "${id}" does not have (no ${missing}): add it to the contract, or read another field`,
        );
    };
    const pathReads = (path: string) => templateReads(`{{ ${path} }}`);
    for (const [name, path] of Object.entries(card.saveToAttributes))
      for (const read of pathReads(path)) check(read, `blocks.${id}.saveToAttributes.${name}`);
    if (card.bind) {
      for (const read of pathReads(card.bind.memberId)) check(read, `blocks.${id}.bind.memberId`);
      for (const [name, path] of Object.entries(card.bind.attributes ?? {}))
        for (const read of pathReads(path)) check(read, `blocks.${id}.bind.attributes.${name}`);
    }
    if (card.successWhen)
      for (const read of templateReads(`{% if ${card.successWhen} %}{% endif %}`)) check(read, `blocks.${id}.successWhen`);
    const seen = new Set<string>();
    const queue = card.onSuccess !== undefined ? [card.onSuccess] : [];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next) || !Object.hasOwn(flow.blocks, next)) continue;
      seen.add(next);
      const block = flow.blocks[next];
      if (!block) continue;
      const at = `blocks.${next}`;
      // A repeat's element name, per message: its reads are the array's items'.
      const aliases = new Map<string, { as: string; over: Array<string | number> }>();
      if (block.type === 'message') {
        block.messages.forEach((message, i) => {
          const repeat = message.type === 'carousel' || message.type === 'textList' ? message.repeat : undefined;
          if (!repeat) return;
          const over = pathReads(repeat.over)[0] ?? [];
          check(over, `${at}.messages.${i}.repeat.over`);
          aliases.set(`${at}.messages.${i}.`, { as: repeat.as, over });
        });
      }
      checkTemplates(block, at, ignore, (source, path) => {
        const alias = [...aliases].find(([prefix]) => path.startsWith(prefix))?.[1];
        for (const read of templateReads(source)) check(alias && read[0] === alias.as ? [...alias.over, 0, ...read.slice(1)] : read, path);
      });
      if (block.type === 'callApi' || block.type === 'question') continue;
      for (const target of Object.values(references(block))) if (target !== undefined) queue.push(target);
    }
  }
}

/**
 * The response-contract problems of a saved flow (what a save checks, above): publishing checks them
 * again, so that a version saved before the check existed is not published reading fields its cards'
 * contracts lack.
 */
export function flowContractProblems(flow: Flow): FlowProblem[] {
  const problems: FlowProblem[] = [];
  contractProblems(wholeFlow(flow), (path, message) => problems.push({ path, message }));
  return problems;
}

/** A path into the body as a problem names it: `response.body.tickets[].title`. */
function readPath(segments: Array<string | number>): string {
  return segments.reduce<string>((path, s) => (typeof s === 'number' ? `${path}[]` : `${path}.${s}`), 'response.body');
}

/** `visit`: each template of the block, with its path (what the contract check reads). */
function checkTemplates(block: Block, at: string, report: Report, visit?: (source: string, path: string) => void): void {
  // Parses, uses no refused tag (include/render/layout read files), and names `secrets` only as
  // `{{ secrets.NAME }}` in a header value.
  const template = (source: string, path: string, options?: { header?: boolean }) => {
    visit?.(source, path);
    const problem = templateCheck(source, options);
    if (problem) report(path, problem);
  };
  switch (block.type) {
    case 'message':
      block.messages.forEach((message, i) => checkMessage(message, `${at}.messages.${i}`, template, report));
      break;
    case 'question':
      template(block.prompt, `${at}.prompt`);
      if (block.reask !== undefined) template(block.reask, `${at}.reask`);
      if (block.input.type === 'choice') {
        block.input.choices.forEach((c, i) => {
          if (c.label.length > FLOW_LIMITS.quickReplyLabel)
            report(`${at}.input.choices.${i}.label`, `at most ${FLOW_LIMITS.quickReplyLabel} characters (a quick reply label)`);
        });
      }
      break;
    case 'callApi': {
      template(block.request.url, `${at}.request.url`);
      const urlProblem =
        block.request.connection !== undefined ? connectionPathProblem(block.request.url) : staticUrlProblem(block.request.url);
      if (urlProblem) report(`${at}.request.url`, urlProblem);
      for (const [name, value] of Object.entries(block.request.headers)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) report(`${at}.request.headers.${name}`, 'not a valid header name');
        template(value, `${at}.request.headers.${name}`, { header: true });
      }
      if (block.request.body.type === 'json') checkJsonTemplate(block.request.body.value, `${at}.request.body.value`, template, report);
      if (block.request.body.type === 'form') {
        for (const [name, value] of Object.entries(block.request.body.fields)) {
          const keyProblem = secretInKey(name);
          if (keyProblem) report(`${at}.request.body.fields.${name}`, keyProblem);
          template(value, `${at}.request.body.fields.${name}`);
        }
      }
      if (block.request.method === 'GET' && block.request.body.type !== 'none') report(`${at}.request.body`, 'a GET request has no body');
      if (block.successWhen) template(`{% if ${block.successWhen} %}{% endif %}`, `${at}.successWhen`);
      for (const [name, path] of Object.entries(block.saveToAttributes)) {
        if (!/^response\.[\w.[\]]+$/.test(path))
          report(`${at}.saveToAttributes.${name}`, 'must be a path into the response, like response.body.memberId');
      }
      if (block.fireAndForget && block.expect === 'messages') report(`${at}.expect`, 'a fire-and-forget card cannot answer with messages');
      if (block.fireAndForget && block.bind) report(`${at}.bind`, 'a fire-and-forget card cannot bind: nothing waits for its answer');
      if (block.callback && block.fireAndForget) report(`${at}.callback`, 'a fire-and-forget card waits for no callback');
      if (block.callback && block.cache)
        report(`${at}.callback`, 'a card waiting for a callback cannot be cached: each call is its own work at the brand');
      if (block.cache) {
        const personal = personalDataUse(block);
        if (personal) report(`${at}.cache`, `only for non-personal data: this card's ${personal}`);
      }
      break;
    }
    case 'setAttributes':
      for (const [name, value] of Object.entries(block.set)) template(value, `${at}.set.${name}`);
      break;
    case 'condition':
      block.branches.forEach((branch, i) => {
        if (branch.when.op === 'matches') {
          // Patterns run on RE2 (linear time, whatever the pattern): what RE2 cannot compile is refused here.
          const problem = conditionPatternProblem(branch.when.pattern);
          if (problem) report(`${at}.branches.${i}.when.pattern`, problem);
        }
      });
      break;
    case 'linkAccount': {
      template(block.loginUrl, `${at}.loginUrl`);
      const urlProblem = loginUrlProblem(block.loginUrl);
      if (urlProblem) report(`${at}.loginUrl`, urlProblem);
      template(block.text, `${at}.text`);
      if (!block.text.includes('{{') && block.text.length > FLOW_LIMITS.linkText)
        report(`${at}.text`, `at most ${FLOW_LIMITS.linkText} characters (Messenger's button template)`);
      const channels = block.channels ?? LINK_CHANNELS;
      if (LINK_CHANNELS.some((kind) => !channels.includes(kind)) && block.elsewhere === undefined) {
        report(
          `${at}.elsewhere`,
          `required when channels leaves out ${LINK_CHANNELS.filter((kind) => !channels.includes(kind)).join(' and ')}: where the turn goes there (a one-time code, say)`,
        );
      }
      if (block.elsewhere !== undefined && !LINK_CHANNELS.some((kind) => !channels.includes(kind)))
        report(`${at}.elsewhere`, 'never used: the block links on every channel (channels)');
      break;
    }
    case 'end':
    case 'unbind':
      break;
  }
}

/** The channels a linkAccount block links on when its `channels` names none: every kind. */
const LINK_CHANNELS = CHANNEL_KIND_LIST;

/**
 * What is wrong with a linkAccount block's login URL, if anything: the customer's browser opens it,
 * so any host may serve it, but Meta takes only https for a Log In button (and a login page is no
 * place for plain http); plain http only for the local stack's loopback hosts.
 */
export function loginUrlProblem(url: string): string | undefined {
  if (/^\{[{%]/.test(url)) return undefined;
  if (!/^https?:\/\//i.test(url)) return 'must start with https:// (or a template producing it)';
  if (/^https:/i.test(url)) return undefined;
  const host = /^http:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url)?.[1]?.toLowerCase();
  if (host !== undefined && LOCAL_STACK_HOSTS.includes(host)) return undefined;
  return "must use https:// (Messenger's Log In button takes only https; plain http is only for the local stack)";
}

function checkMessage(message: Message, at: string, template: (source: string, path: string) => void, report: Report): void {
  const overPath = (over: string) => {
    const problem = secretsPathProblem(over);
    if (problem) report(`${at}.repeat.over`, problem);
  };
  const text = (value: string, path: string) => {
    template(value, path);
    if (!value.includes('{{') && value.length > FLOW_LIMITS.staticText) report(path, `at most ${FLOW_LIMITS.staticText} characters`);
  };
  const button = (b: Button, path: string) => {
    template(b.label, `${path}.label`);
    if (b.type === 'postback') {
      template(b.data, `${path}.data`);
      if (b.data.length > FLOW_LIMITS.postbackData) report(`${path}.data`, `at most ${FLOW_LIMITS.postbackData} characters`);
      if (b.displayText) template(b.displayText, `${path}.displayText`);
    }
    if (b.type === 'url') template(b.url, `${path}.url`);
    if (b.type === 'message') template(b.text, `${path}.text`);
  };
  const card = (c: Card, path: string) => {
    template(c.title, `${path}.title`);
    if (c.subtitle) template(c.subtitle, `${path}.subtitle`);
    if (c.imageUrl) template(c.imageUrl, `${path}.imageUrl`);
    if (c.buttons.length > FLOW_LIMITS.buttonsPerCard) report(`${path}.buttons`, `at most ${FLOW_LIMITS.buttonsPerCard} buttons on a card`);
    c.buttons.forEach((b, i) => button(b, `${path}.buttons.${i}`));
  };
  switch (message.type) {
    case 'text':
      text(message.text, `${at}.text`);
      if ((message.quickReplies?.length ?? 0) > FLOW_LIMITS.quickReplies)
        report(`${at}.quickReplies`, `at most ${FLOW_LIMITS.quickReplies} quick replies`);
      message.quickReplies?.forEach((b, i) => {
        button(b, `${at}.quickReplies.${i}`);
        if (b.type === 'url') report(`${at}.quickReplies.${i}`, 'a quick reply cannot open a URL');
        if (!b.label.includes('{{') && b.label.length > FLOW_LIMITS.quickReplyLabel)
          report(`${at}.quickReplies.${i}.label`, `at most ${FLOW_LIMITS.quickReplyLabel} characters`);
      });
      break;
    case 'image':
      template(message.url, `${at}.url`);
      if (message.previewUrl) template(message.previewUrl, `${at}.previewUrl`);
      break;
    case 'buttons':
      text(message.text, `${at}.text`);
      if (message.title) template(message.title, `${at}.title`);
      if (message.imageUrl) template(message.imageUrl, `${at}.imageUrl`);
      if (message.buttons.length > FLOW_LIMITS.buttonsPerMessage)
        report(`${at}.buttons`, `at most ${FLOW_LIMITS.buttonsPerMessage} buttons`);
      message.buttons.forEach((b, i) => button(b, `${at}.buttons.${i}`));
      break;
    case 'carousel':
      if (message.altText) template(message.altText, `${at}.altText`);
      if ((message.cards?.length ?? 0) > FLOW_LIMITS.fixedCards) report(`${at}.cards`, `at most ${FLOW_LIMITS.fixedCards} cards`);
      message.cards?.forEach((c, i) => card(c, `${at}.cards.${i}`));
      if (message.card) card(message.card, `${at}.card`);
      if (message.repeat) overPath(message.repeat.over);
      if (message.repeat?.limit !== undefined && message.repeat.limit > FLOW_LIMITS.repeatLimit)
        report(`${at}.repeat.limit`, `at most ${FLOW_LIMITS.repeatLimit} (the most cards a channel shows)`);
      break;
    case 'textList':
      text(message.text, `${at}.text`);
      overPath(message.repeat.over);
      break;
  }
}

function checkJsonTemplate(value: unknown, at: string, template: (source: string, path: string) => void, report: Report): void {
  if (typeof value === 'string') template(value, at);
  else if (Array.isArray(value)) value.forEach((item, i) => checkJsonTemplate(item, `${at}.${i}`, template, report));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      // Keys are sent as written, never rendered: a secret there would go out as its reference.
      const keyProblem = secretInKey(key);
      if (keyProblem) report(`${at}.${key}`, keyProblem);
      checkJsonTemplate(item, `${at}.${key}`, template, report);
    }
  }
}

/** The problem with a literal (never rendered) key written as if it used a secret (`{{ secrets.X }}`), if it is. */
function secretInKey(key: string): string | undefined {
  const problem = templateCheck(key);
  return problem === SECRET_OUTSIDE_HEADER || problem === SIGNING_SECRET_NEVER_SENT ? problem : undefined;
}

/** Hosts the local stack runs its stand-ins on: plain http to them is allowed (the guard allow-lists them there). */
const LOCAL_STACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * What is wrong with the fixed part of a card URL (before its first template), if anything: what the
 * outbound guard would refuse when the card runs, found when the flow is saved. A host that is an
 * address must be public by the guard's own test (not private, loopback, link-local or the metadata
 * service); a templated host can only be checked when the card runs. Plain http is accepted only for
 * loopback hosts, where the local stack runs its stand-ins.
 */
export function staticUrlProblem(url: string): string | undefined {
  if (/^\{[{%]/.test(url)) return undefined;
  if (!/^https?:\/\//i.test(url)) return 'must start with https:// (or a template producing it)';
  const authority = /^https?:\/\/[^/?#]*/i.exec(url)?.[0] ?? url;
  const isHttp = /^http:/i.test(url);
  if (/\{[{%]/.test(authority)) return isHttp ? 'must use https:// when the host is templated' : undefined;
  let parsed: URL;
  try {
    parsed = new URL(authority);
  } catch {
    return 'not a valid URL';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials: use a header with a secret';
  if (isHttp && LOCAL_STACK_HOSTS.includes(parsed.hostname)) return undefined;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (loopbackName || (net.isIP(host) !== 0 && !isPublicAddress(host))) {
    return `${host} is not a public address (private, loopback, link-local and metadata addresses are refused when the card runs)`;
  }
  if (isHttp) return 'must use https:// (plain http is only for the local stack)';
  return undefined;
}

/** What is wrong with a card's `url` under a connection: a path under the connection's base URL. */
export function connectionPathProblem(url: string): string | undefined {
  if (!url.startsWith('/') || url.startsWith('//'))
    return 'with a connection, a path under its base URL, starting with / (like /members/{{ attributes.memberId }})';
  return undefined;
}

/** Where a flow's cards name a connection: one entry per card. */
export function connectionUses(flow: Flow): Array<{ path: string; connection: string }> {
  return Object.entries(flow.blocks).flatMap(([id, block]) =>
    block.type === 'callApi' && block.request.connection !== undefined
      ? [{ path: `blocks.${id}.request.connection`, connection: block.request.connection }]
      : [],
  );
}

/**
 * Every card of a flow that names a connection the workspace does not have (`connectionNames`), at
 * its path. Such a card would fail when it runs: a warning when the flow is saved, refused at publish.
 */
export function missingConnectionProblems(flow: Flow, connectionNames: Iterable<string>): FlowProblem[] {
  const known = new Set(connectionNames);
  return connectionUses(flow)
    .filter((use) => !known.has(use.connection))
    .map((use) => ({
      path: use.path,
      message: `connection ${use.connection} does not exist in this workspace (create it with PUT /admin/connections/${use.connection})`,
    }));
}

/** Where a flow's header values reference a workspace secret: one entry per header and secret. */
export function headerSecretUses(flow: Flow): Array<{ path: string; secret: string }> {
  const uses: Array<{ path: string; secret: string }> = [];
  for (const [id, block] of Object.entries(flow.blocks)) {
    if (block.type !== 'callApi') continue;
    for (const [name, value] of Object.entries(block.request.headers)) {
      for (const secret of secretReferences(value)) uses.push({ path: `blocks.${id}.request.headers.${name}`, secret });
    }
  }
  return uses;
}

/**
 * Every header of a flow that names a secret the workspace does not have (`secretNames`), at its
 * path. Such a card would fail when it runs: a warning when the flow is saved, refused at publish.
 */
export function missingSecretProblems(flow: Flow, secretNames: Iterable<string>): FlowProblem[] {
  const known = new Set(secretNames);
  return headerSecretUses(flow)
    .filter((use) => !known.has(use.secret))
    .map((use) => ({
      path: use.path,
      message: `secret ${use.secret} is not set in this workspace (set it with PUT /admin/secrets/${use.secret})`,
    }));
}

/**
 * Every header of a flow that names a secret bound to no host (`unboundNames`: saved before
 * allowedHosts was required). The card still sends it, to any host: a warning, never a refusal.
 */
export function unboundSecretProblems(flow: Flow, unboundNames: Iterable<string>): FlowProblem[] {
  const unbound = new Set(unboundNames);
  return headerSecretUses(flow)
    .filter((use) => unbound.has(use.secret))
    .map((use) => ({
      path: use.path,
      message: `secret ${use.secret} is bound to no host, so any card may send it anywhere: bind it (PUT /admin/secrets/${use.secret} with allowedHosts; publishing does not wait for it)`,
    }));
}

const PERSONAL_NAME = /\b(customer|attributes|speakerId|binding|link)\b/;

/**
 * Why a cacheable card's answer could be about one customer, if it could: its request sends the
 * profile or names `customer` / `attributes` / `binding` / `link` (an account link's nonce) / `speakerId` (who spoke in a group) in a template (URL,
 * header, body), or judges its answer by them (successWhen). A cached answer is served to every customer,
 * so such a card may not be cached.
 */
function personalDataUse(block: Extract<Block, { type: 'callApi' }>): string | undefined {
  if (block.request.includeProfile) return 'request sends the customer profile (includeProfile)';
  // A cached answer is served without being judged again, so a judgement made with one customer's
  // values (successWhen is a Liquid condition) would be another customer's answer too.
  const judgedBy = block.successWhen ? PERSONAL_NAME.exec(block.successWhen)?.[1] : undefined;
  if (judgedBy) return `successWhen uses ${judgedBy}`;
  const templates = [block.request.url, ...Object.values(block.request.headers)];
  const body = block.request.body;
  if (body.type === 'form') templates.push(...Object.values(body.fields));
  if (body.type === 'json') collectStrings(body.value, templates);
  for (const source of templates) {
    for (const [, inner] of source.matchAll(/\{[{%]([\s\S]*?)[}%]\}/g)) {
      const name = PERSONAL_NAME.exec(inner ?? '')?.[1];
      if (name) return `request uses ${name}`;
    }
  }
  return undefined;
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) value.forEach((item) => collectStrings(item, into));
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach((item) => collectStrings(item, into));
}

/** The flow document's JSON Schema, for editors (generated from the zod schema: one source of truth). */
export function flowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(flowSchema, { io: 'input', unrepresentable: 'any' });
}
