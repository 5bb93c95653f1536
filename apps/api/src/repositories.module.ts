import { Global, Module } from '@nestjs/common';
import { AddressMapRepository } from './address-map/address-map.repository';
import { AuditRepository } from './audit/audit.repository';
import { CapacityRepository } from './capacity/capacity.repository';
import { ClustersRepository } from './clusters/clusters.repository';
import { IdempotencyRepository } from './common/idempotency.repository';
import { NameLocksRepository } from './common/name-locks.repository';
import { ConflictsRepository } from './conflicts/conflicts.repository';
import { DomainsRepository } from './domains/domains.repository';
import { EventsRepository } from './events/events.repository';
import { HoldersRepository } from './leases/holders.repository';
import { LeasesRepository } from './leases/leases.repository';
import { MetricsRepository } from './metrics/metrics.repository';
import { NodesRepository } from './nodes/nodes.repository';
import { PodPoolsRepository } from './pod-pools/pod-pools.repository';
import { RangesRepository } from './ranges/ranges.repository';
import { ServiceCidrsRepository } from './clusters/service-cidrs.repository';
import { ServicesRepository } from './services/services.repository';
import { TokensRepository } from './tokens/tokens.repository';
import { WebhooksRepository } from './webhooks/webhooks.repository';

/**
 * Every repository, for every service. A repository holds the SQL of the
 * tables it owns and no state (the transaction is a parameter), so a feature
 * reads another feature's table through that table's repository without
 * importing the other feature's module: clusters calls into nodes and
 * Services, which read clusters through ClustersRepository.
 */
const REPOSITORIES = [
  AddressMapRepository,
  AuditRepository,
  CapacityRepository,
  ClustersRepository,
  ConflictsRepository,
  DomainsRepository,
  EventsRepository,
  HoldersRepository,
  IdempotencyRepository,
  LeasesRepository,
  MetricsRepository,
  NameLocksRepository,
  NodesRepository,
  PodPoolsRepository,
  RangesRepository,
  ServiceCidrsRepository,
  ServicesRepository,
  TokensRepository,
  WebhooksRepository,
];

@Global()
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
