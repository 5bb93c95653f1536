import { ApiProperty } from '@nestjs/swagger';
import { ROLES } from '../dto/token.dto';

export class TokenModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: (typeof ROLES)[number];
  @ApiProperty({ type: [String], description: 'Clusters a scoped writer may change; empty: unscoped.' }) clusters!: string[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set by DELETE; a revoked token is refused (401).' })
  revokedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
}

export class IssuedTokenModel extends TokenModel {
  @ApiProperty({ description: 'The bearer secret. Shown only in this response: only its SHA-256 hash is stored.' })
  secret!: string;
}

export class TokenPage {
  @ApiProperty({ type: [TokenModel] }) items!: TokenModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
