import { Inject } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { DriftReportType, ObservationApply } from './models/drift-report.type';
import type { DriftReportModel } from './models/drift-report.model';
import { ReconciliationService } from './reconciliation.service';

const OBSERVATION_ARG =
  'The observation as text: the JSON (a List, or an array of lists) or YAML that kubectl prints for nodes, services, servicecidrs and the kubeadm-config ConfigMap.';

const toType = (r: DriftReportModel) => r as unknown as DriftReportType;

@Resolver(() => DriftReportType)
export class ReconciliationResolver {
  constructor(@Inject(ReconciliationService) private readonly service: ReconciliationService) {}

  @Query(() => DriftReportType, {
    description: "A cluster's live state against Kipam's records; changes nothing (POST /v1/clusters/{id}/observations).",
  })
  async clusterDrift(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('observation', { description: OBSERVATION_ARG }) observation: string,
  ) {
    return toType(await this.service.observe(clusterId, observation));
  }

  @Mutation(() => DriftReportType, {
    description:
      'Adopts (unmanaged and mismatched objects, never conflicting ones) or releases (leaked records) from an observation, in one transaction audited with the observation as the reason (POST /v1/clusters/{id}/observations?apply=).',
  })
  async applyObservation(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('observation', { description: OBSERVATION_ARG }) observation: string,
    @Args('apply', { type: () => ObservationApply }) apply: ObservationApply,
  ) {
    return toType(await this.service.observe(clusterId, observation, apply));
  }
}
