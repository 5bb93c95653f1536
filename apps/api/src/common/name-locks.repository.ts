import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

/**
 * One creator at a time per name. A create takes the lock of the name it
 * wants before it looks the name up, so concurrent creates of one name run
 * one after another: the first inserts, every later one finds the winner
 * (committed by then) and answers `already-exists` with its Location, or, for
 * an apply, updates it. Without the lock the losers would fail on whichever
 * constraint they reached first (the name's unique index, a declared CIDR's
 * lease) and answer with that. The lock is a transaction-scoped advisory lock,
 * so it ends with the transaction, commit or rollback.
 */
@Injectable()
export class NameLocksRepository {
  async lock(tx: Tx, kind: 'domain' | 'range' | 'cluster' | 'node' | 'service' | 'token', ...scope: string[]): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [kind, scope.join('/')]);
  }
}
