import { startTestApp, type TestApp } from './setup/test-app';

type Json = Record<string, any>;

/**
 * Null versus absent, for every request body the OpenAPI document describes
 * and every GraphQL input: each property is sent as null, one at a time, on
 * an otherwise valid request. No answer may be a 5xx. A property documented
 * `nullable` may take it (an update's "clear"); any other null is a 422 that
 * names the field and writes nothing.
 */

/** Every table a request could write: a refused request leaves each one exactly as it was. */
const TABLES = [
  'domain',
  'range',
  'reservation',
  'cluster',
  'cluster_cidr',
  'node',
  'service',
  'lease',
  'free_block',
  'pool',
  'api_token',
  'audit_record',
  'pod_pool',
  'cluster_node_local_cidr',
  'ula_global_id',
  'webhook',
  'service_cidr',
];

/** A signing secret in the Standard Webhooks format. */
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
/** A public address (deliveries stay paused: the fixtures' webhooks are disabled). */
const HOOK_URL = 'https://203.0.114.10/kipam';

describe('Null versus absent', () => {
  let t: TestApp;
  let doc: Json;
  const ids: Record<string, string> = {};

  const snapshot = async () => {
    const hashes: string[] = [];
    for (const table of TABLES) {
      const [row] = await t.sql<{ h: string }>(
        `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${table}" x`,
      );
      hashes.push(`${table}:${row.h}`);
    }
    return hashes;
  };

  /** A valid request for each operation with a body; `n` keeps names and CIDRs of creations apart. */
  const FIXTURES: Record<string, (n: number) => { url: string; body: Json }> = {
    'post /v1/domains': (n) => ({ url: '/v1/domains', body: { name: `nd-${n}`, description: 'x' } }),
    'patch /v1/domains/{domainId}': () => ({ url: `/v1/domains/${ids.domain}`, body: {} }),
    'post /v1/ranges': (n) => ({
      url: '/v1/ranges',
      body: {
        name: `nr-${n}`,
        cidr: `10.${n}.0.0/16`,
        domain: 'nulls',
        parent: 'all',
        purpose: 'any',
        minPrefixLength: 16,
        maxPrefixLength: 28,
        defaultPrefixLength: 24,
        labels: { a: 'b' },
        description: 'x',
      },
    }),
    'patch /v1/ranges/{rangeId}': () => ({ url: `/v1/ranges/${ids.range}`, body: {} }),
    'post /v1/ranges/{rangeId}/reservations': (n) => ({
      url: `/v1/ranges/${ids.range}/reservations`,
      body: { cidr: `10.200.${n}.0/24`, reason: 'x' },
    }),
    'patch /v1/ranges/{rangeId}/reservations/{reservationId}': () => ({
      url: `/v1/ranges/${ids.range}/reservations/${ids.reservation}`,
      body: {},
    }),
    'post /v1/clusters': (n) => ({
      url: '/v1/clusters',
      body: {
        name: `nc-${n}`,
        domain: 'default',
        podCidrs: [`172.${16 + n}.0.0/16`],
        serviceCidrs: [`192.168.${n}.0/24`],
        nodeMaskSizeIPv4: 24,
        nodeMaskSizeIPv6: 64,
        kubernetesVersion: '1.31',
        labels: { a: 'b' },
        allowConflicts: false,
        nodeLocalCidrs: [],
        capacityThresholds: [{ kind: 'pod', family: 'IPv4', warnAt: 0.7, criticalAt: 0.9 }],
      },
    }),
    'patch /v1/clusters/{clusterId}': () => ({ url: `/v1/clusters/${ids.cluster}`, body: {} }),
    'post /v1/clusters/{clusterId}/pod-pools': (n) => ({
      url: `/v1/clusters/${ids.cluster}/pod-pools`,
      body: { name: `np-${n}`, cidr: `10.251.${n}.0/24`, nodeMaskSize: 26, nodeSelector: { matchLabels: { a: 'b' } }, order: 5 },
    }),
    'patch /v1/clusters/{clusterId}/pod-pools/{poolName}': () => ({ url: `/v1/clusters/${ids.cluster}/pod-pools/target`, body: {} }),
    'post /v1/clusters/{clusterId}/nodes': (n) => ({
      url: `/v1/clusters/${ids.cluster}/nodes`,
      body: {
        name: `nn-${n}`,
        labels: { a: 'b' },
        podCidrs: [`10.244.${100 + n}.0/24`],
        addresses: [{ type: 'InternalIP', address: `192.0.2.${n + 1}` }],
      },
    }),
    'patch /v1/clusters/{clusterId}/nodes/{nodeId}': () => ({ url: `/v1/clusters/${ids.cluster}/nodes/${ids.node}`, body: {} }),
    'post /v1/clusters/{clusterId}/services': (n) => ({
      url: `/v1/clusters/${ids.cluster}/services`,
      body: {
        namespace: 'default',
        name: `ns-${n}`,
        type: 'ClusterIP',
        selector: { app: 'x' },
        clusterIP: `10.96.1.${n + 1}`,
        clusterIPs: [`10.96.1.${n + 1}`],
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
        labels: { a: 'b' },
      },
    }),
    'patch /v1/clusters/{clusterId}/services/{serviceId}': () => ({
      url: `/v1/clusters/${ids.cluster}/services/${ids.service}`,
      body: {},
    }),
    'post /v1/clusters/{clusterId}/services:apply': () => ({
      url: `/v1/clusters/${ids.cluster}/services:apply`,
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'applied' }, spec: {} },
    }),
    'post /v1/clusters/{clusterId}/service-cidrs': (n) => ({
      url: `/v1/clusters/${ids.cluster133}/service-cidrs`,
      body: { name: `nsc-${n}`, cidrs: [`10.98.${n}.0/24`] },
    }),
    'post /v1/tokens': (n) => ({
      url: '/v1/tokens',
      body: { name: `nt-${n}`, role: 'writer', clusters: [ids.cluster], expiresAt: '2999-01-01T00:00:00Z' },
    }),
    'post /v1/clusters/{clusterId}/observations': () => ({
      url: `/v1/clusters/${ids.cluster}/observations`,
      body: { apiVersion: 'v1', kind: 'List', items: [] },
    }),
    'post /v1/clusters:import': (n) => ({
      url: '/v1/clusters:import',
      body: {
        name: `ni-${n}`,
        domain: 'default',
        observation: { apiVersion: 'v1', kind: 'List', items: [] },
        podCidrs: [`172.${100 + n}.0.0/16`],
        serviceCidrs: [`192.168.${100 + n}.0/24`],
        nodeMaskSizeIPv4: 24,
        nodeMaskSizeIPv6: 64,
        kubernetesVersion: '1.31',
        labels: { a: 'b' },
        allowConflicts: false,
      },
    }),
    'post /v1/webhooks': () => ({
      url: '/v1/webhooks',
      body: { url: HOOK_URL, eventTypes: ['node.created'], secret: SECRET, description: 'x', enabled: false },
    }),
    'patch /v1/webhooks/{webhookId}': () => ({ url: `/v1/webhooks/${ids.webhook}`, body: {} }),
  };

  const resolve = (schema: Json): Json => {
    if (schema?.$ref) return resolve(doc.components.schemas[(schema.$ref as string).split('/').pop()!]);
    if (schema?.allOf)
      return schema.allOf.reduce((acc: Json, s: Json) => {
        const r = resolve(s);
        return { ...acc, ...r, properties: { ...acc.properties, ...r.properties } };
      }, {});
    return schema;
  };

  /** OpenAPI 3.1 (JSON Schema 2020-12) spells nullable as a `null` type. */
  const allowsNull = (schema: Json): boolean =>
    (Array.isArray(schema.type) && schema.type.includes('null')) ||
    schema.type === 'null' ||
    ((schema.anyOf ?? schema.oneOf ?? []) as Json[]).some(allowsNull);

  /** [operation, schema] of every JSON request body in the document. */
  const bodies = () =>
    Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json)
        .filter(([, op]) => (op as Json).requestBody?.content?.['application/json'])
        .map(([method, op]) => [`${method} ${path}`, resolve((op as Json).requestBody.content['application/json'].schema)] as const),
    );

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get('/openapi.json').expect(200)).body;
    const post = async (url: string, body: Json) => (await t.http.post(url).set(t.auth).send(body).expect(201)).body as Json;
    ids.domain = (await post('/v1/domains', { name: 'nulls' })).id;
    await post('/v1/ranges', { name: 'all', cidr: '10.0.0.0/8', domain: 'nulls' });
    ids.range = (
      await post('/v1/ranges', { name: 'target', cidr: '10.200.0.0/16', domain: 'nulls', labels: { a: 'b' }, description: 'd' })
    ).id;
    ids.reservation = (await post(`/v1/ranges/${ids.range}/reservations`, { cidr: '10.200.255.0/24', reason: 'r' })).id;
    ids.cluster = (
      await post('/v1/clusters', { name: 'target', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'], labels: { a: 'b' } })
    ).id;
    ids.cluster133 = (
      await post('/v1/clusters', {
        name: 'target-133',
        podCidrs: ['10.245.0.0/16'],
        serviceCidrs: ['10.97.0.0/16'],
        kubernetesVersion: '1.33',
      })
    ).id;
    ids.node = (
      await post(`/v1/clusters/${ids.cluster}/nodes`, {
        name: 'n1',
        labels: { a: 'b' },
        addresses: [{ type: 'InternalIP', address: '192.0.2.200' }],
      })
    ).id;
    await post(`/v1/clusters/${ids.cluster}/pod-pools`, {
      name: 'target',
      cidr: '10.250.0.0/16',
      nodeSelector: { matchLabels: { a: 'b' } },
    });
    ids.webhook = (await post('/v1/webhooks', { url: HOOK_URL, secret: SECRET, enabled: false })).id;
    ids.service = (
      await post(`/v1/clusters/${ids.cluster}/services`, {
        namespace: 'default',
        name: 'target',
        selector: { app: 'a' },
        labels: { a: 'b' },
      })
    ).id;
  });
  afterAll(() => t.close());

  it('has a fixture for every JSON request body of the document', () => {
    const operations = bodies().map(([op]) => op);
    expect(operations.length).toBeGreaterThanOrEqual(14);
    expect(operations.filter((op) => !FIXTURES[op])).toEqual([]);
  });

  it('every property of every request body, sent as null: never a 5xx; a 422 naming it and nothing written, unless documented nullable', async () => {
    let n = 0;
    const seen: string[] = [];
    for (const [op, schema] of bodies()) {
      const [method] = op.split(' ');
      for (const [property, propSchema] of Object.entries((schema.properties ?? {}) as Json)) {
        n++;
        const { url, body } = FIXTURES[op](n);
        const before = await snapshot();
        const res = await t.http[method as 'post' | 'patch'](url)
          .set(t.auth)
          .send({ ...body, [property]: null });
        seen.push(`${op} ${property} → ${res.status}`);
        expect({ op, property, status: res.status < 500 }).toEqual({ op, property, status: true });
        const nullable = allowsNull(propSchema as Json);
        if (nullable) {
          expect({ op, property, status: res.status }).toEqual({ op, property, status: expect.any(Number) });
          expect(res.status).toBeLessThan(300);
        } else {
          expect({ op, property, status: res.status, type: res.body.type }).toEqual({
            op,
            property,
            status: 422,
            type: '/problems/validation-failed',
          });
          expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(property);
          expect(await snapshot()).toEqual(before);
        }
      }
    }
    expect(seen.length).toBeGreaterThan(60);
  });

  it('the reported crashes: PATCH a cluster with podCidrs or serviceCidrs null, a node with podCidrs null', async () => {
    for (const field of ['podCidrs', 'serviceCidrs']) {
      const res = await t.http
        .patch(`/v1/clusters/${ids.cluster}`)
        .set(t.auth)
        .send({ [field]: null })
        .expect(422);
      expect(res.body.errors).toEqual([{ field, message: expect.stringContaining('must not be null') }]);
    }
    const res = await t.http.patch(`/v1/clusters/${ids.cluster}/nodes/${ids.node}`).set(t.auth).send({ podCidrs: null }).expect(422);
    expect(res.body.errors).toEqual([{ field: 'podCidrs', message: expect.stringContaining('must not be null') }]);
    // the same as a merge patch
    await t.http
      .patch(`/v1/clusters/${ids.cluster}`)
      .set(t.auth)
      .set('content-type', 'application/merge-patch+json')
      .send(JSON.stringify({ podCidrs: null }))
      .expect(422);
  });

  it('a nullable field cleared by null, left alone when absent', async () => {
    const cluster = `/v1/clusters/${ids.cluster}`;
    await t.http
      .patch(cluster)
      .set(t.auth)
      .send({ labels: { keep: 'me' } })
      .expect(200);
    expect((await t.http.patch(cluster).set(t.auth).send({}).expect(200)).body.labels).toEqual({ keep: 'me' });
    expect((await t.http.patch(cluster).set(t.auth).send({ labels: null }).expect(200)).body.labels).toEqual({});
  });

  describe('GraphQL inputs', () => {
    const gql = async (query: string, variables: Json = {}) => {
      const res = await t.http.post('/graphql').set(t.auth).send({ query, variables });
      return res;
    };

    /** A mutation (or query) taking one input object, and a valid input for it. */
    const INPUTS: Record<string, (n: number) => { document: string; input: Json; clears?: string[] }> = {
      CreateServiceCidrInput: (n) => ({
        document: `mutation($input: CreateServiceCidrInput!) { createServiceCidr(clusterId: "${ids.cluster133}", input: $input) { name } }`,
        input: { name: `gsc-${n}`, cidrs: [{ cidr: `10.98.${100 + n}.0/24` }] },
      }),
      CreateDomainInput: (n) => ({
        document: 'mutation($input: CreateDomainInput!) { createDomain(input: $input) { id } }',
        input: { name: `gd-${n}`, description: 'x' },
      }),
      UpdateDomainInput: () => ({
        document: `mutation($input: UpdateDomainInput!) { updateDomain(id: "${ids.domain}", input: $input) { id } }`,
        input: {},
        clears: ['description'],
      }),
      CreateRangeInput: (n) => ({
        document: 'mutation($input: CreateRangeInput!) { createRange(input: $input) { id } }',
        input: {
          name: `gr-${n}`,
          cidr: `10.${100 + n}.0.0/16`,
          domain: 'nulls',
          parent: 'all',
          purpose: 'any',
          minPrefixLength: 16,
          maxPrefixLength: 28,
          defaultPrefixLength: 24,
          labels: { a: 'b' },
          description: 'x',
        },
      }),
      UpdateRangeInput: () => ({
        document: `mutation($input: UpdateRangeInput!) { updateRange(id: "${ids.range}", input: $input) { id } }`,
        input: {},
        clears: ['labels', 'description'],
      }),
      CreateReservationInput: (n) => ({
        document: 'mutation($input: CreateReservationInput!) { createReservation(input: $input) { id } }',
        input: { rangeId: ids.range, cidr: `10.200.${100 + n}.0/24`, reason: 'x' },
      }),
      UpdateReservationInput: () => ({
        document: `mutation($input: UpdateReservationInput!) { updateReservation(rangeId: "${ids.range}", id: "${ids.reservation}", input: $input) { id } }`,
        input: {},
        clears: ['reason'],
      }),
      CreateClusterInput: (n) => ({
        document: 'mutation($input: CreateClusterInput!) { createCluster(input: $input) { id } }',
        input: {
          name: `gc-${n}`,
          domain: 'default',
          podCidrs: [{ cidr: `172.${100 + n}.0.0/16` }],
          serviceCidrs: [{ cidr: `192.168.${100 + n}.0/24` }],
          nodeMaskSizeIPv4: 24,
          nodeMaskSizeIPv6: 64,
          kubernetesVersion: '1.31',
          labels: { a: 'b' },
          allowConflicts: false,
        },
      }),
      UpdateClusterInput: () => ({
        document: `mutation($input: UpdateClusterInput!) { updateCluster(id: "${ids.cluster}", input: $input) { id } }`,
        input: {},
        clears: ['labels'],
      }),
      CidrEntryInput: (n) => ({
        document:
          'mutation($input: CidrEntryInput!) { createCluster(input: { name: "gce-' +
          n +
          '", podCidrs: [$input], serviceCidrs: [{ cidr: "192.168.' +
          (200 + n) +
          '.0/24" }] }) { id } }',
        input: { cidr: `172.${200 + n}.0.0/16` },
      }),
      CreateNodeInput: (n) => ({
        document: `mutation($input: CreateNodeInput!) { createNode(clusterId: "${ids.cluster}", input: $input) { id } }`,
        input: {
          name: `gn-${n}`,
          labels: { a: 'b' },
          podCidrs: [`10.244.${200 + n}.0/24`],
          addresses: [{ type: 'InternalIP', address: `192.0.2.${100 + n}` }],
        },
      }),
      UpdateNodeInput: () => ({
        document: `mutation($input: UpdateNodeInput!) { updateNode(clusterId: "${ids.cluster}", id: "${ids.node}", input: $input) { id } }`,
        input: {},
        clears: ['labels', 'addresses'],
      }),
      NodeAddressInput: () => ({
        document: `mutation($input: NodeAddressInput!) { updateNode(clusterId: "${ids.cluster}", id: "${ids.node}", input: { addresses: [$input] }) { id } }`,
        input: { type: 'InternalIP', address: '192.0.2.250' },
      }),
      CreateServiceInput: (n) => ({
        document: `mutation($input: CreateServiceInput!) { createService(clusterId: "${ids.cluster}", input: $input) { id } }`,
        input: {
          namespace: 'default',
          name: `gs-${n}`,
          type: 'ClusterIP',
          selector: { app: 'x' },
          clusterIP: `10.96.2.${n}`,
          clusterIPs: [`10.96.2.${n}`],
          ipFamilyPolicy: 'SingleStack',
          ipFamilies: ['IPv4'],
          labels: { a: 'b' },
        },
      }),
      UpdateServiceInput: () => ({
        document: `mutation($input: UpdateServiceInput!) { updateService(clusterId: "${ids.cluster}", id: "${ids.service}", input: $input) { id } }`,
        input: {},
        clears: ['labels', 'selector'],
      }),
      CapacityThresholdInput: () => ({
        document: `mutation($input: CapacityThresholdInput!) { updateCluster(id: "${ids.cluster}", input: { capacityThresholds: [$input] }) { id } }`,
        input: { kind: 'pod', family: 'IPv4', warnAt: 0.8, criticalAt: 0.95 },
      }),
      CreatePodPoolInput: (n) => ({
        document: `mutation($input: CreatePodPoolInput!) { createPodPool(clusterId: "${ids.cluster}", input: $input) { name } }`,
        input: {
          name: `gp-${n}`,
          cidr: { cidr: `10.252.${n}.0/24` },
          nodeMaskSize: 26,
          nodeSelector: { matchLabels: { a: 'b' } },
          order: 5,
        },
      }),
      UpdatePodPoolInput: () => ({
        document: `mutation($input: UpdatePodPoolInput!) { updatePodPool(clusterId: "${ids.cluster}", name: "target", input: $input) { name } }`,
        input: {},
        clears: ['nodeSelector'],
      }),
      LabelSelectorInput: () => ({
        document: `mutation($input: LabelSelectorInput!) { updatePodPool(clusterId: "${ids.cluster}", name: "target", input: { nodeSelector: $input }) { name } }`,
        input: { matchLabels: { a: 'b' } },
      }),
      LabelSelectorRequirementInput: () => ({
        document: `mutation($input: LabelSelectorRequirementInput!) { updatePodPool(clusterId: "${ids.cluster}", name: "target", input: { nodeSelector: { matchExpressions: [$input] } }) { name } }`,
        input: { key: 'zone', operator: 'In', values: ['a'] },
      }),
      ClusterFilter: () => ({ document: 'query($input: ClusterFilter) { clusters(filter: $input) { nodes { id } } }', input: {} }),
      RangeFilter: () => ({ document: 'query($input: RangeFilter) { ranges(filter: $input) { nodes { id } } }', input: {} }),
      AuditFilter: () => ({ document: 'query($input: AuditFilter) { audit(filter: $input) { nodes { id } } }', input: {} }),
    };

    it('every nullable field of every input type, sent as null: no internal error; only clearing fields change anything', async () => {
      const intro = await gql('{ __schema { types { kind name inputFields { name type { kind } } } } }');
      const inputTypes = (intro.body.data.__schema.types as Json[]).filter((ty) => ty.kind === 'INPUT_OBJECT');
      expect(inputTypes.map((ty) => ty.name).filter((name) => !INPUTS[name])).toEqual([]);
      let n = 0;
      for (const type of inputTypes) {
        for (const field of (type.inputFields as Json[]).filter((f) => f.type.kind !== 'NON_NULL')) {
          n++;
          const { document, input, clears = [] } = INPUTS[type.name](n);
          const before = await snapshot();
          const res = await gql(document, { input: { ...input, [field.name]: null } });
          const where = `${type.name}.${field.name}`;
          expect({ where, status: res.status < 500 }).toEqual({ where, status: true });
          const codes = ((res.body.errors ?? []) as Json[]).map((e) => e.extensions?.code ?? e.extensions?.type);
          expect({ where, internal: codes.filter((c) => /internal/i.test(String(c))) }).toEqual({ where, internal: [] });
          // an update's null is "not given" unless the field clears: nothing but the audit trail may change then
          if (type.name.startsWith('Update') && !clears.includes(field.name)) {
            const after = await snapshot();
            expect({ where, changed: after.filter((h, i) => h !== before[i] && !h.startsWith('audit_record')) }).toEqual({
              where,
              changed: [],
            });
          }
        }
      }
      expect(n).toBeGreaterThan(40);
    });

    it('labels: null clears them in GraphQL as in REST', async () => {
      await t.http
        .patch(`/v1/ranges/${ids.range}`)
        .set(t.auth)
        .send({ labels: { x: 'y' } })
        .expect(200);
      const res = await gql(`mutation { updateRange(id: "${ids.range}", input: { labels: null }) { labels } }`);
      expect(res.body.data.updateRange.labels).toEqual({});
    });
  });
});
