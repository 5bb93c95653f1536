import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { Database } from '@kipam/persistence';
import { startTestApp, type TestApp } from './setup/test-app';

describe('GraphQL', () => {
  let t: TestApp;
  const gql = (query: string, variables?: object) => t.http.post('/graphql').set(t.auth).send({ query, variables });
  const ok = async (query: string, variables?: object) => {
    const res = await gql(query, variables);
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const rest = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);

  beforeAll(async () => {
    t = await startTestApp();
    await rest('/v1/ranges', { name: 'pods', cidr: '10.0.0.0/8', defaultPrefixLength: 16 }).expect(201);
    await rest('/v1/ranges', { name: 'pods6', cidr: 'fd00:10::/48', defaultPrefixLength: 56 }).expect(201);
  });
  afterAll(() => t.close());

  it('serves exactly the committed schema (apps/api/schema.graphql; regenerate with npm run graphql:schema)', () => {
    const live = `${printSchema(lexicographicSortSchema(t.app.get(GraphQLSchemaHost).schema))}\n`;
    expect(live).toBe(readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8'));
  });

  it('refuses a request without a token with 401 problem+json', async () => {
    const res = await t.http.post('/graphql').send({ query: '{ clusters { nodes { id } } }' }).expect(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.type).toBe('/problems/unauthorized');
    await t.http.post('/graphql').set('Authorization', 'Bearer wrong').send({ query: '{ __typename }' }).expect(401);
  });

  it('serves the playground and its assets from the app itself', async () => {
    const page = await t.http.get('/graphql').set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('/graphql/assets/graphiql.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css']) {
      const res = await t.http.get(`/graphql/assets/${asset}`).expect(200);
      expect(res.headers['content-length'] ?? res.text.length).toBeTruthy();
    }
    await t.http.get('/graphql/assets/nope.js').expect(404);
  });

  it('creates a dual-stack cluster and nodes through mutations and reads their assignments in family order', async () => {
    const { createCluster } = await ok(
      `mutation($input: CreateClusterInput!) { createCluster(input: $input) { id name stack ipFamilies podCidrs { family cidr } serviceCidrs { family cidr } } }`,
      {
        input: {
          name: 'gql-ds',
          podCidrs: [{ range: 'pods6' }, { range: 'pods' }],
          serviceCidrs: [{ cidr: 'fd00:96::/112' }, { cidr: '10.96.0.0/16' }],
          labels: { env: 'prod' },
        },
      },
    );
    expect(createCluster).toMatchObject({
      name: 'gql-ds',
      stack: 'DualStack',
      ipFamilies: ['IPv6', 'IPv4'],
      podCidrs: [
        { family: 'IPv6', cidr: 'fd00:10::/56' },
        { family: 'IPv4', cidr: '10.0.0.0/16' },
      ],
      serviceCidrs: [
        { family: 'IPv6', cidr: 'fd00:96::/112' },
        { family: 'IPv4', cidr: '10.96.0.0/16' },
      ],
    });
    const { createNode } = await ok(
      `mutation($c: ID!) { createNode(clusterId: $c, input: { name: "w1" }) { name podCidr podCidrs { family cidr } } }`,
      {
        c: createCluster.id,
      },
    );
    expect(createNode).toEqual({
      name: 'w1',
      podCidr: 'fd00:10::/64',
      podCidrs: [
        { family: 'IPv6', cidr: 'fd00:10::/64' },
        { family: 'IPv4', cidr: '10.0.0.0/24' },
      ],
    });
    const { cluster } = await ok(
      `query($n: String!) { cluster(name: $n) { id domain { name } nodes(first: 10) { nodes { name podCidrs { family cidr } } pageInfo { hasNextPage } }
         capacity { maxNodes families { family nodeBlocksFree } } config { kubeApiserver kubeadmNetworking { podSubnet } } } }`,
      { n: 'gql-ds' },
    );
    expect(cluster.domain.name).toBe('default');
    expect(cluster.nodes.nodes.map((n: { name: string }) => n.name)).toEqual(['w1']);
    expect(cluster.capacity.families.map((f: { family: string }) => f.family)).toEqual(['IPv6', 'IPv4']);
    expect(cluster.capacity.maxNodes).toBe('255');
    expect(cluster.config.kubeApiserver).toEqual(['--service-cluster-ip-range=fd00:96::/112,10.96.0.0/16']);
    expect(cluster.config.kubeadmNetworking.podSubnet).toBe('fd00:10::/56,10.0.0.0/16');

    const { whoIs } = await ok(
      `{ whoIs(address: "10.0.0.7") { address leases { cidr slot holder { kind name clusterName } pool { kind rangeName } } } }`,
    );
    expect(whoIs.leases).toEqual([
      {
        cidr: '10.0.0.0/16',
        slot: 'pod/IPv4',
        holder: { kind: 'cluster', name: 'gql-ds', clusterName: 'gql-ds' },
        pool: { kind: 'range', rangeName: 'pods' },
      },
      {
        cidr: '10.0.0.0/24',
        slot: 'pod/IPv4',
        holder: { kind: 'node', name: 'w1', clusterName: 'gql-ds' },
        pool: { kind: 'cluster_pod', rangeName: null },
      },
    ]);
    const kubernetes = await ok(`{ whoIs(address: "FD00:96::1") { address leases { holder { kind name } } } }`);
    expect(kubernetes.whoIs).toEqual({ address: 'fd00:96::1', leases: [{ holder: { kind: 'service', name: 'default/kubernetes' } }] });
    const anycast = await ok(`{ whoIs(address: "fd00:96::") { leases { holder { kind name } slot } } }`);
    expect(anycast.whoIs.leases[0].holder.kind).toBe('system');

    // REST gives the same answer, holders described in full (system leases say what they stand for)
    const restWhoIs = await t.http.get('/v1/whois?address=fd00:96::').set(t.auth).expect(200);
    expect(restWhoIs.body.leases).toEqual([
      expect.objectContaining({
        cidr: 'fd00:96::/128',
        slot: 'subnet-router-anycast',
        holder: {
          kind: 'system',
          id: expect.any(String),
          name: 'subnet-router-anycast address of service CIDR fd00:96::/112',
          clusterId: cluster.id,
          clusterName: 'gql-ds',
          namespace: null,
        },
      }),
    ]);
    const contains = await t.http.get('/v1/leases?contains=10.0.0.7').set(t.auth).expect(200);
    expect(contains.body.items.map((l: { holder: { name: string } }) => l.holder.name)).toEqual(['gql-ds', 'w1']);
  });

  it('allocates Services with dual-stack ClusterIPs, changes their family policy, and answers whoIs for a ClusterIP', async () => {
    const { createCluster } =
      await ok(`mutation { createCluster(input: { name: "gql-svc", podCidrs: [{cidr: "10.50.0.0/16"}, {cidr: "fd00:50::/56"}],
      serviceCidrs: [{cidr: "10.51.0.0/24"}, {cidr: "fd00:51::/120"}] }) { id } }`);
    const c = createCluster.id;
    const { createService } = await ok(
      `mutation($c: ID!) { createService(clusterId: $c, input: { namespace: "web", name: "api", ipFamilyPolicy: PreferDualStack, ipFamilies: [IPv6, IPv4], selector: { app: "api" } })
         { id clusterIP clusterIPs { family address } ipFamilies ipFamilyPolicy } }`,
      { c },
    );
    expect(createService.ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(createService.clusterIPs.map((a: { family: string }) => a.family)).toEqual(['IPv6', 'IPv4']);
    expect(createService.clusterIP).toBe(createService.clusterIPs[0].address);
    const v4 = createService.clusterIPs[1].address;

    const single = await ok(
      `mutation($c: ID!, $id: ID!) { updateServiceFamilyPolicy(clusterId: $c, id: $id, ipFamilyPolicy: SingleStack) { clusterIPs { family address } ipFamilyPolicy } }`,
      {
        c,
        id: createService.id,
      },
    );
    expect(single.updateServiceFamilyPolicy).toEqual({ clusterIPs: [createService.clusterIPs[0]], ipFamilyPolicy: 'SingleStack' });
    const released = await ok(`query($a: String!) { whoIs(address: $a) { leases { holder { kind } } } }`, { a: v4 });
    // only the cluster's own service CIDR (leased from range `pods`) still contains it
    expect(released.whoIs.leases).toEqual([{ holder: { kind: 'cluster' } }]);

    await ok(
      `mutation($c: ID!) { createService(clusterId: $c, input: { namespace: "db", name: "pg", clusterIP: "None", selector: { app: "pg" } }) { id } }`,
      { c },
    );
    const { cluster } = await ok(
      `query($c: ID!) { cluster(id: $c) { services(namespace: "web") { nodes { name clusterIPs { address } } } all: services { nodes { namespace name headless } } } }`,
      {
        c,
      },
    );
    expect(cluster.services.nodes).toEqual([
      { name: 'api', clusterIPs: [createService.clusterIPs[0]].map(({ address }: { address: string }) => ({ address })) },
    ]);
    expect(cluster.all.nodes.map((s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`)).toEqual([
      'db/pg',
      'default/kubernetes',
      'web/api',
    ]);
    const owner = await ok(`query($a: String!) { whoIs(address: $a) { leases { holder { kind name clusterName } } } }`, {
      a: createService.clusterIP,
    });
    expect(owner.whoIs.leases).toEqual([{ holder: { kind: 'service', name: 'web/api', clusterName: 'gql-svc' } }]);

    const refused = await gql(
      `mutation($c: ID!) { createService(clusterId: $c, input: { namespace: "web", name: "bad", clusterIP: "10.51.0.255" }) { id } }`,
      { c },
    );
    expect(refused.body.errors[0].extensions).toMatchObject({ status: 422 });
    await ok(`mutation($c: ID!, $id: ID!) { deleteService(clusterId: $c, id: $id) }`, { c, id: createService.id });
  });

  it('paginates clusters with cursors and filters by labels', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await ok(`mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, {
        i: { name, podCidrs: [{ range: 'pods' }], serviceCidrs: [{ cidr: `192.168.${name.charCodeAt(5)}.0/24` }], labels: { page: 'yes' } },
      });
    }
    const first = await ok(
      `{ clusters(first: 2, filter: { labels: ["page=yes"] }) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(first.clusters.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['page-a', 'page-b']);
    expect(first.clusters.pageInfo.hasNextPage).toBe(true);
    const next = await ok(
      `query($a: String) { clusters(first: 2, after: $a, filter: { labels: ["page=yes"] }) { nodes { name } pageInfo { hasNextPage } } }`,
      {
        a: first.clusters.pageInfo.endCursor,
      },
    );
    expect(next.clusters).toEqual({ nodes: [{ name: 'page-c' }], pageInfo: { hasNextPage: false } });
    // any edge's cursor resumes right after that edge
    const fromFirstEdge = await ok(
      `query($a: String) { clusters(first: 5, after: $a, filter: { labels: ["page=yes"] }) { nodes { name } } }`,
      {
        a: first.clusters.edges[0].cursor,
      },
    );
    expect(fromFirstEdge.clusters.nodes).toEqual([{ name: 'page-b' }, { name: 'page-c' }]);
  });

  it('manages ranges and reservations and reports usage as strings', async () => {
    const { createRange } = await ok(
      `mutation { createRange(input: { name: "gql-r", cidr: "172.20.0.0/16", labels: { a: "b" } }) { id cidr family labels } }`,
    );
    expect(createRange).toMatchObject({ cidr: '172.20.0.0/16', family: 'IPv4', labels: { a: 'b' } });
    const child = await ok(`mutation { createRange(input: { name: "gql-r-child", cidr: "172.20.1.0/24" }) { id parent { name } } }`);
    expect(child.createRange.parent.name).toBe('gql-r');
    const { createReservation } = await ok(
      `mutation($r: ID!) { createReservation(input: { rangeId: $r, cidr: "172.20.0.0/24", reason: "VPC" }) { id cidr } }`,
      {
        r: createRange.id,
      },
    );
    const { range } = await ok(
      `query($r: ID!) { range(id: $r) { children { name } reservations { cidr reason } usage { total leased reserved free largestFreePrefix } } }`,
      {
        r: createRange.id,
      },
    );
    expect(range).toEqual({
      children: [{ name: 'gql-r-child' }],
      reservations: [{ cidr: '172.20.0.0/24', reason: 'VPC' }],
      usage: { total: '65536', leased: '512', reserved: '256', free: '65024', largestFreePrefix: '172.20.128.0/17' },
    });
    await ok(`mutation($r: ID!, $id: ID!) { deleteReservation(rangeId: $r, id: $id) }`, { r: createRange.id, id: createReservation.id });
    const blocked = await gql(`mutation($r: ID!) { deleteRange(id: $r) }`, { r: createRange.id });
    expect(blocked.body.errors[0].extensions).toMatchObject({ type: '/problems/conflict', status: 409 });
  });

  it('finds conflicts across three domains, with an imported cluster, and checks a CIDR before it is declared', async () => {
    for (const d of ['d1', 'd2', 'd3']) await rest('/v1/domains', { name: d }).expect(201);
    const mk = (name: string, domain: string, pod: string, svc: string, allowConflicts = false) =>
      ok(`mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }`, {
        i: { name, domain, podCidrs: [{ cidr: pod }], serviceCidrs: [{ cidr: svc }], allowConflicts },
      });
    await mk('a1', 'd1', '10.1.0.0/16', '10.201.0.0/24');
    await mk('a2', 'd1', '10.1.0.0/20', '10.202.0.0/24', true); // imported brownfield cluster inside a1
    await mk('b1', 'd2', '10.1.0.0/16', '10.201.0.0/24'); // same space, other domain: no conflict
    await mk('c1', 'd3', '10.3.0.0/16', '10.203.0.0/24');
    await mk('c2', 'd3', '10.3.0.0/16', '10.204.0.0/24', true); // identical
    const refused = await gql(
      `mutation { createCluster(input: { name: "c3", domain: "d3", podCidrs: [{cidr: "10.3.0.0/17"}], serviceCidrs: [{cidr: "10.205.0.0/24"}] }) { id } }`,
    );
    expect(refused.body.errors[0].extensions).toMatchObject({ type: '/problems/cidr-conflict', status: 409 });

    const all = await ok(
      `{ conflicts { nodes { domain relation a { kind cidr clusterName cluster { name } } b { kind cidr clusterName } } } }`,
    );
    const pairs = all.conflicts.nodes.map(
      (c: { domain: string; relation: string; a: { clusterName: string }; b: { clusterName: string } }) =>
        [c.domain, [c.a.clusterName, c.b.clusterName].sort().join('+'), c.relation].join(' '),
    );
    expect(pairs).toEqual(
      expect.arrayContaining(['d1 a1+a2 ' + pairs.find((p: string) => p.startsWith('d1'))!.split(' ')[2], 'd3 c1+c2 identical']),
    );
    expect(pairs.filter((p: string) => p.startsWith('d2'))).toEqual([]);
    const d1 = await ok(
      `{ conflicts(domain: "d1") { nodes { relation a { cidr clusterName cluster { name } } b { cidr clusterName } } } }`,
    );
    expect(d1.conflicts.nodes).toHaveLength(1);
    const c = d1.conflicts.nodes[0];
    expect(c.a.cluster.name).toBe(c.a.clusterName);
    expect(c.relation).toBe(c.a.cidr === '10.1.0.0/16' ? 'contains' : 'within');

    const check = await ok(`{ checkCidr(cidr: "10.1.0.0/24", domain: "d1") { available collisions { kind cidr relation clusterName } } }`);
    expect(check.checkCidr.available).toBe(false);
    expect(check.checkCidr.collisions).toEqual(
      expect.arrayContaining([
        { kind: 'pod', cidr: '10.1.0.0/16', relation: 'within', clusterName: 'a1' },
        { kind: 'pod', cidr: '10.1.0.0/20', relation: 'within', clusterName: 'a2' },
      ]),
    );
    const free = await ok(`{ checkCidr(cidr: "10.9.0.0/16", domain: "d1") { available collisions { kind } range { name } } }`);
    expect(free.checkCidr).toEqual({ available: true, collisions: [], range: null });
  });

  it('carries problem types in extensions for every failed mutation, like REST', async () => {
    const invalid = await gql(
      `mutation { createCluster(input: { name: "x", podCidrs: [{cidr: "10.5.1.0/16"}], serviceCidrs: [{cidr: "10.6.0.0/24"}] }) { id } }`,
    );
    expect(invalid.body.errors[0].extensions).toMatchObject({ type: '/problems/validation-failed', status: 422 });
    expect(invalid.body.errors[0].extensions.errors[0].message).toMatch(/did you mean 10\.5\.0\.0\/16/);
    const missing = await gql(`{ cluster(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(missing.body.errors[0].extensions).toMatchObject({ type: '/problems/not-found', status: 404 });
    const syntax = await gql(`{ clusters { `);
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors[0].extensions.type).toBe('/problems/invalid-query');
  });

  it('limits depth and complexity', async () => {
    const deep = await gql(
      `{ ranges { nodes { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { name } } } } } } } } } } } } }`,
    );
    expect({ status: deep.status, body: deep.body }).toEqual({ status: 400, body: expect.objectContaining({ errors: expect.any(Array) }) });
    const costly = await gql(`{ clusters(first: 500) { nodes { nodes(first: 500) { nodes { name podCidrs { cidr } } } } } }`);
    expect(costly.body.errors[0].message).toMatch(/complexity/);
    expect(costly.body.errors[0].extensions).toMatchObject({ type: '/problems/query-too-complex', status: 400 });
    // the same document with other variables: parsed documents are cached, complexity is not
    const query = 'query Fleet($n: Int!) { clusters(first: $n) { nodes { nodes(first: $n) { nodes { name podCidrs { cidr } } } } } }';
    for (const [n, status] of [
      [5, 200],
      [500, 400],
      [5, 200],
      [500, 400],
    ] as const) {
      const res = await t.http.post('/graphql').set(t.auth).send({ query, variables: { n } });
      expect({ n, status: res.status }).toEqual({ n, status });
      if (status === 400) expect(res.body.errors[0].extensions.type).toBe('/problems/query-too-complex');
    }
    // variables that do not fit the document are the caller's mistake, not the server's
    for (const variables of [{ n: 'many' }, {}, { n: 1e12 }]) {
      const res = await t.http.post('/graphql').set(t.auth).send({ query, variables });
      expect({ variables, status: res.status, type: res.body.errors?.[0]?.extensions?.type }).toEqual({
        variables,
        status: 400,
        type: '/problems/invalid-query',
      });
    }
  });

  it('reads 100 clusters with their nodes in a bounded number of SQL statements', async () => {
    await rest('/v1/domains', { name: 'fleet' }).expect(201);
    for (let i = 0; i < 100; i++) {
      const c = await rest('/v1/clusters', {
        name: `f-${String(i).padStart(3, '0')}`,
        domain: 'fleet',
        podCidrs: [`10.${100 + Math.floor(i / 8)}.${(i % 8) * 32}.0/19`],
        serviceCidrs: [`172.31.${i}.0/24`],
        nodeMaskSizeIPv4: 24,
      }).expect(201);
      if (i % 10 === 0) for (const n of ['n1', 'n2']) await rest(`/v1/clusters/${c.body.id}/nodes`, { name: n }).expect(201);
    }
    const db = t.app.get(Database);
    const before = db.statements;
    const data = await ok(
      `{ clusters(first: 100, filter: { domain: "fleet" }) { nodes { name domain { name } podCidrs { cidr } nodes(first: 5) { nodes { name podCidrs { family cidr } } } } } }`,
    );
    const used = db.statements - before;
    expect(data.clusters.nodes).toHaveLength(100);
    expect(data.clusters.nodes.filter((c: { nodes: { nodes: unknown[] } }) => c.nodes.nodes.length === 2)).toHaveLength(10);
    expect(used).toBeLessThanOrEqual(8);
  });
});
