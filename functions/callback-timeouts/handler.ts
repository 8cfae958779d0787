/** The callback timeouts' consumer as a Lambda of its own (infra/functions.ts): it only uses callbacks and queues jobs. */
export { timeoutHandler as handler } from '../callbacks/handler';
