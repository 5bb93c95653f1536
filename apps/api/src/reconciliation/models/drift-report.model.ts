import { ApiProperty } from '@nestjs/swagger';
import { ClusterModel } from '../../clusters/models/cluster.model';
import { DRIFT_KINDS, DRIFT_STATUSES } from '../drift';

export class DriftCountsModel {
  @ApiProperty() inSync!: number;
  @ApiProperty() unmanaged!: number;
  @ApiProperty() leaked!: number;
  @ApiProperty() mismatched!: number;
  @ApiProperty() conflicting!: number;
}

export class DriftItemModel {
  @ApiProperty({ enum: DRIFT_KINDS }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The namespace of a Service (kube-system for the kubeadm ConfigMap).' })
  namespace!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({
    enum: DRIFT_STATUSES,
    description:
      '`in-sync`; `unmanaged`: in the cluster, no Kipam record; `leaked`: a Kipam record whose object is gone; `mismatched`: both exist but differ; `conflicting`: the cluster uses space Kipam leased to another holder.',
  })
  status!: string;
  @ApiProperty({ type: Object, nullable: true, description: "Kipam's record (null when there is none)." }) kipam!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: Object, nullable: true, description: 'What the cluster runs (null for a leaked record).' }) observed!: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: [String], description: 'The fields that differ.' }) differences!: string[];
  @ApiProperty({ description: 'Whether `?apply=adopt` (unmanaged, mismatched) or `?apply=release` (leaked) acts on it.' })
  actionable!: boolean;
  @ApiProperty({ type: String, nullable: true, enum: ['adopted', 'released'], description: 'What this request did to it.' })
  action!: 'adopted' | 'released' | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it is not actionable, whom it conflicts with.' }) note!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'items[3]', description: 'Where the object is in the observation.' })
  at!: string | null;
}

export class IgnoredObjectModel {
  @ApiProperty({ example: 'items[7]' }) at!: string;
  @ApiProperty({ type: String, nullable: true }) apiVersion!: string | null;
  @ApiProperty({ type: String, nullable: true }) kind!: string | null;
  @ApiProperty({ type: String, nullable: true }) namespace!: string | null;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
}

export class DriftReportModel {
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({
    example: 'sha256:3f1c2a9b0d4e5f60',
    description: "The observation's digest: the reason in the audit records of what it changed.",
  })
  observation!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['adopt', 'release'], description: 'null for a dry run, which changes nothing.' })
  applied!: 'adopt' | 'release' | null;
  @ApiProperty({ type: DriftCountsModel }) counts!: DriftCountsModel;
  @ApiProperty({ description: 'Objects this request adopted.' }) adopted!: number;
  @ApiProperty({ description: 'Records this request released.' }) released!: number;
  @ApiProperty({ type: [DriftItemModel] }) items!: DriftItemModel[];
  @ApiProperty({ type: [IgnoredObjectModel], description: 'Objects of kinds Kipam does not compare (Pods, other ConfigMaps...).' })
  ignored!: IgnoredObjectModel[];
}

export class ImportResultModel {
  @ApiProperty({ type: ClusterModel }) cluster!: ClusterModel;
  @ApiProperty({ type: DriftReportModel, description: 'The observation against the new cluster, after adopting it.' })
  report!: DriftReportModel;
}
