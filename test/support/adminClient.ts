import type { LocalStack } from '../../local/localStack';

export interface AdminReply {
  status: number;
  headers: Headers;
  /** Parsed JSON (undefined for an empty or non-JSON body). */
  body: unknown;
  text: string;
}

export interface AdminClient {
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { key?: string | null; rawBody?: string | Buffer; headers?: Record<string, string> },
  ): Promise<AdminReply>;
  /** Every response body this client received, for scans (no secret may ever be in one). */
  readonly bodies: string[];
}

/** The admin API over real HTTP, as one workspace's key (or another key, or none, per call). */
export function adminClient(stack: LocalStack, key: string): AdminClient {
  const bodies: string[] = [];
  return {
    bodies,
    async call(method, path, body, options = {}) {
      const useKey = options.key === undefined ? key : options.key;
      const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: {
          ...(useKey !== null ? { authorization: `Bearer ${useKey}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(payload !== undefined ? { body: payload } : {}),
      });
      const text = await response.text();
      bodies.push(text);
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
  };
}

/**
 * Everything written to stdout and stderr from now on (where Powertools loggers write), kept from the
 * test output; `stop()` restores the streams and returns what was written.
 */
export function captureOutput(): { text(): string; logLines(from?: number): Record<string, unknown>[]; stop(): string } {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const capture = (chunk: unknown, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    callback?.();
    return true;
  };
  process.stdout.write = capture;
  process.stderr.write = capture;
  return {
    text: () => chunks.join(''),
    /** The structured log lines (Powertools JSON) written after the first `from` characters. */
    logLines: (from = 0) =>
      chunks
        .join('')
        .slice(from)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stop() {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
      return chunks.join('');
    },
  };
}
