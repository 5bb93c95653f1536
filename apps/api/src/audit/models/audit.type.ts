import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { GraphQLScalarType } from 'graphql';
import { Connection } from '../../graphql/types';

/** A resource snapshot as the REST API returns it; output only. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'A JSON value (a resource as the REST API returns it). Output only.',
  serialize: (v) => v,
  parseValue: () => {
    throw new TypeError('JSON is an output type');
  },
  parseLiteral: () => {
    throw new TypeError('JSON is an output type');
  },
});

@ObjectType('AuditRecord', { description: 'One change: who made it, to what, when, and the resource before and after.' })
export class AuditRecordType {
  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field({ description: 'Name of the token that made the change; `system` outside requests.' }) actor!: string;
  @Field({ description: 'create, update, delete, issue or revoke.' }) action!: string;
  @Field({ description: 'domain, range, reservation, cluster, node, service or token.' }) resource!: string;
  @Field() resourceId!: string;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => JSONScalar, { nullable: true }) before!: unknown;
  @Field(() => JSONScalar, { nullable: true }) after!: unknown;
  @Field(() => String, {
    nullable: true,
    description: 'Why, beyond the request: the observation a reconciliation adopted or released from.',
  })
  reason!: string | null;
}

export const AuditRecordConnection = Connection(AuditRecordType, 'AuditRecord');

@InputType({ description: 'Audit filters, combined with AND.' })
export class AuditFilter {
  @Field({ nullable: true }) resource?: string;
  @Field({ nullable: true }) resourceId?: string;
  @Field(() => ID, { nullable: true }) clusterId?: string;
  @Field({ nullable: true }) actor?: string;
  @Field({ nullable: true }) action?: string;
  @Field({ nullable: true, description: 'At or after this ISO 8601 date-time.' }) since?: string;
  @Field({ nullable: true, description: 'Before this ISO 8601 date-time.' }) until?: string;
}
