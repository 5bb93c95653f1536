import { RateGrants, sharedRateLimitStore } from './shared-rate-limit';
import type { RateGrant } from './ipc';

describe(RateGrants.name, () => {
  it('grants up to the limit per window, across askers, and opens a new window when one ends', () => {
    const grants = new RateGrants();
    expect(grants.take('k', 4, 10, 60_000, 1000)).toEqual({ granted: 4, total: 4, resetAt: 61_000 });
    expect(grants.take('k', 4, 10, 60_000, 2000)).toEqual({ granted: 4, total: 8, resetAt: 61_000 });
    expect(grants.take('k', 4, 10, 60_000, 3000)).toEqual({ granted: 2, total: 10, resetAt: 61_000 });
    expect(grants.take('k', 4, 10, 60_000, 4000)).toEqual({ granted: 0, total: 10, resetAt: 61_000 });
    expect(grants.take('other', 4, 10, 60_000, 4000)).toEqual({ granted: 4, total: 4, resetAt: 64_000 });
    expect(grants.take('k', 4, 10, 60_000, 61_000)).toEqual({ granted: 4, total: 4, resetAt: 121_000 });
  });
});

describe('sharedRateLimitStore', () => {
  /** Two workers' stores over one RateGrants, as the primary keeps it; `asked` counts the IPC messages. */
  function twoWorkers(max: number) {
    const grants = new RateGrants();
    let asked = 0;
    const ask = (key: string, want: number, m: number, windowMs: number): Promise<RateGrant> => {
      asked++;
      return Promise.resolve(grants.take(key, want, m, windowMs));
    };
    const Store = sharedRateLimitStore(ask, 2);
    const stores = [new Store(), new Store()];
    const incr = (worker: number) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) =>
        stores[worker].incr('token:a', (error, result) => (error ? reject(error) : resolve(result!)), 60_000, max),
      );
    return { incr, asked: () => asked };
  }

  it('holds the limit for all workers together', async () => {
    const { incr } = twoWorkers(40);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => incr(i % 3 === 0 ? 0 : 1)));
    expect(results.filter((r) => r.current <= 40)).toHaveLength(40);
    expect(results.filter((r) => r.current > 40)).toHaveLength(60);
    for (const r of results) expect(r.ttl).toBeGreaterThan(59_000);
  });

  it('asks the primary once per chunk, not once per request', async () => {
    const { incr, asked } = twoWorkers(6000);
    for (let i = 0; i < 1000; i++) await incr(i % 2);
    // chunks of 6000 / (2 workers × 16) = 187
    expect(asked()).toBeLessThanOrEqual(8);
    const last = await incr(0);
    expect(last.current).toBeLessThanOrEqual(1001 + 187);
  });

  it('lets requests through when the primary does not answer', async () => {
    const Store = sharedRateLimitStore(() => Promise.reject(new Error('gone')), 2);
    const store = new Store();
    const result = await new Promise<{ current: number }>((resolve) => store.incr('k', (_e, r) => resolve(r!), 60_000, 1));
    expect(result.current).toBeLessThanOrEqual(1);
  });
});
