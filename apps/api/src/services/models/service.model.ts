import { ApiProperty } from '@nestjs/swagger';
import type { IPFamily } from '@kipam/cidr';
import { IP_FAMILIES, IP_FAMILY_POLICIES, SERVICE_TYPES, type IPFamilyPolicy, type ServiceType } from '../service-ip-rules';

/** A Kubernetes Service of a cluster with its ClusterIPs, as `kubectl get svc -o yaml` shows the fields. */
export class ServiceModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({ example: 'default' }) namespace!: string;
  @ApiProperty({ example: 'my-service' }) name!: string;
  @ApiProperty({ enum: SERVICE_TYPES }) type!: ServiceType;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true }) selector!: Record<string, string> | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '10.96.0.10',
    description: 'clusterIPs[0]; "None" when headless, null for ExternalName.',
  })
  clusterIP!: string | null;
  @ApiProperty({ type: [String], example: ['10.96.0.10', 'fd00:10:96::a'], description: 'In ipFamilies order; ["None"] when headless.' })
  clusterIPs!: string[];
  @ApiProperty({ enum: IP_FAMILIES, isArray: true }) ipFamilies!: IPFamily[];
  @ApiProperty({ enum: IP_FAMILY_POLICIES, nullable: true, description: 'null for ExternalName.' }) ipFamilyPolicy!: IPFamilyPolicy | null;
  @ApiProperty({ description: 'clusterIP is "None": no address is leased.' }) headless!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ServicePage {
  @ApiProperty({ type: [ServiceModel] }) items!: ServiceModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
