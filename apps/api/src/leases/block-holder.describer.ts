import { Inject, Injectable } from '@nestjs/common';
import { BlockTakenError, type HolderKind } from '@kipam/allocation';
import { Database } from '@kipam/persistence';
import { addressTaken } from '../common/problem';
import { ErrorDescriber } from '../common/problem.filter';
import { HoldersRepository, holderPhrase } from './holders.repository';

/**
 * A taken block answers 409 naming who holds it: the holder is looked up here,
 * once the refused request's transaction has ended (it cannot be asked any
 * more), on a connection of its own.
 */
@Injectable()
export class BlockHolderDescriber extends ErrorDescriber {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(HoldersRepository) private readonly holders: HoldersRepository,
  ) {
    super();
  }

  describe(error: unknown): Promise<unknown> | undefined {
    if (!(error instanceof BlockTakenError) || !error.holder) return undefined;
    const { kind, id } = error.holder;
    return this.holders
      .describeOne(this.db.reader, kind as HolderKind, id)
      .then((h) =>
        addressTaken(
          error,
          h && { name: h.name, namespace: h.namespace, clusterId: h.clusterId, clusterName: h.clusterName, phrase: holderPhrase(h) },
        ),
      );
  }
}
