import { LRUCache } from 'lru-cache';
import type { RateGrant } from './ipc';

/** Keys (tokens, client addresses) remembered at once; the least recently seen one goes first. */
const MAX_KEYS = 10_000;

/**
 * The rate limit's counts for the whole server, kept by the primary: each
 * worker takes requests from a key's window in chunks, so the limit holds for
 * all workers together and costs one IPC message per chunk, not per request.
 * Fixed windows, as @fastify/rate-limit's own store.
 */
export class RateGrants {
  private readonly windows = new LRUCache<string, { resetAt: number; total: number }>({ max: MAX_KEYS });

  take(key: string, want: number, max: number, windowMs: number, now = Date.now()): RateGrant {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { resetAt: now + windowMs, total: 0 };
      this.windows.set(key, w);
    }
    const granted = Math.max(0, Math.min(want, max - w.total));
    w.total += granted;
    return { granted, total: w.total, resetAt: w.resetAt };
  }
}

interface Entry {
  resetAt: number;
  /** requests this worker may still let through in the window */
  left: number;
  /** the server-wide count this worker knows of (for the x-ratelimit headers) */
  count: number;
  exhausted: boolean;
  /** requests waiting for a grant being asked for */
  queue?: { cb: Callback; retry: () => void }[];
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * @fastify/rate-limit store for a worker: requests are let through from the
 * chunks the primary grants (see RateGrants). A chunk is a sixteenth of the
 * limit's share per worker, so workers hold at most a sixteenth of the limit
 * between them unused: the limit is exact for small limits, within 1/16 above.
 */
export function sharedRateLimitStore(
  ask: (key: string, want: number, max: number, windowMs: number) => Promise<RateGrant>,
  workers: number,
) {
  return class SharedRateLimitStore {
    private readonly entries = new LRUCache<string, Entry>({ max: MAX_KEYS });

    incr(key: string, cb: Callback, timeWindow: number, max: number): void {
      const now = Date.now();
      let e = this.entries.get(key);
      if (e && e.resetAt <= now && !e.queue) {
        this.entries.delete(key);
        e = undefined;
      }
      const retry = () => this.incr(key, cb, timeWindow, max);
      if (e?.queue) {
        e.queue.push({ cb, retry });
        return;
      }
      if (e && e.left > 0) {
        e.left--;
        e.count++;
        return cb(null, { current: e.count, ttl: e.resetAt - now });
      }
      if (e?.exhausted) return cb(null, { current: max + 1, ttl: e.resetAt - now });
      const entry: Entry = e ?? { resetAt: now + timeWindow, left: 0, count: 0, exhausted: false };
      entry.queue = [{ cb, retry }];
      this.entries.set(key, entry);
      const want = Math.max(1, Math.floor(max / (workers * 16)));
      ask(key, want, max, timeWindow).then(
        (grant) => {
          const queue = entry.queue ?? [];
          entry.queue = undefined;
          entry.resetAt = grant.resetAt;
          entry.left = grant.granted;
          entry.count = grant.total - grant.granted;
          entry.exhausted = grant.granted === 0;
          for (const waiting of queue) waiting.retry();
        },
        () => {
          // the primary did not answer (it is shutting down): let the waiting requests through rather than fail them
          const queue = entry.queue ?? [];
          entry.queue = undefined;
          this.entries.delete(key);
          for (const waiting of queue) waiting.cb(null, { current: 0, ttl: timeWindow });
        },
      );
    }

    child(): SharedRateLimitStore {
      return new SharedRateLimitStore();
    }
  };
}
