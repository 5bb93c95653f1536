import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { MergePatchable } from '../common/merge-patch';
import { IfMatch } from '../common/response-meta';
import { CreatePodPoolDto, UpdatePodPoolDto } from './dto/pod-pool.dto';
import { PodPoolList, PodPoolModel } from './models/pod-pool.model';
import { PodPoolsService } from './pod-pools.service';

@ApiTags('pod pools')
@ApiBearerAuth()
@Controller('v1/clusters/:clusterId/pod-pools')
export class PodPoolsController {
  constructor(@Inject(PodPoolsService) private readonly service: PodPoolsService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({
    type: PodPoolModel,
    headers: CREATED_HEADERS,
    description:
      'The new pool, its CIDR leased (declared, or carved from a range) and ready for node blocks: the live cluster grows. Nodes registered from now on whose labels match `nodeSelector` may take blocks from it, in pool order.',
  })
  @ApiProblems({ 404: ['not-found'], 409: ['already-exists', 'cidr-conflict', 'address-taken', 'range-exhausted'] })
  async create(@Param('clusterId') clusterId: string, @Body() dto: CreatePodPoolDto): Promise<PodPoolModel> {
    return this.service.create(clusterId, dto);
  }

  @Get()
  @ApiOkResponse({
    type: PodPoolList,
    description:
      "Every pool: the cluster's own pod CIDRs first (`default-ipv4`, `default-ipv6`), then the extra pools, in the order nodes try them.",
  })
  @ApiProblems({ 404: ['not-found'] })
  async list(@Param('clusterId') clusterId: string): Promise<PodPoolList> {
    return { items: await this.service.list(clusterId) };
  }

  @Get(':poolName')
  @ApiOkResponse({ type: PodPoolModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  get(@Param('clusterId') clusterId: string, @Param('poolName') name: string): Promise<PodPoolModel> {
    return this.service.get(clusterId, name);
  }

  @MergePatchable()
  @Patch(':poolName')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({
    type: PodPoolModel,
    headers: ETAG_HEADERS,
    description:
      'nodeSelector and order change (for nodes registered from now on; nodes keep their blocks); name, cidr and nodeMaskSize are immutable.',
  })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  update(
    @Param('clusterId') clusterId: string,
    @Param('poolName') name: string,
    @Body() dto: UpdatePodPoolDto,
    @IfMatch() ifMatch?: string,
  ): Promise<PodPoolModel> {
    return this.service.update(clusterId, name, dto, ifMatch);
  }

  @Delete(':poolName')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted; its CIDR was released in the same transaction.' })
  @ApiProblems({ 404: ['not-found'], 409: ['conflict'], 412: ['precondition-failed'] })
  delete(@Param('clusterId') clusterId: string, @Param('poolName') name: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(clusterId, name, ifMatch);
  }
}
