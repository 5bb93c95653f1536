import { ApiProperty } from '@nestjs/swagger';

export class DomainModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'default' }) name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class DomainPage {
  @ApiProperty({ type: [DomainModel] }) items!: DomainModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
