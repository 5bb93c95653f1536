import { ApiProperty } from '@nestjs/swagger';
import { LeaseHolderModel } from '../../leases/models/lease.model';

const COUNT = (what: string) => ({ example: '256', description: `${what} (a decimal string: IPv6 counts exceed 2^53).` });

export class AddressMapPoolModel {
  @ApiProperty({ enum: ['range', 'cluster_pod', 'cluster_service'] }) kind!: 'range' | 'cluster_pod' | 'cluster_service';
  @ApiProperty({ example: '10.0.0.0/8' }) cidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) rangeId!: string | null;
  @ApiProperty({ type: String, nullable: true }) rangeName!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) clusterId!: string | null;
  @ApiProperty({ type: String, nullable: true }) clusterName!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 24,
    description: 'The one prefix length every lease of the pool has (node mask or single addresses); null for a range.',
  })
  leaseLength!: number | null;
}

/** Where a lease's own space can be drawn: the child range or the cluster CIDR it became. */
export class AddressMapInnerPoolModel {
  @ApiProperty({ enum: ['range', 'cluster_pod', 'cluster_service'] }) kind!: 'range' | 'cluster_pod' | 'cluster_service';
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'For a child range: GET /v1/ranges/{rangeId}/map.' })
  rangeId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'For a cluster CIDR: GET /v1/clusters/{clusterId}/map?kind=&family=.',
  })
  clusterId!: string | null;
  @ApiProperty({ enum: ['IPv4', 'IPv6'], nullable: true, type: String }) family!: 'IPv4' | 'IPv6' | null;
}

export class AddressMapLeaseModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '10.244.0.0/16' }) cidr!: string;
  @ApiProperty({ example: 'pod/IPv4' }) slot!: string;
  @ApiProperty({ type: LeaseHolderModel }) holder!: LeaseHolderModel;
  @ApiProperty({ description: 'A brownfield import accepted despite overlapping other leases (not counted in the cell).' })
  overlapAllowed!: boolean;
  @ApiProperty({ type: AddressMapInnerPoolModel, nullable: true, description: 'The pool this lease is carved into, to zoom into.' })
  innerPool!: AddressMapInnerPoolModel | null;
}

export class AddressMapCellModel {
  @ApiProperty({ example: 244, description: 'Position of the cell in the view, 0 to 2^depth − 1, in address order.' }) index!: number;
  @ApiProperty({ example: '10.244.0.0/16' }) prefix!: string;
  @ApiProperty(COUNT('Addresses leased in the cell, reservations excepted')) leased!: string;
  @ApiProperty(COUNT('Addresses reserved (reservations; addresses never handed out)')) reserved!: string;
  @ApiProperty(COUNT('Addresses free')) free!: string;
  @ApiProperty({ description: 'Leases in the cell (a lease larger than the cell counts in each cell it fills).' }) leaseCount!: number;
  @ApiProperty({
    type: [AddressMapLeaseModel],
    description: 'The first leases of the cell in address order (at most 3), with the pool each became.',
  })
  leases!: AddressMapLeaseModel[];
}

export class AddressMapModel {
  @ApiProperty({ type: AddressMapPoolModel }) pool!: AddressMapPoolModel;
  @ApiProperty({ example: '10.0.0.0/8', description: 'The prefix drawn.' }) prefix!: string;
  @ApiProperty({ example: 8, description: 'Cells are 2^depth; smaller than asked when the cells reach single addresses.' })
  depth!: number;
  @ApiProperty({ example: 16 }) cellPrefixLength!: number;
  @ApiProperty(COUNT('Addresses in the prefix')) total!: string;
  @ApiProperty(COUNT('Addresses leased in the prefix, reservations excepted')) leased!: string;
  @ApiProperty(COUNT('Addresses reserved in the prefix')) reserved!: string;
  @ApiProperty(COUNT('Addresses free in the prefix')) free!: string;
  @ApiProperty({ description: 'Leases in the prefix.' }) leaseCount!: number;
  @ApiProperty({
    type: AddressMapLeaseModel,
    nullable: true,
    description: 'A lease containing the whole prefix (the view was zoomed inside one lease).',
  })
  coveredBy!: AddressMapLeaseModel | null;
  @ApiProperty({ type: [AddressMapCellModel], description: 'The cells holding any lease, in address order; every other cell is free.' })
  cells!: AddressMapCellModel[];
}
