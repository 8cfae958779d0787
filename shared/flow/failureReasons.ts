/**
 * Why a card failed: `failure.reason` in the blocks after it, and the keys of its `onReason`. The one
 * list (README "How to configure a card" explains each); the flow schema's `failureReasonSchema` is
 * built from it, and the console (which loads no zod) offers it as it is. The execution log keeps its
 * finer reasons (`http_404`, `blocked`, `port 8443 not allowed …`), each of which falls under one of these.
 */
export const FAILURE_REASONS = [
  /** The brand answered 4xx (`failure.status` says which). */
  'http_4xx',
  /** The brand answered 5xx. */
  'http_5xx',
  /** An answer below 400 that is not a success: `successWhen` said no (or, without it, a status outside 2xx such as 304). */
  'success_condition',
  /** No answer within `timeoutMs`. */
  'timeout',
  /** Connection refused or reset, DNS or TLS failure. */
  'network',
  /** A JSON answer (or, with `expect: "messages"`, any answer) whose body is not valid JSON. */
  'invalid_json',
  /** `expect: "messages"` and the answer is not valid callcard messages. */
  'invalid_messages',
  /** The answer is larger than 1 MiB. */
  'too_large',
  /** The brand failed too often: its cards fail fast for a while without calling it. */
  'circuit_open',
  /** callcard's outbound guard refused the call: a non-public address, a port not allowed, a secret not allowed for the host, a redirect it would not follow. */
  'guard',
  /** The request could not be built or signed: a template in it that does not render, a secret not set, an invalid signing secret. */
  'config',
  /**
   * The answer breaks the card's response contract (`contract`, README "Response contracts"): a field
   * missing, of another type, an array empty that must not be. Not retried, not counted against the brand.
   */
  'contract',
  /** The card succeeded but a block after it could not render its answer (an answer of an unexpected shape). */
  'template',
  /**
   * The customer message's budget ran out: its cards together may wait 15 s on brands and run 10
   * times (TURN_BUDGET, shared/engine/runTurn.ts). A card past it is not called; one cut short by it fails.
   */
  'budget',
  /**
   * A card waiting for the brand's callback (`callback`): the brand accepted the work (202) but no
   * valid callback came within the card's `callback.timeoutSeconds`.
   */
  'callback_timeout',
] as const;
