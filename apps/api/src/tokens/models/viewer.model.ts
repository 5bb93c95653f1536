import { ApiProperty } from '@nestjs/swagger';
import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ROLES } from '../dto/token.dto';

const DESCRIPTION = 'The token making the request: what a client may offer its user (a reader changes nothing).';

@ObjectType('Viewer', { description: DESCRIPTION })
export class ViewerModel {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id!: string;
  @ApiProperty() @Field() name!: string;
  @ApiProperty({ enum: ROLES, description: 'reader: reads only; writer: changes; admin: also tokens and the audit trail.' })
  @Field(() => String, { description: 'reader, writer or admin' })
  role!: (typeof ROLES)[number];
  @ApiProperty({ type: [String], description: 'Clusters a scoped writer may change (their nodes and Services); empty: unscoped.' })
  @Field(() => [ID], { description: 'Clusters a scoped writer may change; empty: unscoped.' })
  clusters!: string[];
}
