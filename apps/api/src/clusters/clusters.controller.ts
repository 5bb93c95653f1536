import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { MergePatchable } from '../common/merge-patch';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/response-meta';
import type { FastifyReply } from 'fastify';
import { ApiLabelQuery, ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { ConfigQuery, CreateClusterDto, ListClustersQuery, UpdateClusterDto } from './dto/cluster.dto';
import { ClusterConfigModel, ClusterModel, ClusterPage } from './models/cluster.model';
import { configText, configYaml } from './cluster-config';
import { calicoYaml, ciliumYaml } from './cni-config';
import { ClustersService } from './clusters.service';

@ApiTags('clusters')
@ApiBearerAuth()
@Controller('v1/clusters')
export class ClustersController {
  constructor(@Inject(ClustersService) private readonly service: ClustersService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({
    type: ClusterModel,
    headers: CREATED_HEADERS,
    description:
      'The cluster with every CIDR it was given (carved and generated ones included). 409 `conflict`: no unused ULA global ID ' +
      'was found for a generated service CIDR (retry).',
  })
  @ApiProblems({ 404: ['not-found'], 409: ['already-exists', 'cidr-conflict', 'address-taken', 'range-exhausted', 'conflict'] })
  create(@Body() dto: CreateClusterDto): Promise<ClusterModel> {
    return this.service.create(dto);
  }

  @Get()
  @ApiLabelQuery()
  @ApiOkResponse({ type: ClusterPage, description: 'In (domain, name) order.' })
  @ApiProblems({ 404: ['not-found'] })
  list(@Query() query: ListClustersQuery) {
    return this.service.list(query);
  }

  @Get(':clusterId')
  @ApiOkResponse({ type: ClusterModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  get(@Param('clusterId') id: string): Promise<ClusterModel> {
    return this.service.get(id);
  }

  @MergePatchable()
  @Patch(':clusterId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: ClusterModel, headers: ETAG_HEADERS, description: 'With `nodesBackfilled` when a family was added.' })
  @ApiProblems({
    404: ['not-found'],
    409: ['cidr-conflict', 'address-taken', 'range-exhausted', 'conflict'],
    412: ['precondition-failed'],
  })
  update(@Param('clusterId') id: string, @Body() dto: UpdateClusterDto, @IfMatch() ifMatch?: string): Promise<ClusterModel> {
    return this.service.update(id, dto, ifMatch);
  }

  @Delete(':clusterId')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({
    description: 'Deleted; every lease of the cluster (CIDRs, node blocks, ClusterIPs) was released in the same transaction.',
  })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  delete(@Param('clusterId') id: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(id, ifMatch);
  }

  @Get(':clusterId/config')
  @ApiProduces('application/json', 'text/plain', 'application/yaml')
  @ApiOkResponse({
    type: ClusterConfigModel,
    description:
      'Component flags (kube-apiserver, kube-controller-manager, kube-proxy), the kubeadm networking block, and the pod pools as CNIs take them: Cilium cluster-pool Helm values and Calico IPPool manifests (always), with notes on what a component cannot express.',
  })
  @ApiProblems({ 404: ['not-found'] })
  async config(@Param('clusterId') id: string, @Query() query: ConfigQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const config = await this.service.config(id);
    if (query.format === 'text') {
      void reply.type('text/plain; charset=utf-8');
      return configText(config);
    }
    if (query.format === 'yaml') {
      void reply.type('application/yaml; charset=utf-8');
      return query.cni === 'calico' ? calicoYaml(config) : query.cni === 'cilium' ? ciliumYaml(config) : configYaml(config);
    }
    return config;
  }
}
