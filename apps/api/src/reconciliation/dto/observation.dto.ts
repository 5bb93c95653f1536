import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsLabels, IsResourceName } from '../../common/validation';
import { IsCidrEntries, type CidrEntry } from '../../clusters/dto/cidr-entry';

export const APPLY_MODES = ['adopt', 'release'] as const;
export type ApplyMode = (typeof APPLY_MODES)[number];

export class ObservationQuery {
  @ApiPropertyOptional({
    enum: APPLY_MODES,
    description:
      'Without it the report is a dry run and nothing changes. `adopt`: Kipam records what the cluster runs for unmanaged and mismatched objects (never conflicting ones); `release`: frees the leases of leaked records. One transaction, audited with the observation as the reason.',
  })
  @IsOptional()
  @IsIn(APPLY_MODES)
  apply?: ApplyMode;
}

const K8S_VERSION = /^v?\d{1,3}\.\d{1,3}(\.\d{1,4}([-+][0-9A-Za-z.-]{1,64})?)?$/;

/** A cluster created from an observation: what the body leaves out comes from the kubeadm ConfigMap and the nodes. */
export class ImportClusterDto {
  @ApiProperty({ example: 'brownfield-1', description: 'Unique in its domain.' })
  @IsResourceName()
  name!: string;

  @ApiPropertyOptional({ example: 'default', description: 'Domain id or name; `default` when omitted.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  domain?: string;

  @ApiProperty({
    description:
      'The cluster as Kubernetes prints it: a List (or an array of lists) of Nodes, Services, ServiceCIDRs and the kubeadm-config ConfigMap, as JSON, or the same as YAML text.',
    oneOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: { type: 'object' } }, { type: 'string' }],
  })
  @IsDefined()
  observation!: unknown;

  @ApiPropertyOptional({
    type: [String],
    example: ['10.244.0.0/16'],
    description: "Pod CIDRs (`--cluster-cidr`); default: the kubeadm ClusterConfiguration's networking.podSubnet.",
  })
  @IsOptional()
  @IsCidrEntries()
  podCidrs?: CidrEntry[];

  @ApiPropertyOptional({
    type: [String],
    example: ['10.96.0.0/16'],
    description: 'Service CIDRs; default: networking.serviceSubnet, else the ServiceCIDR named kubernetes.',
  })
  @IsOptional()
  @IsCidrEntries()
  serviceCidrs?: CidrEntry[];

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 32,
    description: "Default: kube-controller-manager's extraArgs in the ConfigMap, else the nodes' IPv4 blocks, else 24.",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(32)
  nodeMaskSizeIPv4?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 128, description: 'Default: as for IPv4, else 64.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(128)
  nodeMaskSizeIPv6?: number;

  @ApiPropertyOptional({
    example: '1.31',
    description: "Default: the newest kubelet version of the nodes, else the ConfigMap's kubernetesVersion.",
  })
  @IsOptional()
  @IsString()
  @Matches(K8S_VERSION, { message: 'must be a Kubernetes version such as 1.31 or v1.31.2' })
  kubernetesVersion?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsLabels()
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    description:
      "Default: true when the cluster's CIDRs collide with another cluster or a range's space in the domain (it then shows up in /v1/conflicts), false otherwise. false refuses such an import (409).",
  })
  @IsOptional()
  @IsBoolean()
  allowConflicts?: boolean;
}
