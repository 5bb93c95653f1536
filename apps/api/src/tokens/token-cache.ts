import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Database, type Subscription } from '@kipam/persistence';
import type { Principal } from '../common/principal';

export const TOKEN_CACHE_OPTIONS = Symbol('TOKEN_CACHE_OPTIONS');

export interface TokenCacheOptions {
  /** How long a principal may be reused without asking the database; 0 turns the cache off. */
  seconds: number;
}

/** The channel the `api_token` trigger notifies on every committed change (prisma/sql/tokens/kipam_api_token_changed.sql). */
export const TOKEN_CHANNEL = 'kipam_api_token';

/** Distinct tokens kept per process; the least recently used one goes first. */
const MAX_ENTRIES = 10_000;

/**
 * Principals of recently seen tokens, by secret hash, so that a request does
 * not need a round trip to check its token. Safe across replicas because it
 * is used only while this process listens on TOKEN_CHANNEL:
 * - any committed change to any token empties it on every process;
 * - while the listening connection is down (notifications could be missed)
 *   nothing is read from it or added to it, and it is emptied again when the
 *   connection is back;
 * - a lookup that was under way when the cache was emptied is not added
 *   (its row may predate the change), see `generation`;
 * - an entry never outlives the token's `expires_at`, measured by the
 *   database's clock.
 */
@Injectable()
export class TokenCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenCache.name);
  private readonly entries?: LRUCache<string, Principal>;
  private subscription?: Subscription;
  private wasUp = false;
  /** Bumped each time the cache is emptied: a lookup started before then must not be added. */
  generation = 0;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(TOKEN_CACHE_OPTIONS) private readonly options: TokenCacheOptions,
  ) {
    if (options.seconds > 0) this.entries = new LRUCache<string, Principal>({ max: MAX_ENTRIES, ttl: options.seconds * 1000 });
  }

  onModuleInit(): void {
    if (!this.entries) return;
    this.subscription = this.db.listen(TOKEN_CHANNEL, {
      notify: () => this.clear(),
      up: () => {
        this.clear();
        if (!this.wasUp) this.logger.log(`listening on ${TOKEN_CHANNEL}: token checks are cached for ${this.options.seconds} s`);
        this.wasUp = true;
      },
      down: (error) => {
        this.clear();
        if (this.wasUp) {
          this.logger.warn(
            `lost the connection listening on ${TOKEN_CHANNEL} (${error?.message ?? 'closed'}): token checks go to the database until it is back`,
          );
        }
        this.wasUp = false;
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** True while entries may be used: the cache is on and its invalidation channel is up. */
  get active(): boolean {
    return this.entries !== undefined && this.subscription?.up === true;
  }

  get(secretHash: string): Principal | undefined {
    return this.active ? this.entries?.get(secretHash) : undefined;
  }

  /**
   * Keeps a principal read from the database by a lookup that began at
   * `generation`, for at most the configured time and at most `msLeft`
   * (the token's remaining lifetime; null when it never expires).
   */
  set(secretHash: string, principal: Principal, msLeft: number | null, generation: number): void {
    if (!this.active || generation !== this.generation) return;
    const ttl = Math.min(this.options.seconds * 1000, msLeft ?? Infinity);
    if (ttl >= 1) this.entries?.set(secretHash, principal, { ttl: Math.floor(ttl) });
  }

  /**
   * Forgets every entry. The notification does this on every process; the
   * process that made a change also calls it itself, so that its own next
   * request never waits on the notification.
   */
  clear(): void {
    this.generation++;
    this.entries?.clear();
  }
}
