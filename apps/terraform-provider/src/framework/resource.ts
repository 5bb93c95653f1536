import type { KipamClient } from '../client/kipam-client';
import type { Diagnostic, Path } from '../protocol/diagnostics';
import type { Block } from '../protocol/schema';
import type { ObjectValue } from '../protocol/values';
import type { PlannedChange } from './plan';

/** What the provider keeps beside the state (the protocol's private state): the ETag for If-Match. */
export interface PrivateState {
  etag?: string;
}

export interface Stored {
  state: ObjectValue;
  private: PrivateState;
}

export interface PlanRequest {
  config: ObjectValue;
  prior: ObjectValue | null;
  /** The generic plan (planBlock), to adjust in place. */
  change: PlannedChange;
  client?: KipamClient;
}

/** A managed resource type: schema, plan refinements and its REST lifecycle. */
export interface ResourceType {
  name: string;
  schema: Block;
  /** Checks that need no API call (ValidateResourceConfig); unknown values are skipped. */
  validate?(config: ObjectValue): Diagnostic[];
  /** Resource-specific plan rules on top of the generic plan (unknowns, replacement of nested values). */
  plan?(request: PlanRequest): void;
  create(client: KipamClient, planned: ObjectValue): Promise<Stored>;
  /** Null when the object no longer exists (404): Terraform drops it from state and plans it anew. */
  read(client: KipamClient, prior: ObjectValue, priv: PrivateState): Promise<Stored | null>;
  /** `config` tells what the user set (what a PATCH should name) from what was only computed. */
  update(client: KipamClient, prior: ObjectValue, planned: ObjectValue, priv: PrivateState, config: ObjectValue): Promise<Stored>;
  delete(client: KipamClient, prior: ObjectValue, priv: PrivateState): Promise<void>;
  /** `terraform import` id → the object's state (null: no such object). */
  import(client: KipamClient, id: string): Promise<Stored | null>;
  /** The import id's form, e.g. `CLUSTER_ID/NODE_ID`. */
  importId: string;
  importNote?: string;
  /** REST field of a problem's field error → attribute path (default: camelCase to snake_case). */
  fieldPath?(field: string): Path | undefined;
}

/** A data source type: schema and one read. */
export interface DataSourceType {
  name: string;
  schema: Block;
  validate?(config: ObjectValue): Diagnostic[];
  read(client: KipamClient, config: ObjectValue): Promise<ObjectValue>;
}
