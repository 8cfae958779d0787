import type * as z from 'zod';

/**
 * A value from a request, safe to log: short plain strings as they are, anything else as its kind and
 * length (never the full value of a field that failed its bound).
 */
export function forLog(value: unknown, max = 64): string {
  if (typeof value === 'string')
    return value.length <= max && /^[\w .:@/=+$-]*$/.test(value) ? value : `<string of ${value.length} characters>`;
  if (value === undefined || value === null) return String(value);
  return `<${Array.isArray(value) ? 'array' : typeof value}>`;
}

/** A zod error as `path: message` pairs for a log line (the messages never quote the value itself). */
export function describeIssues(error: z.ZodError, max = 3): string {
  const described = error.issues
    .slice(0, max)
    .map((issue) => `${issue.path.map((p) => forLog(String(p), 32)).join('.') || '(root)'}: ${issue.message}`);
  return error.issues.length > max ? `${described.join('; ')}; …` : described.join('; ');
}
