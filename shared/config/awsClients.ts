/**
 * Settings every callcard AWS client is built with. `cacheMiddleware` resolves each command's
 * middleware stack once per client instead of on every call (the SDK otherwise rebuilds and sorts the
 * whole stack per `send`: about a third of its CPU per call). Middleware added after a client's first
 * call is not seen, so add any before. (lib-dynamodb's document client refuses this option, which is
 * why the store sends its commands through shared/store/documentClient.ts.)
 */
export const AWS_CLIENT_DEFAULTS = { cacheMiddleware: true } as const;
