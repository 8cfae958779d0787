import net from 'node:net';

/**
 * The hosts each workspace secret may be sent to. No dependency beyond node: the store imports this,
 * and every Lambda (the webhooks too) loads the store.
 */
const allowedHostsBySecrets = new WeakMap<object, Readonly<Record<string, readonly string[]>>>();

/**
 * Attach each secret's allowed hosts to the record of secret values (they travel with it, unseen by
 * `Object.keys`, JSON or masking): the store does this when it reads a workspace's secrets, and a card
 * checks them before connecting. A secret without an entry may go to any host.
 */
export function withAllowedHosts<T extends Record<string, string>>(
  secrets: T,
  allowedHosts: Readonly<Record<string, readonly string[]>>,
): T {
  allowedHostsBySecrets.set(secrets, allowedHosts);
  return secrets;
}

/** The hosts a secret may be sent to; undefined when it may go to any host. */
export function allowedHostsOf(secrets: Readonly<Record<string, string>>, name: string): readonly string[] | undefined {
  const hosts = allowedHostsBySecrets.get(secrets);
  return hosts && Object.hasOwn(hosts, name) ? hosts[name] : undefined;
}

/**
 * A host name as a URL's host compares: lower case, punycode, canonical IP form, no brackets and no
 * trailing dot. Undefined for anything that is not a bare host (a scheme, port, path, user or `*`).
 */
export function normalizeHost(entry: string): string | undefined {
  const bare = entry.trim();
  if (bare === '' || /[/?#@*\s\\%]/.test(bare)) return undefined;
  const ipv6 = net.isIPv6(bare.replace(/^\[(.*)\]$/, '$1'));
  if (!ipv6 && bare.includes(':')) return undefined;
  let url: URL;
  try {
    url = new URL(`https://${ipv6 && !bare.startsWith('[') ? `[${bare}]` : bare}/`);
  } catch {
    return undefined;
  }
  if (url.port !== '' || url.pathname !== '/' || url.username !== '' || url.password !== '') return undefined;
  return hostOf(url);
}

function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** The host a request URL goes to, compared the same way; undefined when the URL does not parse. */
export function requestHost(url: string): string | undefined {
  try {
    return hostOf(new URL(url));
  } catch {
    return undefined;
  }
}
