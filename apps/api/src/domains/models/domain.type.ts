import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../graphql/types';

@ObjectType('Domain', { description: 'A routing domain: CIDRs in one domain must not overlap where they route.' })
export class DomainType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const DomainConnection = Connection(DomainType, 'Domain');

@InputType()
export class CreateDomainInput {
  @Field() name!: string;
  @Field({ nullable: true }) description?: string;
}

@InputType({ description: 'The mutable fields of a domain (its name is immutable).' })
export class UpdateDomainInput {
  @Field({ nullable: true, description: 'null clears it.' }) description?: string;
}
