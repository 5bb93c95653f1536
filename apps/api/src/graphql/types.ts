import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { encodeCursor } from '../common/pagination';

/** Shared GraphQL vocabulary: families, policies, assignments, labels, connections. */

export enum IPFamily {
  IPv4 = 'IPv4',
  IPv6 = 'IPv6',
}
registerEnumType(IPFamily, { name: 'IPFamily', description: 'An IP address family.' });

export enum IPFamilyPolicy {
  SingleStack = 'SingleStack',
  PreferDualStack = 'PreferDualStack',
  RequireDualStack = 'RequireDualStack',
}
registerEnumType(IPFamilyPolicy, { name: 'IPFamilyPolicy', description: "A Service's `spec.ipFamilyPolicy`." });

export enum Stack {
  IPv4 = 'IPv4',
  IPv6 = 'IPv6',
  DualStack = 'DualStack',
}
registerEnumType(Stack, { name: 'Stack' });

export enum RangePurpose {
  pod = 'pod',
  service = 'service',
  any = 'any',
}
registerEnumType(RangePurpose, { name: 'RangePurpose' });

export enum HolderKind {
  range = 'range',
  cluster = 'cluster',
  node = 'node',
  service = 'service',
  reservation = 'reservation',
  system = 'system',
}
registerEnumType(HolderKind, { name: 'HolderKind', description: 'What holds a lease.' });

export enum CidrRelation {
  identical = 'identical',
  contains = 'contains',
  within = 'within',
}
registerEnumType(CidrRelation, { name: 'CidrRelation', description: 'How one CIDR relates to another it overlaps.' });

/** A dual-stack CIDR value, in the holder's family order. */
@ObjectType({ description: 'One family of a dual-stack CIDR value (pod or service CIDR, node pod CIDR).' })
export class CidrAssignment {
  @Field(() => IPFamily) family!: IPFamily;
  @Field({ description: 'Canonical form (RFC 5952 for IPv6).' }) cidr!: string;
}

@ObjectType({ description: 'One family of a dual-stack address value (a ClusterIP).' })
export class AddressAssignment {
  @Field(() => IPFamily) family!: IPFamily;
  @Field() address!: string;
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/** A Relay-style connection type for T. */
export function Connection<T>(item: Type<T>, name: string): Type<ConnectionShape<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field() cursor!: string;
    @Field(() => item) node!: T;
  }
  @ObjectType(`${name}Connection`, { isAbstract: false })
  class ConnectionClass {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => [item], { description: 'The nodes of the edges, for convenience.' }) nodes!: T[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

/** Builds a connection from a REST-style page whose cursors are per item. */
export function toConnection<T>(items: T[], cursors: string[], nextCursor: string | null): ConnectionShape<T> {
  return {
    edges: items.map((node, i) => ({ node, cursor: cursors[i] })),
    nodes: items,
    pageInfo: { hasNextPage: nextCursor !== null, endCursor: nextCursor ?? cursors[cursors.length - 1] ?? null },
  };
}

export const DEFAULT_FIRST = 50;
export const MAX_FIRST = 500;
export const Count = Int;

function parseLabels(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new TypeError('Labels must be an object of string values');
  }
  return value as Record<string, string>;
}

function literalLabels(ast: ValueNode): Record<string, string> {
  if (ast.kind !== Kind.OBJECT) throw new TypeError('Labels must be an object of string values');
  const out: Record<string, string> = {};
  for (const f of ast.fields) {
    if (f.value.kind !== Kind.STRING) throw new TypeError(`label ${f.name.value} must be a string`);
    out[f.name.value] = f.value.value;
  }
  return out;
}

export const LabelsScalar = new GraphQLScalarType({
  name: 'Labels',
  description: 'Kubernetes-style labels: an object of string keys to string values, e.g. {"env": "prod"}.',
  serialize: (v) => parseLabels(v),
  parseValue: (v) => parseLabels(v),
  parseLiteral: (ast) => literalLabels(ast),
});

/** Complexity of a connection field: its page size times what each item asks for. */
export const connectionComplexity = ({ args, childComplexity }: { args: { first?: number | null }; childComplexity: number }) =>
  Math.min(Number(args.first ?? DEFAULT_FIRST), MAX_FIRST) * Math.max(childComplexity, 1);

/**
 * A connection from a REST-style page. Each edge's cursor is the item's sort
 * key, encoded like the page's nextCursor, so any edge can be passed as `after`.
 */
export function connectionOf<M, T>(
  page: { items: M[]; nextCursor: string | null },
  map: (m: M) => T,
  keyOf: (m: M) => (string | number)[],
): ConnectionShape<T> {
  return toConnection(
    page.items.map(map),
    page.items.map((m) => encodeCursor(keyOf(m))),
    page.nextCursor,
  );
}
