import { decode, encode } from '@msgpack/msgpack';
import { ADMIN_TOKEN, type TestApp } from '../../api/test/setup/test-app';
import { fromDynamic, isUnknown, toDynamic, UNKNOWN, type ObjectValue, type Value } from '../src/protocol/values';
import { startKipam } from './kipam-server';
import { startPlugin, type PluginConnection } from './plugin-client';
import { providerMirror } from './provider-build';

/**
 * The provider process spoken to as Terraform speaks to it, without Terraform:
 * handshake, mTLS, and the protocol 6 calls of a resource's life.
 */
describe('terraform-provider-kipam over plugin protocol 6', () => {
  let t: TestApp;
  let endpoint: string;
  let executable: string;
  let plugin: PluginConnection;

  beforeAll(async () => {
    ({ executable } = await providerMirror());
    ({ t, endpoint } = await startKipam());
    plugin = await startPlugin(executable);
  }, 180_000);

  afterAll(async () => {
    await plugin?.close();
    await t?.close();
  });

  const dyn = (value: Value) => toDynamic(value);
  const state = (d: { msgpack: Buffer }) => fromDynamic(d) as ObjectValue;

  /** A range configuration with every schema attribute (null where not set), as Terraform sends it. */
  const rangeConfig = (over: ObjectValue = {}): ObjectValue => ({
    id: null,
    name: 'pods-proto',
    cidr: '10.10.0.0/16',
    domain: null,
    domain_id: null,
    parent: null,
    purpose: 'pod',
    family: null,
    min_prefix_length: null,
    max_prefix_length: null,
    default_prefix_length: 20,
    labels: { team: 'net' },
    description: null,
    ...over,
  });

  it('prints the go-plugin handshake line with its certificate and serves only mTLS clients', async () => {
    expect(plugin.handshake.slice(0, 3)).toEqual(['1', '6', 'tcp']);
    expect(plugin.handshake[3]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(plugin.handshake[4]).toBe('grpc');
    expect(plugin.handshake[5]).not.toMatch(/=$/); // base64 without padding, as go-plugin reads it
    expect(plugin.serverCert.checkHost('localhost')).toBe('localhost');
    expect(plugin.serverCert.ca).toBe(true);

    // a client without the pinned certificate gets no answer
    const { loadServices } = await import('../src/protocol/protos');
    const grpc = await import('@grpc/grpc-js');
    const stranger = new (loadServices().Provider)(plugin.handshake[3], grpc.credentials.createInsecure()) as any;
    await expect(
      new Promise((resolve, reject) =>
        stranger.GetMetadata({}, { deadline: Date.now() + 3000 }, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))),
      ),
    ).rejects.toThrow();
    stranger.close();
  });

  it('refuses to run without the magic cookie', async () => {
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync(executable, [], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Terraform provider plugin/);
  });

  it('GetProviderSchema describes every resource and data source with the plan flags', async () => {
    const res = await plugin.call('GetProviderSchema');
    expect(Object.keys(res.resource_schemas).sort()).toEqual(
      [
        'kipam_cluster',
        'kipam_domain',
        'kipam_node',
        'kipam_pod_pool',
        'kipam_range',
        'kipam_range_reservation',
        'kipam_service',
        'kipam_service_cidr',
        'kipam_token',
      ].sort(),
    );
    expect(Object.keys(res.data_source_schemas).sort()).toEqual(
      ['kipam_cluster', 'kipam_cluster_config', 'kipam_conflicts', 'kipam_domain', 'kipam_range', 'kipam_whois'].sort(),
    );
    const attr = (type: string, name: string) => res.resource_schemas[type].block.attributes.find((a: any) => a.name === name);
    expect(attr('kipam_range', 'id')).toMatchObject({ computed: true, optional: false, required: false });
    expect(attr('kipam_range', 'cidr')).toMatchObject({ required: true });
    expect(JSON.parse(attr('kipam_range', 'labels').type.toString())).toEqual(['map', 'string']);
    expect(attr('kipam_token', 'secret')).toMatchObject({ computed: true, sensitive: true });
    expect(attr('kipam_service', 'cluster_ips')).toMatchObject({ optional: true, computed: true });
    const pods = attr('kipam_cluster', 'pod_cidrs');
    expect(pods.nested_type.nesting).toBe('LIST');
    expect(pods.nested_type.attributes.map((a: any) => a.name)).toEqual(['cidr', 'range', 'prefix_length', 'family', 'range_id']);
    expect(res.provider.block.attributes.find((a: any) => a.name === 'token')).toMatchObject({ optional: true, sensitive: true });
  });

  it('ValidateResourceConfig puts a bad CIDR on its attribute', async () => {
    const res = await plugin.call('ValidateResourceConfig', {
      type_name: 'kipam_range',
      config: dyn(rangeConfig({ cidr: '10.10.0.1/16' })),
    });
    expect(res.diagnostics).toHaveLength(1);
    expect(res.diagnostics[0]).toMatchObject({ severity: 'ERROR', summary: 'Invalid CIDR' });
    expect(res.diagnostics[0].attribute.steps).toEqual([expect.objectContaining({ attribute_name: 'cidr' })]);
    // an unknown value (known only after apply) is not judged
    const later = await plugin.call('ValidateResourceConfig', { type_name: 'kipam_range', config: dyn(rangeConfig({ cidr: UNKNOWN })) });
    expect(later.diagnostics).toEqual([]);
  });

  it('plans, applies, reads, re-plans with no change, replaces on an immutable change, and destroys', async () => {
    const configured = await plugin.call('ConfigureProvider', {
      terraform_version: '1.11.4',
      config: dyn({ endpoint, token: ADMIN_TOKEN }),
    });
    expect(configured.diagnostics).toEqual([]);

    // plan a create: computed attributes unknown, defaults filled in
    const config = rangeConfig({ cidr: '10.10.0.0/16' });
    const plan = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_range',
      prior_state: dyn(null),
      proposed_new_state: dyn(config),
      config: dyn(config),
    });
    expect(plan.diagnostics).toEqual([]);
    const planned = state(plan.planned_state);
    expect(isUnknown(planned.id)).toBe(true);
    expect(isUnknown(planned.family)).toBe(true);
    expect(planned).toMatchObject({
      domain: 'default',
      purpose: 'pod',
      description: '',
      labels: { team: 'net' },
      default_prefix_length: 20,
    });
    // unknown is msgpack extension 0 on the wire
    const raw = decode(plan.planned_state.msgpack as Buffer, {
      extensionCodec: undefined,
    }) as Record<string, { type: number }>;
    expect(raw.id.type).toBe(0);

    const applied = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_range',
      prior_state: dyn(null),
      planned_state: plan.planned_state,
      config: dyn(config),
      planned_private: plan.planned_private,
    });
    expect(applied.diagnostics).toEqual([]);
    const created = state(applied.new_state);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toMatchObject({ cidr: '10.10.0.0/16', family: 'IPv4', domain: 'default', parent: null });
    expect(JSON.parse(applied.private.toString())).toEqual({ etag: expect.stringMatching(/^"\d+"$/) });
    const rest = await t.http
      .get(`/v1/ranges/${created.id as string}`)
      .set(t.auth)
      .expect(200);
    expect(rest.body).toMatchObject({ name: 'pods-proto', cidr: '10.10.0.0/16', labels: { team: 'net' } });
    const keys = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_record WHERE path = '/v1/ranges'`);
    expect(keys[0].n).toBe(1);

    // read, then plan again: the planned state is the prior state, nothing to replace
    const read = await plugin.call('ReadResource', {
      type_name: 'kipam_range',
      current_state: applied.new_state,
      private: applied.private,
    });
    expect(state(read.new_state)).toEqual(created);
    const again = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_range',
      prior_state: read.new_state,
      proposed_new_state: dyn(created),
      config: dyn(config),
      prior_private: read.private,
    });
    expect(state(again.planned_state)).toEqual(created);
    expect(again.requires_replace).toEqual([]);

    // another spelling of the same CIDR is the same value: no replacement
    const respelled = rangeConfig({ cidr: '10.10.0.0/16' });
    const same = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_range',
      prior_state: read.new_state,
      proposed_new_state: dyn({ ...created, ...respelled, id: created.id }),
      config: dyn(respelled),
    });
    expect(same.requires_replace).toEqual([]);

    // a label is updated in place (PATCH with If-Match); a new CIDR replaces the range
    const relabel = rangeConfig({ labels: { team: 'platform' } });
    const update = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_range',
      prior_state: read.new_state,
      proposed_new_state: dyn({ ...created, labels: { team: 'platform' } }),
      config: dyn(relabel),
      prior_private: read.private,
    });
    expect(update.requires_replace).toEqual([]);
    const updated = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_range',
      prior_state: read.new_state,
      planned_state: update.planned_state,
      config: dyn(relabel),
      planned_private: update.planned_private,
    });
    expect(updated.diagnostics).toEqual([]);
    expect(state(updated.new_state).labels).toEqual({ team: 'platform' });
    expect(JSON.parse(updated.private.toString()).etag).not.toBe(JSON.parse(read.private.toString()).etag);

    const moved = rangeConfig({ cidr: '10.20.0.0/16', labels: { team: 'platform' } });
    const replace = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_range',
      prior_state: updated.new_state,
      proposed_new_state: dyn({ ...state(updated.new_state), cidr: '10.20.0.0/16' }),
      config: dyn(moved),
    });
    expect(replace.requires_replace).toEqual([{ steps: [expect.objectContaining({ attribute_name: 'cidr' })] }]);

    // a stale ETag (changed outside Terraform since the plan) is a clear error, and nothing changes
    const stale = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_range',
      prior_state: read.new_state,
      planned_state: update.planned_state,
      config: dyn(relabel),
      planned_private: read.private,
    });
    expect(stale.diagnostics[0].summary).toBe('kipam_range changed outside Terraform');

    // destroy; a later read finds nothing and drops the state
    const destroyed = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_range',
      prior_state: updated.new_state,
      planned_state: dyn(null),
      config: dyn(null),
      planned_private: updated.private,
    });
    expect(destroyed.diagnostics).toEqual([]);
    expect(fromDynamic(destroyed.new_state)).toBeNull();
    const gone = await plugin.call('ReadResource', {
      type_name: 'kipam_range',
      current_state: updated.new_state,
      private: updated.private,
    });
    expect(gone.diagnostics).toEqual([]);
    expect(fromDynamic(gone.new_state)).toBeNull();
  });

  it('reads refined unknowns (msgpack extension 12) as unknown', async () => {
    const refined = { ...rangeConfig(), cidr: 'placeholder' } as Record<string, unknown>;
    const bytes = encode(refined);
    // replace the cidr string by ext 12 with a refinement map {1: false} (not null)
    const asObject = decode(bytes) as Record<string, unknown>;
    const { ExtData } = await import('@msgpack/msgpack');
    asObject.cidr = new ExtData(12, encode({ 1: false }));
    const res = await plugin.call('ValidateResourceConfig', {
      type_name: 'kipam_range',
      config: { msgpack: Buffer.from(encode(asObject)) },
    });
    expect(res.diagnostics).toEqual([]);
  });

  it('answers API errors as diagnostics on the attribute the problem names', async () => {
    const config = rangeConfig({ name: 'not a name', cidr: '10.30.0.0/16' });
    const plan = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_range',
      prior_state: dyn(null),
      proposed_new_state: dyn(config),
      config: dyn(config),
    });
    const res = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_range',
      prior_state: dyn(null),
      planned_state: plan.planned_state,
      config: dyn(config),
    });
    expect(fromDynamic(res.new_state)).toBeNull();
    expect(res.diagnostics).toHaveLength(1);
    expect(res.diagnostics[0]).toMatchObject({ severity: 'ERROR', summary: 'Validation failed' });
    expect(res.diagnostics[0].detail).toMatch(/^name: must be 1-63 lower case letters.*422 \/problems\/validation-failed/);
    expect(res.diagnostics[0].attribute.steps).toEqual([expect.objectContaining({ attribute_name: 'name' })]);
  });

  it('imports by id, and nested objects by PARENT_ID/CHILD_ID', async () => {
    const cluster = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'imported', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
      .expect(201);
    const node = await t.http.post(`/v1/clusters/${cluster.body.id}/nodes`).set(t.auth).send({ name: 'w1' }).expect(201);
    const imported = await plugin.call('ImportResourceState', { type_name: 'kipam_node', id: `${cluster.body.id}/${node.body.id}` });
    expect(imported.diagnostics).toEqual([]);
    expect(state(imported.imported_resources[0].state)).toMatchObject({
      id: node.body.id,
      cluster_id: cluster.body.id,
      name: 'w1',
      pod_cidrs: ['10.244.0.0/24'],
      pod_cidr: '10.244.0.0/24',
    });
    const clusterState = await plugin.call('ImportResourceState', { type_name: 'kipam_cluster', id: cluster.body.id });
    expect(state(clusterState.imported_resources[0].state).pod_cidrs).toEqual([
      { cidr: '10.244.0.0/16', range: null, prefix_length: 16, family: 'IPv4', range_id: null },
    ]);
    const malformed = await plugin.call('ImportResourceState', { type_name: 'kipam_node', id: node.body.id });
    expect(malformed.diagnostics[0].summary).toBe('Invalid import id');
    const missing = await plugin.call('ImportResourceState', { type_name: 'kipam_cluster', id: '00000000-0000-4000-8000-00000000dead' });
    expect(missing.diagnostics[0].summary).toBe('Cannot import non-existent remote object');
  });

  it('issues a token with a sensitive secret, keeps the secret across reads, and revokes it on destroy', async () => {
    const config: ObjectValue = {
      id: null,
      name: 'ci-proto',
      role: 'reader',
      clusters: null,
      expires_at: '2099-01-01T00:00:00Z',
      secret: null,
    };
    const plan = await plugin.call('PlanResourceChange', {
      type_name: 'kipam_token',
      prior_state: dyn(null),
      proposed_new_state: dyn(config),
      config: dyn(config),
    });
    expect(state(plan.planned_state)).toMatchObject({ clusters: [], secret: UNKNOWN });
    const applied = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_token',
      prior_state: dyn(null),
      planned_state: plan.planned_state,
      config: dyn(config),
    });
    expect(applied.diagnostics).toEqual([]);
    const issued = state(applied.new_state);
    // the configured spelling of the instant stays, and the secret works
    expect(issued).toMatchObject({ name: 'ci-proto', role: 'reader', expires_at: '2099-01-01T00:00:00Z' });
    await t.http
      .get('/v1/domains')
      .set('Authorization', `Bearer ${issued.secret as string}`)
      .expect(200);
    const read = await plugin.call('ReadResource', {
      type_name: 'kipam_token',
      current_state: applied.new_state,
      private: applied.private,
    });
    expect(state(read.new_state).secret).toBe(issued.secret);
    const revoked = await plugin.call('ApplyResourceChange', {
      type_name: 'kipam_token',
      prior_state: applied.new_state,
      planned_state: dyn(null),
      config: dyn(null),
    });
    expect(revoked.diagnostics).toEqual([]);
    await t.http
      .get('/v1/domains')
      .set('Authorization', `Bearer ${issued.secret as string}`)
      .expect(401);
    // a revoked token is gone: the next refresh drops it
    const gone = await plugin.call('ReadResource', { type_name: 'kipam_token', current_state: applied.new_state });
    expect(fromDynamic(gone.new_state)).toBeNull();
  });

  it('stops when the host asks it to (GRPCController.Shutdown)', async () => {
    const exited = new Promise<number | null>((resolve) => plugin.process.once('exit', resolve));
    await new Promise((resolve, reject) => plugin.controller.Shutdown({}, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
    expect(await exited).toBe(0);
  });
});
