import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsResourceName, Nullable } from '../../common/validation';

export class CreateDomainDto {
  @ApiProperty({ example: 'prod-vpc', description: 'Unique name: lower case letters, digits and "-".' })
  @IsResourceName()
  name!: string;

  @ApiPropertyOptional({ maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;
}

export class UpdateDomainDto {
  @ApiPropertyOptional({ description: 'Immutable: accepted when equal to the current name, 422 otherwise.' })
  @IsOptional()
  @Allow()
  name?: unknown;

  @ApiPropertyOptional({ maxLength: 1024, nullable: true, description: 'null clears it.' })
  @Nullable()
  @IsString()
  @MaxLength(1024)
  description?: string | null;
}

export class ListDomainsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Exact name.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  name?: string;
}
