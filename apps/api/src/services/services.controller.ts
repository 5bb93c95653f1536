import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { MergePatchable } from '../common/merge-patch';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiLabelQuery, ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { IfMatch } from '../common/response-meta';
import { CreateServiceDto, ListServicesQuery, UpdateServiceDto } from './dto/service.dto';
import { ServiceModel, ServicePage } from './models/service.model';
import { isYaml, manifestYaml } from './service-manifest';
import { ServiceIpService } from './service-ip.service';

/** A v1 Service manifest, in the request's format (JSON or YAML). */
const MANIFEST_CONTENT = {
  'application/json': { schema: { type: 'object', additionalProperties: true } },
  'application/yaml': { schema: { type: 'string' } },
};

/** Fastify route of manifest mode: `::` is a literal colon in find-my-way (`services:apply`). */
export const APPLY_ROUTE = ':clusterId/services::apply';

@ApiTags('services')
@ApiBearerAuth()
@Controller('v1/clusters')
export class ServicesController {
  constructor(@Inject(ServiceIpService) private readonly service: ServiceIpService) {}

  @Post(':clusterId/services')
  @Idempotent()
  @ApiCreatedResponse({
    type: ServiceModel,
    headers: CREATED_HEADERS,
    description: 'The Service with its ClusterIPs, per its ipFamilyPolicy and ipFamilies.',
  })
  @ApiProblems({ 404: ['not-found'], 409: ['already-exists', 'address-taken', 'range-exhausted'] })
  create(@Param('clusterId') clusterId: string, @Body() dto: CreateServiceDto): Promise<ServiceModel> {
    return this.service.create(clusterId, dto);
  }

  @Post(APPLY_ROUTE)
  @Idempotent()
  @ApiOperation({
    summary: 'Create or update a Service from its Kubernetes manifest (POST /v1/clusters/{clusterId}/services:apply)',
    description:
      'Takes a whole v1 Service manifest as JSON or YAML and returns it in the same format with spec.clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy filled in. 201 when created, 200 when updated (same transitions as PATCH).',
  })
  @ApiConsumes('application/json', 'application/yaml', 'application/x-yaml')
  @ApiProduces('application/json', 'application/yaml')
  @ApiBody({
    schema: {
      type: 'object',
      example: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' }, spec: { ipFamilyPolicy: 'PreferDualStack' } },
    },
  })
  @ApiCreatedResponse({
    description: 'Created: the manifest with its ClusterIP fields.',
    headers: CREATED_HEADERS,
    content: MANIFEST_CONTENT,
  })
  @ApiOkResponse({ description: 'Updated: the manifest with its ClusterIP fields.', headers: ETAG_HEADERS, content: MANIFEST_CONTENT })
  @ApiProblems({ 400: ['bad-request'], 404: ['not-found'], 409: ['already-exists', 'address-taken', 'range-exhausted'] })
  async apply(
    @Param('clusterId') clusterId: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const result = await this.service.apply(clusterId, body);
    void reply.status(result.created ? 201 : 200).header('etag', result.etag);
    if (result.created) void reply.header('location', result.location);
    if (isYaml(contentType)) {
      void reply.type('application/yaml; charset=utf-8');
      return manifestYaml(result.manifest);
    }
    return result.manifest;
  }

  @Get(':clusterId/services')
  @ApiLabelQuery()
  @ApiOkResponse({ type: ServicePage, description: 'In (namespace, name) order.' })
  @ApiProblems({ 404: ['not-found'] })
  list(@Param('clusterId') clusterId: string, @Query() query: ListServicesQuery) {
    return this.service.list(clusterId, query);
  }

  @Get(':clusterId/services/:serviceId')
  @ApiOkResponse({ type: ServiceModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  get(@Param('clusterId') clusterId: string, @Param('serviceId') serviceId: string): Promise<ServiceModel> {
    return this.service.get(clusterId, serviceId);
  }

  @MergePatchable()
  @Patch(':clusterId/services/:serviceId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: ServiceModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'], 409: ['address-taken', 'range-exhausted'], 412: ['precondition-failed'] })
  update(
    @Param('clusterId') clusterId: string,
    @Param('serviceId') serviceId: string,
    @Body() dto: UpdateServiceDto,
    @IfMatch() ifMatch?: string,
  ): Promise<ServiceModel> {
    return this.service.update(clusterId, serviceId, dto, ifMatch);
  }

  @Delete(':clusterId/services/:serviceId')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted; its ClusterIPs were released in the same transaction.' })
  @ApiProblems({ 404: ['not-found'], 409: ['conflict'], 412: ['precondition-failed'] })
  delete(@Param('clusterId') clusterId: string, @Param('serviceId') serviceId: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(clusterId, serviceId, ifMatch);
  }
}
