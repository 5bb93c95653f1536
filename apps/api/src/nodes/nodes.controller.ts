import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { MergePatchable } from '../common/merge-patch';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/response-meta';
import { ApiLabelQuery, ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { CapacityQuery, CreateNodeDto, ListNodesQuery, UpdateNodeDto } from './dto/node.dto';
import { ClusterCapacityModel, NodeModel, NodePage } from './models/node.model';
import { NodesService } from './nodes.service';
import { eniQuery } from '../clusters/cluster-profile';

@ApiTags('nodes')
@ApiBearerAuth()
@Controller('v1/clusters/:clusterId')
export class NodesController {
  constructor(@Inject(NodesService) private readonly service: NodesService) {}

  @Post('nodes')
  @Idempotent()
  @ApiCreatedResponse({
    type: NodeModel,
    headers: CREATED_HEADERS,
    description: "The node with one pod CIDR per cluster pod family, in the cluster's order.",
  })
  @ApiProblems({ 404: ['not-found'], 409: ['already-exists', 'address-taken', 'range-exhausted'] })
  create(@Param('clusterId') clusterId: string, @Body() dto: CreateNodeDto): Promise<NodeModel> {
    return this.service.create(clusterId, dto);
  }

  @Get('nodes')
  @ApiLabelQuery()
  @ApiOkResponse({ type: NodePage, description: 'In name order.' })
  @ApiProblems({ 404: ['not-found'] })
  list(@Param('clusterId') clusterId: string, @Query() query: ListNodesQuery) {
    return this.service.list(clusterId, query);
  }

  @Get('nodes/:nodeId')
  @ApiOkResponse({ type: NodeModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  get(@Param('clusterId') clusterId: string, @Param('nodeId') nodeId: string): Promise<NodeModel> {
    return this.service.get(clusterId, nodeId);
  }

  @MergePatchable()
  @Patch('nodes/:nodeId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: NodeModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  update(
    @Param('clusterId') clusterId: string,
    @Param('nodeId') nodeId: string,
    @Body() dto: UpdateNodeDto,
    @IfMatch() ifMatch?: string,
  ): Promise<NodeModel> {
    return this.service.update(clusterId, nodeId, dto, ifMatch);
  }

  @Delete('nodes/:nodeId')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted; its pod CIDRs were released in the same transaction.' })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  delete(@Param('clusterId') clusterId: string, @Param('nodeId') nodeId: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(clusterId, nodeId, ifMatch);
  }

  @Get('capacity')
  @ApiOkResponse({
    type: ClusterCapacityModel,
    description:
      'Node blocks per pod family and how many more nodes fit; with `enis` and `ipsPerEni`, also `maxPodsPerNode` by the ' +
      'VPC CNI prefix-mode formula of the EKS IPv6 guide (seed 004): (ENIs × (IPs per ENI − 1) × 16) + 2. For m5.large ' +
      '(enis=3, ipsPerEni=10) that is 434; the guide prints 460, which its own formula does not give.',
  })
  @ApiProblems({ 400: ['bad-request'], 404: ['not-found'] })
  capacity(@Param('clusterId') clusterId: string, @Query() query: CapacityQuery): Promise<ClusterCapacityModel> {
    return this.service.capacity(clusterId, eniQuery(query.enis, query.ipsPerEni));
  }
}
