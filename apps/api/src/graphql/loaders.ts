import DataLoader from 'dataloader';
import type { AuthenticatedRequest } from '../common/auth.guard';

/**
 * Per-request batch loaders: nested fields of many parents cost one SQL
 * statement per kind of child, not one per parent. Each feature registers its
 * own under a key (e.g. `domains.byId` in domains.resolver.ts), created on
 * first use in a request and kept for the rest of it.
 */
export class Loaders {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  /** The loader kept for this request under `key`, made by `create` the first time. */
  get<K, V>(key: string, create: () => DataLoader<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(key);
    if (!loader) {
      loader = create();
      this.loaders.set(key, loader);
    }
    return loader as DataLoader<K, V>;
  }

  /** A loader by string key over `fetch`, which answers a batch as a map; a key missing from it loads `missing`. */
  keyed<V>(key: string, fetch: (keys: readonly string[]) => Promise<Map<string, V>>, missing: V): DataLoader<string, V> {
    return this.get(
      key,
      () =>
        new DataLoader<string, V>(async (keys) => {
          const found = await fetch(keys);
          return keys.map((k) => found.get(k) ?? missing);
        }),
    );
  }
}

export interface GraphQLContext {
  req: AuthenticatedRequest;
  loaders: Loaders;
}
