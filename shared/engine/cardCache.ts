import { createHash } from 'node:crypto';
import type { ResolvedMessage } from '../messages/message';
import { judgingValues, type CardJudging, type CardResponse } from './callApi';

export interface CachedCard {
  response: CardResponse;
  messages?: ResolvedMessage[];
  storedAt: number;
  /** Kept no longer than this (ttl + stale-if-error), in ms since the epoch. */
  keepUntil: number;
  bytes: number;
}

export interface CardCacheOptions {
  /** @default 500 */
  maxEntries?: number;
  /** @default 8 MiB */
  maxBytes?: number;
  /** Larger answers are not kept. @default 256 KiB */
  maxEntryBytes?: number;
}

/**
 * Successful answers of cacheable cards (`cache` on the card: non-personal data only), in memory per
 * process, each workspace's under its own keys ({@link cardCacheKey}), bounded by entries and bytes
 * (least recently used out first).
 */
export class CardCache {
  private readonly entries = new Map<string, CachedCard>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;

  constructor(options: CardCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.maxEntryBytes = options.maxEntryBytes ?? 256 * 1024;
  }

  get(key: string, now: number): CachedCard | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.remove(key);
    if (now >= entry.keepUntil) return undefined;
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    return entry;
  }

  set(key: string, value: { response: CardResponse; messages?: ResolvedMessage[] }, now: number, keepForMs: number): void {
    const bytes = Buffer.byteLength(JSON.stringify(value)) + key.length;
    this.remove(key);
    if (bytes > this.maxEntryBytes || keepForMs <= 0) return;
    this.entries.set(key, { ...value, storedAt: now, keepUntil: now + keepForMs, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  /** The key of a workspace's card request ({@link cardCacheKey}): a method, so that code without a cache (the admin's dry run) bundles none of this. */
  key(workspaceId: string, request: CardRequestForKey, judging: CardJudging): string {
    return cardCacheKey(workspaceId, request, judging);
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

/** What of a card's request its cache key is made of. */
export interface CardRequestForKey {
  method: string;
  url: string;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
}

/**
 * The cache key of a card's request: the workspace (an answer fetched with one workspace's secrets and
 * signature is never served to another, even for the very same request), method, URL, headers (the
 * per-job `idempotency-key` left out), body, and how the card judges it (every one of callApi.ts's
 * JUDGING_FIELDS, the list the judge itself is given: a new one changes the key with no change here); hashed.
 */
export function cardCacheKey(workspaceId: string, request: CardRequestForKey, judging: CardJudging): string {
  const headers = Object.entries(request.headers ?? {})
    .filter(([name]) => name !== 'idempotency-key')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([workspaceId, request.method, request.url, headers, request.body ?? null, ...judgingValues(judging)]))
    .digest('base64url');
}

/** The executor's cache: one per process. */
export const processCardCache = new CardCache();
