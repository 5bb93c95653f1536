/** What a token may do: read, change (optionally only some clusters), or also manage tokens and read the audit trail. */
export type Role = 'reader' | 'writer' | 'admin';

/** Who is calling: resolved from the bearer token on every request. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** Clusters a scoped writer may change; empty = unscoped. */
  clusters: string[];
}

/**
 * The principal of a bearer token's secret, or null when it is unknown,
 * revoked or expired. The tokens feature provides it (TokenService); the auth
 * guard asks it.
 */
export abstract class PrincipalSource {
  abstract authenticate(secret: string): Promise<Principal | null>;
}
