import { ApiProperty } from '@nestjs/swagger';
import { validatorFrom } from '../../common/validation';
import { serviceCidrNameProblem } from '../service-cidr-rules';
import { IsCidrEntries, type CidrEntry } from './cidr-entry';
import { CIDR_ENTRY_SCHEMA } from './cluster.dto';

export class CreateServiceCidrDto {
  @ApiProperty({
    example: 'extra-1',
    maxLength: 253,
    description:
      'The ServiceCIDR object name: a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`), unique in the cluster. ' +
      '`kubernetes` is the default ServiceCIDR (the cluster’s own `serviceCidrs`).',
  })
  @validatorFrom('isServiceCidrName', (v) => (typeof v === 'string' ? serviceCidrNameProblem(v) : 'must be a string'))
  name!: string;

  @ApiProperty({
    ...CIDR_ENTRY_SCHEMA,
    description:
      '`spec.cidrs`: one or two CIDRs, at most one per IP family, each declared or carved from a range (`{range, prefixLength}`) ' +
      'as a cluster’s serviceCidrs are. Each family must be one the cluster has; they overlap no other CIDR of the domain.',
  } as never)
  @IsCidrEntries()
  cidrs!: CidrEntry[];
}
