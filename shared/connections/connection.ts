import * as z from 'zod';
import type { CallApiBlock } from '../flow/schema';

/**
 * A connection (issue 20): a brand API named once per workspace, which cards call by name and path
 * instead of repeating its base URL and credentials in each card. It has a base URL per environment
 * (production for published flows on channels; staging for the console's Test and the simulator) and
 * says how callcard authenticates (the secrets it names are the workspace's, bound to hosts as
 * always). Stored per workspace (shared/store/connections.ts), edited through `/admin/connections`.
 */

/** The environments a connection may name a base URL (and secrets) for. */
export const ENVIRONMENTS = ['production', 'staging'] as const;
export const environmentSchema = z.enum(ENVIRONMENTS);
export type Environment = z.infer<typeof environmentSchema>;

/** A workspace secret's name, as `PUT /admin/secrets/{name}` accepts it. */
const secretNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a secret name: letters, digits or _ (at most 64)');

/** An https base URL, with a path prefix if the API has one; no query, fragment or credentials. */
const baseUrlSchema = z
  .string()
  .url('an absolute URL')
  .refine((value) => {
    if (/[{}]/.test(value) || !URL.canParse(value)) return false;
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      url.password === ''
    );
  }, 'an http(s) base URL without query, fragment, credentials or braces (https on AWS: the outbound guard refuses plain http)');

/** A token endpoint: an http(s) URL without credentials or fragment (a query is kept). */
const tokenUrlSchema = z.string().refine((value) => {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && url.username === '' && url.password === '';
}, 'an http(s) URL without credentials or fragment (https on AWS)');

/** One value per environment: production always, staging when the brand has one (else production serves both). */
function perEnvironment<T extends z.ZodType>(value: T) {
  return z.strictObject({ production: value, staging: value.optional() });
}

/** An HTTP header name (an RFC 9110 token). */
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'an HTTP header name');

export const connectionAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  /** A secret in a header (an API key, a long-lived token): `prefix` + the secret's value. */
  z.strictObject({
    type: z.literal('header'),
    header: headerNameSchema.default('authorization'),
    /** Text before the value, e.g. `Bearer ` (with its space). */
    prefix: z
      .string()
      .max(40)
      .regex(/^[^\r\n{}]*$/, 'plain text: no line break and no braces')
      .default(''),
    secret: perEnvironment(secretNameSchema),
  }),
  /**
   * OAuth 2.0 client credentials (RFC 6749 §4.4): callcard asks `tokenUrl` for an access token with the
   * client id and secret, sends it as `Authorization: Bearer …`, keeps it until shortly before it
   * expires (shared across executor instances through the table) and asks again once on a 401.
   */
  z.strictObject({
    type: z.literal('oauth2ClientCredentials'),
    tokenUrl: perEnvironment(tokenUrlSchema),
    clientId: perEnvironment(z.string().min(1).max(512)),
    /** The client secret, a workspace secret bound to the token URL's host. */
    clientSecret: perEnvironment(secretNameSchema),
    scope: z.string().max(1000).optional(),
    /** Some gateways (Auth0, Okta) want the API they issue for. */
    audience: z.string().max(1000).optional(),
    /** How the client authenticates to the token endpoint: HTTP Basic (RFC 6749's default) or in the form body. */
    clientAuthentication: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  }),
]);
export type ConnectionAuth = z.infer<typeof connectionAuthSchema>;

/**
 * Mutual TLS: the client certificate and its private key (PEM), and optionally a CA bundle (PEM) that
 * pins the brand's chain, each a workspace secret bound to the base URL's host.
 */
export const connectionTlsSchema = z.strictObject({
  certificate: perEnvironment(secretNameSchema),
  key: perEnvironment(secretNameSchema),
  ca: perEnvironment(secretNameSchema).optional(),
});

export const connectionSchema = z.strictObject({
  description: z.string().max(500).optional(),
  baseUrl: perEnvironment(baseUrlSchema),
  auth: connectionAuthSchema.default({ type: 'none' }),
  tls: connectionTlsSchema.optional(),
  /**
   * `perSecond`: at most this many requests a second to the brand, across every executor instance (each
   * call and retry of the connection's cards counts; per calendar second). `inFlight`: at most this many
   * requests to the brand at once, across every executor instance. A card over either waits its turn
   * instead of failing: shared/connections/rateCap.ts.
   */
  rateCap: z
    .strictObject({ perSecond: z.number().int().min(1).max(10_000).optional(), inFlight: z.number().int().min(1).max(1_000).optional() })
    .refine((cap) => cap.perSecond !== undefined || cap.inFlight !== undefined, { message: 'a rate cap sets perSecond, inFlight or both' })
    .optional(),
});
export type Connection = z.infer<typeof connectionSchema>;
export type ConnectionInput = z.input<typeof connectionSchema>;

/** The connections a card may name, by name (a workspace's, as the store reads them). */
export type Connections = Readonly<Record<string, Connection>>;

/** Why a card's connection cannot be used, or the card as it runs: base URL and credentials in place. */
export type ConnectedCard =
  | { ok: true; block: CallApiBlock; environment?: Environment; connection?: { name: string; config: Connection } }
  | { ok: false; reason: string };

/**
 * The card as it runs in `environment`: a card naming a connection gets the connection's base URL in
 * front of its path (`request.url`, which starts with `/`) and the connection's credentials as a header
 * written `{{ secrets.NAME }}`, so that every rule of header secrets applies unchanged (put in whole,
 * never seen by Liquid, sent only to the hosts the secret is bound to, masked in the log). A card
 * without a connection is returned as it is.
 */
export function connectCard(block: CallApiBlock, connections: Connections, environment: Environment): ConnectedCard {
  const name = block.request.connection;
  if (name === undefined) return { ok: true, block };
  const connection = Object.hasOwn(connections, name) ? connections[name] : undefined;
  if (!connection) return { ok: false, reason: `connection ${name} does not exist (PUT /admin/connections/${name})` };
  const ran: Environment = environment === 'staging' && connection.baseUrl.staging !== undefined ? 'staging' : 'production';
  const base = (ran === 'staging' ? connection.baseUrl.staging : undefined) ?? connection.baseUrl.production;
  const url = `${base.replace(/\/+$/, '')}${block.request.url}`;
  const headers = { ...block.request.headers };
  const { auth } = connection;
  if (auth.type === 'header') {
    const secret = (ran === 'staging' ? auth.secret.staging : undefined) ?? auth.secret.production;
    // The connection's credential wins over a card header of the same name, whatever its letter case.
    for (const name of Object.keys(headers)) if (name.toLowerCase() === auth.header.toLowerCase()) delete headers[name];
    headers[auth.header] = `${auth.prefix}{{ secrets.${secret} }}`;
  }
  if (auth.type === 'oauth2ClientCredentials') {
    // The access token is put in by the card runner (shared/connections/oauth2.ts), never by a template.
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
  }
  return {
    ok: true,
    block: { ...block, request: { ...block.request, url, headers } },
    environment: ran,
    connection: { name, config: connection },
  };
}

/** The secrets a connection names (for publishing's check that the workspace has them). */
export function connectionSecrets(connection: Connection): string[] {
  const { auth, tls } = connection;
  const both = (values: { production: string; staging?: string | undefined } | undefined) =>
    values ? [values.production, ...(values.staging ? [values.staging] : [])] : [];
  const forAuth = auth.type === 'header' ? both(auth.secret) : auth.type === 'oauth2ClientCredentials' ? both(auth.clientSecret) : [];
  return [...new Set([...forAuth, ...both(tls?.certificate), ...both(tls?.key), ...both(tls?.ca)])];
}

/** A value of a connection for the environment a card runs in: staging's when it has one, else production's. */
export function forEnvironment<T>(values: { production: T; staging?: T | undefined }, environment: Environment): T {
  return (environment === 'staging' ? values.staging : undefined) ?? values.production;
}
