import { Body, Controller, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CREATED_HEADERS } from '../common/api-docs';
import { ImportClusterDto, ObservationQuery } from './dto/observation.dto';
import { DriftReportModel, ImportResultModel } from './models/drift-report.model';
import { ReconciliationService } from './reconciliation.service';

/** Fastify route of the import: `::` is a literal colon in find-my-way (`clusters:import`). */
export const IMPORT_ROUTE = 'clusters::import';
export const OBSERVATIONS_ROUTE = 'clusters/:clusterId/observations';

const OBSERVATION_BODY = {
  description:
    'What `kubectl get nodes,services,servicecidrs -A -o json` prints (a List), several such lists in a JSON array, or YAML documents; with `kubectl -n kube-system get cm kubeadm-config -o yaml` among them when you have it.',
  schema: {
    oneOf: [
      { type: 'object', additionalProperties: true, example: { apiVersion: 'v1', kind: 'List', items: [] } },
      { type: 'array', items: { type: 'object', additionalProperties: true } },
    ],
  },
} as const;

@ApiTags('reconciliation')
@ApiBearerAuth()
@Controller('v1')
export class ReconciliationController {
  constructor(@Inject(ReconciliationService) private readonly service: ReconciliationService) {}

  @Post(OBSERVATIONS_ROUTE)
  @HttpCode(200)
  @ApiOperation({
    summary: "Compare a cluster's live state with Kipam's records (drift report); adopt or release with ?apply",
    description:
      "Each Node, Service, ServiceCIDR and the kubeadm ClusterConfiguration is in-sync, unmanaged, leaked, mismatched or conflicting, with the Kipam record and the observed value side by side; node blocks may lie in the cluster's pod CIDRs or pod pools, ClusterIPs in its own or extra ServiceCIDRs, and are adopted into the pool holding them. ServiceCIDRs are compared by name and never adopted or released (the note says what to call). Without `apply` nothing changes. Unknown kinds are listed in `ignored`; a malformed object is 422 naming its index and name, and so is space the cluster cannot hold (a ClusterIP outside every service CIDR, a node block outside every pod CIDR and pod pool or not of its node mask size).",
  })
  @ApiConsumes('application/json', 'application/yaml', 'application/x-yaml')
  @ApiBody(OBSERVATION_BODY)
  @ApiOkResponse({ type: DriftReportModel })
  @ApiProblems({ 400: ['bad-request'], 404: ['not-found'], 409: ['address-taken'] })
  observe(@Param('clusterId') clusterId: string, @Query() query: ObservationQuery, @Body() body: unknown): Promise<DriftReportModel> {
    return this.service.observe(clusterId, body, query.apply);
  }

  @Post(IMPORT_ROUTE)
  @ApiOperation({
    summary: 'Create a cluster from an observation of it (POST /v1/clusters:import)',
    description:
      "Pod and service CIDRs and node mask sizes from the kubeadm ConfigMap (v1beta3 or v1beta4) unless the body gives them, every Node's spec.podCIDRs, every Service's clusterIPs, ipFamilies and ipFamilyPolicy, the kubernetesVersion from the nodes' kubelets; all in one transaction. A cluster whose space collides with another lands with allowConflicts and shows up in /v1/conflicts.",
  })
  @ApiCreatedResponse({ type: ImportResultModel, headers: CREATED_HEADERS })
  @ApiProblems({ 400: ['bad-request'], 404: ['not-found'], 409: ['already-exists', 'cidr-conflict', 'address-taken', 'range-exhausted'] })
  importCluster(@Body() dto: ImportClusterDto): Promise<ImportResultModel> {
    return this.service.importCluster(dto);
  }
}
