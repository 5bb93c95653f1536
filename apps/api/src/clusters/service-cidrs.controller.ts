import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CREATED_HEADERS, ETAG_HEADERS } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { CreateServiceCidrDto } from './dto/service-cidr.dto';
import { ServiceCidrList, ServiceCidrModel } from './models/service-cidr.model';
import { ServiceCidrsService } from './service-cidrs.service';

const VERSION_422 = 'The cluster’s kubernetesVersion is unset or below 1.33 (no ServiceCIDR API), or the body is invalid.';

@ApiTags('service-cidrs')
@ApiBearerAuth()
@Controller('v1/clusters/:clusterId/service-cidrs')
export class ServiceCidrsController {
  constructor(@Inject(ServiceCidrsService) private readonly service: ServiceCidrsService) {}

  @Get()
  @ApiOperation({
    summary: 'List a cluster’s ServiceCIDRs',
    description: 'The default ServiceCIDR `kubernetes` (the cluster’s serviceCidrs) first, then the others oldest first. ' + VERSION_422,
  })
  @ApiOkResponse({ type: ServiceCidrList })
  @ApiProblems({ 404: ['not-found'], 422: ['validation-failed'] })
  async list(@Param('clusterId') clusterId: string): Promise<ServiceCidrList> {
    return { items: await this.service.list(clusterId) };
  }

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Add a ServiceCIDR (more ClusterIP space for a live cluster)',
    description:
      'networking.k8s.io/v1 ServiceCIDR, Kubernetes 1.33 or later. Its CIDRs are leased like cluster CIDRs (declared, or carved from a range); ' +
      'dynamic ClusterIPs then come from any ServiceCIDR of their family with room.',
  })
  @ApiCreatedResponse({ type: ServiceCidrModel, headers: CREATED_HEADERS })
  @ApiProblems({
    404: ['not-found'],
    409: ['already-exists', 'cidr-conflict', 'address-taken', 'range-exhausted'],
    422: ['validation-failed'],
  })
  create(@Param('clusterId') clusterId: string, @Body() dto: CreateServiceCidrDto): Promise<ServiceCidrModel> {
    return this.service.create(clusterId, dto);
  }

  @Get(':serviceCidrName')
  @ApiOperation({
    summary: 'Get a ServiceCIDR by name',
    description: 'An extra ServiceCIDR has an ETag (it never changes); the default one has none.',
  })
  @ApiOkResponse({ type: ServiceCidrModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'], 422: ['validation-failed'] })
  get(@Param('clusterId') clusterId: string, @Param('serviceCidrName') name: string): Promise<ServiceCidrModel> {
    return this.service.get(clusterId, name);
  }

  @Delete(':serviceCidrName')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a ServiceCIDR',
    description:
      'Refused (409 `conflict`, naming them) while Services hold ClusterIPs of it, as the servicecidrs controller’s finalizer holds it in Kubernetes; ' +
      'the default ServiceCIDR `kubernetes` cannot be deleted.',
  })
  @ApiNoContentResponse({ description: 'Deleted; its CIDRs’ leases were released in the same transaction.' })
  @ApiProblems({ 404: ['not-found'], 409: ['conflict'], 422: ['validation-failed'] })
  delete(@Param('clusterId') clusterId: string, @Param('serviceCidrName') name: string): Promise<void> {
    return this.service.delete(clusterId, name);
  }
}
