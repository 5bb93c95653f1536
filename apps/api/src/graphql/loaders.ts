import type DataLoader from 'dataloader';
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
}

export interface GraphQLContext {
  req: AuthenticatedRequest;
  loaders: Loaders;
}
