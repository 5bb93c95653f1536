import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Database, isPgError, PgCode, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { PrincipalSource, type Principal } from '../common/principal';
import { AlreadyExistsError, NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { NameLocksRepository } from '../common/name-locks.repository';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { withMeta } from '../common/response-meta';
import type { CreateTokenDto, ListTokensQuery } from './dto/token.dto';
import type { IssuedTokenModel, TokenModel } from './models/token.model';
import { TokenCache } from './token-cache';
import { ClustersRepository } from '../clusters/clusters.repository';
import { TokensRepository, type TokenRow } from './tokens.repository';

export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(): string {
  return `kipam_${randomBytes(32).toString('base64url')}`;
}

export function toTokenModel(row: TokenRow): TokenModel {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    clusters: row.clusters ?? [],
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

const tokenPath = (id: string) => `/v1/tokens/${id}`;

/**
 * Makes sure an admin can get in: `KIPAM_ADMIN_TOKEN` becomes the bootstrap
 * admin token; without it the first start generates one. Returns the
 * generated secret, if one was generated (to be printed once). Run once per
 * server, before any worker starts.
 */
export async function ensureBootstrapAdmin(tx: Tx, tokens: TokensRepository, configured: string | undefined): Promise<string | undefined> {
  if (configured) {
    await tokens.upsertAdmin(tx, BOOTSTRAP_TOKEN_NAME, hashSecret(configured));
    return undefined;
  }
  const secret = newSecret();
  return (await tokens.insertAdminIfMissing(tx, BOOTSTRAP_TOKEN_NAME, hashSecret(secret))) ? secret : undefined;
}

@Injectable()
export class TokenService implements PrincipalSource {
  private readonly logger = new Logger(TokenService.name);

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(TokensRepository) private readonly tokens: TokensRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(TokenCache) private readonly cache: TokenCache,
    @Inject(NameLocksRepository) private readonly names: NameLocksRepository,
  ) {}

  /** Issues a token; its secret is returned here once and only its hash is kept. */
  async create(dto: CreateTokenDto): Promise<IssuedTokenModel> {
    const clusters = [...new Set((dto.clusters ?? []).map((c) => c.toLowerCase()))];
    const problems: FieldError[] = [];
    if (clusters.length && dto.role !== 'writer') {
      problems.push({
        field: 'clusters',
        message: `only a writer can be scoped to clusters (a${dto.role === 'admin' ? 'n' : ''} ${dto.role} reads or manages everything)`,
      });
    }
    let expiresAt: Date | null = null;
    if (dto.expiresAt !== undefined) {
      expiresAt = new Date(dto.expiresAt);
      const year = expiresAt.getUTCFullYear();
      if (Number.isNaN(expiresAt.getTime()) || year > 9999)
        problems.push({ field: 'expiresAt', message: 'must be a date-time before year 10000' });
      else if (expiresAt.getTime() <= Date.now()) problems.push({ field: 'expiresAt', message: 'must be in the future' });
    }
    if (problems.length) throw new ValidationError(problems);
    return this.db.transaction(async (tx) => {
      await this.names.lock(tx, 'token', dto.name);
      const existing = await this.tokens.findByName(tx, dto.name);
      if (existing) throw new AlreadyExistsError('token', dto.name, tokenPath(existing.id));
      const known = await this.clusters.existingIds(tx, clusters);
      const unknown = clusters.map((c, i) => ({ c, i })).filter(({ c }) => !known.has(c));
      if (unknown.length) {
        throw new ValidationError(unknown.map(({ c, i }) => ({ field: `clusters[${i}]`, message: `no cluster ${c}` })));
      }
      const secret = newSecret();
      let row: TokenRow;
      try {
        row = await this.tokens.insert(tx, {
          id: randomUUID(),
          name: dto.name,
          role: dto.role,
          clusters,
          expiresAt,
          secretHash: hashSecret(secret),
        });
      } catch (error) {
        if (isPgError(error, PgCode.uniqueViolation)) {
          const winner = await this.tokens.findByName(this.db.reader, dto.name);
          throw new AlreadyExistsError('token', dto.name, winner && tokenPath(winner.id));
        }
        throw error;
      }
      const model = toTokenModel(row);
      await this.audit.record(tx, { action: 'issue', resource: 'token', resourceId: row.id, after: model });
      return withMeta({ ...model, secret }, { location: tokenPath(row.id) });
    });
  }

  async list(query: ListTokensQuery): Promise<Page<TokenModel>> {
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const rows = await this.tokens.list(this.db.reader, { after, limit });
    return toPage(rows, limit, toTokenModel, (r) => [r.name, r.id]);
  }

  async get(id: string): Promise<TokenModel> {
    const row = await this.tokens.findById(this.db.reader, id);
    if (!row) throw new NotFoundError('token', id);
    return toTokenModel(row);
  }

  /** Sets revoked_at: the next request with the token is refused, on every replica (see TokenCache). */
  async revoke(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.tokens.findById(tx, id, true);
      if (!row) throw new NotFoundError('token', id);
      if (row.revoked_at) return;
      const revoked = await this.tokens.revoke(tx, row.id);
      await this.audit.record(tx, {
        action: 'revoke',
        resource: 'token',
        resourceId: row.id,
        before: toTokenModel(row),
        after: toTokenModel(revoked),
      });
    });
    this.cache.clear();
  }

  /**
   * The principal for a secret, or null when unknown, revoked or expired.
   * Valid tokens are remembered by TokenCache, which every committed change
   * to a token empties on every replica; unknown ones are always looked up.
   */
  async authenticate(secret: string): Promise<Principal | null> {
    if (!secret || secret.length > 512) return null;
    const hash = hashSecret(secret);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const generation = this.cache.generation;
    const started = performance.now();
    const row = await this.tokens.findValidByHash(this.db.reader, hash);
    if (!row) return null;
    const principal: Principal = Object.freeze({
      tokenId: row.id,
      name: row.name,
      role: row.role,
      clusters: Object.freeze(row.clusters ?? []) as string[],
    });
    // ms_left was measured when the statement ran: the time since counts against it
    this.cache.set(hash, principal, row.ms_left === null ? null : row.ms_left - (performance.now() - started), generation);
    return principal;
  }

  /** See ensureBootstrapAdmin. */
  async ensureBootstrapAdmin(configured: string | undefined): Promise<string | undefined> {
    const secret = await ensureBootstrapAdmin(this.db.reader, this.tokens, configured);
    if (secret) this.logger.warn('generated the bootstrap admin token; it is shown once, store it now');
    return secret;
  }
}
