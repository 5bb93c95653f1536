import { Prefix } from '@kipam/cidr';
import { ulaPrefix } from '../src/clusters/cluster-profile';
import { UlaGlobalIdSource } from '../src/clusters/ula-global-id-source';
import { startTestApp, type TestApp } from './setup/test-app';

interface ClusterBody {
  id: string;
  name: string;
  stack: string;
  profile: string | null;
  podCidrs: string[];
  serviceCidrs: string[];
  nodeMaskSizeIPv6: number;
  nodeLocalCidrs: string[];
  ulaGlobalId: string | null;
  ulaPrefix: string | null;
}

describe('EKS IPv6 profile, generated ULA service ranges, node-local ranges, link-local guard', () => {
  let t: TestApp;
  let source: UlaGlobalIdSource;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const patch = (path: string, body: object) => t.http.patch(path).set(t.auth).send(body);
  const create = (body: object) => post('/v1/clusters', body);
  const created = async (body: object): Promise<ClusterBody> => (await create(body).expect(201)).body as ClusterBody;
  const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);
  const messages = (body: { errors?: { message: string }[] }) => (body.errors ?? []).map((e) => e.message).join(' | ');
  const count = async (table: string) => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  /** Row counts of everything a cluster creation writes. */
  const footprint = async () => ({
    clusters: await count('cluster'),
    cidrs: await count('cluster_cidr'),
    leases: await count('lease'),
    nodeLocal: await count('cluster_node_local_cidr'),
    ula: await count('ula_global_id'),
    audit: await count('audit_record'),
  });
  /** Refused with 422 naming `field`, with nothing written. */
  const refused = async (body: object, field: string, message?: string) => {
    const before = await footprint();
    const res = await create(body).expect(422);
    expect(res.body.type).toBe('/problems/validation-failed');
    expect(fields(res.body)).toContain(field);
    if (message) expect(messages(res.body)).toContain(message);
    expect(await footprint()).toEqual(before);
    return res;
  };
  const eks = (name: string, extra: object = {}) => ({ name, profile: 'eks-ipv6', podCidrs: ['2600:1f14:abc:100::/64'], ...extra });
  const gql = (query: string, variables?: object) => t.http.post('/graphql').set(t.auth).send({ query, variables });
  let n = 0;
  const fresh = () => `2600:1f14:${(++n).toString(16)}:100::/64`;

  beforeAll(async () => {
    t = await startTestApp();
    source = t.app.get(UlaGlobalIdSource);
    // ranges a VPC would be: a /56 of Amazon's GUA space, and some link-local and GUA service space to carve from
    await post('/v1/ranges', { name: 'vpc', cidr: '2600:1f14:fff:ff00::/56', purpose: 'pod', defaultPrefixLength: 64 }).expect(201);
    await post('/v1/ranges', { name: 'gua-svc', cidr: '2600:1f15::/48', purpose: 'service', defaultPrefixLength: 108 }).expect(201);
    await post('/v1/ranges', { name: 'link-local', cidr: '169.254.0.0/16', purpose: 'pod', defaultPrefixLength: 20 }).expect(201);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t.close());

  describe('an eks-ipv6 cluster', () => {
    let cluster: ClusterBody;

    it('takes the profile defaults: /80 nodes, a generated ULA /108, node-local egress 169.254.172.0/22', async () => {
      cluster = await created(eks('eks-prod'));
      expect(cluster).toMatchObject({
        stack: 'IPv6',
        profile: 'eks-ipv6',
        podCidrs: ['2600:1f14:abc:100::/64'],
        nodeMaskSizeIPv6: 80,
        nodeLocalCidrs: ['169.254.172.0/22'],
      });
      expect(cluster.ulaGlobalId).toMatch(/^[0-9a-f]{10}$/);
      const prefix = ulaPrefix(BigInt(`0x${cluster.ulaGlobalId}`));
      expect(cluster.ulaPrefix).toBe(prefix.toString());
      expect(cluster.ulaPrefix).toMatch(/^fd[0-9a-f]{2}:/);
      // subnet 0, offset 0 of the /48
      expect(cluster.serviceCidrs).toEqual([prefix.subnet(108, 0).toString()]);
      const [row] = await t.sql<{ prefix: string; cluster_id: string }>(
        'SELECT prefix::text AS prefix, cluster_id::text AS cluster_id FROM ula_global_id WHERE global_id = $1',
        [BigInt(`0x${cluster.ulaGlobalId}`).toString()],
      );
      expect(row).toEqual({ prefix: cluster.ulaPrefix, cluster_id: cluster.id });
      const kubernetes = await t.http.get(`/v1/clusters/${cluster.id}/services?namespace=default`).set(t.auth).expect(200);
      expect(kubernetes.body.items[0].clusterIP).toBe(Prefix.parse(cluster.serviceCidrs[0]).subnet(128, 1).first.toString());
    });

    it('gives its nodes consecutive /80s of the /64', async () => {
      const nodes = [];
      for (const name of ['ip-10-0-1-1', 'ip-10-0-1-2', 'ip-10-0-1-3']) {
        nodes.push((await post(`/v1/clusters/${cluster.id}/nodes`, { name }).expect(201)).body.podCidrs);
      }
      expect(nodes).toEqual([['2600:1f14:abc:100::/80'], ['2600:1f14:abc:100:1::/80'], ['2600:1f14:abc:100:2::/80']]);
    });

    it('answers who-owns of a pod address with the cluster and the node, and of 169.254.172.10 as node-local on every node', async () => {
      const pod = await t.http.get('/v1/whois?address=2600:1f14:abc:100:1::2a').set(t.auth).expect(200);
      expect(pod.body.leases.map((l: { holder: { kind: string; name: string } }) => [l.holder.kind, l.holder.name])).toEqual([
        ['node', 'ip-10-0-1-2'],
      ]);
      expect(pod.body.nodeLocal).toEqual([]);
      const egress = await t.http.get('/v1/whois?address=169.254.172.10').set(t.auth).expect(200);
      expect(egress.body.leases).toEqual([]);
      expect(egress.body.nodeLocal).toEqual([
        {
          clusterId: cluster.id,
          clusterName: 'eks-prod',
          domainId: expect.any(String),
          domain: 'default',
          cidr: '169.254.172.0/22',
          description: 'node-local egress range of cluster eks-prod, on every node',
        },
      ]);
      expect(egress.body.nodeLocalMore).toBe(false);
      const outside = await t.http.get('/v1/whois?address=169.254.176.1').set(t.auth).expect(200);
      expect(outside.body.nodeLocal).toEqual([]);
    });

    it('shares the node-local range with other clusters without a conflict', async () => {
      const other = await created(eks('eks-staging', { podCidrs: [fresh()] }));
      expect(other.nodeLocalCidrs).toEqual(['169.254.172.0/22']);
      expect(other.ulaGlobalId).not.toBe(cluster.ulaGlobalId);
      const conflicts = await t.http.get('/v1/conflicts?domain=default').set(t.auth).expect(200);
      expect(conflicts.body.items).toEqual([]);
      const egress = await t.http.get('/v1/whois?address=169.254.172.10').set(t.auth).expect(200);
      expect(egress.body.nodeLocal.map((o: { clusterName: string }) => o.clusterName)).toEqual(['eks-prod', 'eks-staging']);
      await t.http.delete(`/v1/clusters/${other.id}`).set(t.auth).expect(204);
    });

    it('keeps the profile and the generated service CIDR immutable', async () => {
      const path = `/v1/clusters/${cluster.id}`;
      const gone = await patch(path, { profile: null }).expect(422);
      expect(fields(gone.body)).toEqual(['profile']);
      expect(messages(gone.body)).toContain('is immutable');
      await patch(path, { profile: 'eks-ipv6' }).expect(200);
      const moved = await patch(path, { serviceCidrs: ['fd00:1234::/108'] }).expect(422);
      expect(fields(moved.body)).toEqual(['serviceCidrs[0]']);
      expect(messages(moved.body)).toContain('cannot be changed');
      // the generated CIDR comes back as itself or as the request it came from
      await patch(path, { serviceCidrs: cluster.serviceCidrs }).expect(200);
      await patch(path, { serviceCidrs: [{ generate: 'ula', prefixLength: 108 }] }).expect(200);
      await patch(path, { serviceCidrs: [{ generate: 'ula' }] }).expect(200);
      const other = await patch(path, { serviceCidrs: [{ generate: 'ula', prefixLength: 112 }] }).expect(422);
      expect(fields(other.body)).toEqual(['serviceCidrs[0]']);
      const read = await t.http.get(path).set(t.auth).expect(200);
      expect(read.body.serviceCidrs).toEqual(cluster.serviceCidrs);
      expect(read.body.ulaGlobalId).toBe(cluster.ulaGlobalId);
    });

    it('refuses to make it dual-stack', async () => {
      const res = await patch(`/v1/clusters/${cluster.id}`, {
        podCidrs: [...cluster.podCidrs, '10.244.0.0/16'],
        serviceCidrs: [...cluster.serviceCidrs, '10.96.0.0/16'],
      }).expect(422);
      expect(fields(res.body)).toEqual(expect.arrayContaining(['podCidrs', 'serviceCidrs']));
      expect(messages(res.body)).toContain('single-stack IPv6');
      const read = await t.http.get(`/v1/clusters/${cluster.id}`).set(t.auth).expect(200);
      expect(read.body.stack).toBe('IPv6');
    });

    it('keeps a generic cluster generic', async () => {
      const generic = await created({ name: 'plain', podCidrs: ['10.10.0.0/16'], serviceCidrs: ['10.11.0.0/16'] });
      expect(generic).toMatchObject({ profile: null, nodeLocalCidrs: [], ulaGlobalId: null, ulaPrefix: null, nodeMaskSizeIPv6: 64 });
      const res = await patch(`/v1/clusters/${generic.id}`, { profile: 'eks-ipv6' }).expect(422);
      expect(fields(res.body)).toEqual(['profile']);
      await patch(`/v1/clusters/${generic.id}`, { profile: null }).expect(200);
      await t.http.delete(`/v1/clusters/${generic.id}`).set(t.auth).expect(204);
    });
  });

  describe('profile rules, each a 422 that writes nothing', () => {
    it('is single-stack IPv6', async () => {
      await refused(eks('v4', { podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] }), 'podCidrs', 'single-stack IPv6');
      await refused(
        eks('dual', { podCidrs: [fresh(), '10.244.0.0/16'], serviceCidrs: [{ generate: 'ula' }, '10.96.0.0/16'] }),
        'serviceCidrs',
        'single-stack IPv6',
      );
    });

    it('takes global unicast /64 pod CIDRs', async () => {
      await refused(eks('ula-pods', { podCidrs: ['fd00:10::/64'] }), 'podCidrs[0]', 'is not global unicast (2000::/3)');
      await refused(eks('wide-pods', { podCidrs: ['2600:1f14:abc:200::/56'] }), 'podCidrs[0]', 'is not a /64');
      await refused(eks('carved-wide', { podCidrs: [{ range: 'vpc', prefixLength: 60 }] }), 'podCidrs[0]', '/60 is not a /64');
    });

    it('checks a carved CIDR once leased, and rolls the lease back', async () => {
      await post('/v1/ranges', { name: 'not-gua', cidr: 'fd00:99::/48', purpose: 'pod', defaultPrefixLength: 64 }).expect(201);
      await refused(eks('carved-ula', { podCidrs: [{ range: 'not-gua' }] }), 'podCidrs[0]', 'is not global unicast');
      const usage = await t.http.get('/v1/leases?within=fd00:99::/48').set(t.auth).expect(200);
      expect(usage.body.items).toEqual([]);
    });

    it('carves a /64 VPC subnet from the VPC range', async () => {
      const c = await created(eks('carved', { podCidrs: [{ range: 'vpc' }] }));
      expect(c.podCidrs).toEqual(['2600:1f14:fff:ff00::/64']);
      await t.http.delete(`/v1/clusters/${c.id}`).set(t.auth).expect(204);
    });

    it('gives nodes a /80 and nothing else', async () => {
      await refused(eks('mask-64', { podCidrs: [fresh()], nodeMaskSizeIPv6: 64 }), 'nodeMaskSizeIPv6', '/80');
      await refused(eks('mask-96', { podCidrs: [fresh()], nodeMaskSizeIPv6: 96 }), 'nodeMaskSizeIPv6', '/80');
      const c = await created(eks('mask-80', { podCidrs: [fresh()], nodeMaskSizeIPv6: 80 }));
      await t.http.delete(`/v1/clusters/${c.id}`).set(t.auth).expect(204);
    });

    it('takes a ULA service CIDR, declared or generated', async () => {
      await refused(
        eks('gua-svc', { podCidrs: [fresh()], serviceCidrs: ['2600:1f15::/108'] }),
        'serviceCidrs[0]',
        'ULA service CIDR (fc00::/7)',
      );
      await refused(eks('gua-svc-carved', { podCidrs: [fresh()], serviceCidrs: [{ range: 'gua-svc' }] }), 'serviceCidrs[0]', 'ULA');
      const declared = await created(eks('ula-declared', { podCidrs: [fresh()], serviceCidrs: ['fd00:aa::/108'] }));
      expect(declared).toMatchObject({ serviceCidrs: ['fd00:aa::/108'], ulaGlobalId: null, ulaPrefix: null });
      await t.http.delete(`/v1/clusters/${declared.id}`).set(t.auth).expect(204);
    });

    it('knows no other profile, and keeps serviceCidrs required for generic clusters', async () => {
      await refused({ ...eks('gke'), profile: 'gke-dataplane-v2' }, 'profile');
      await refused({ name: 'no-svc', podCidrs: ['10.12.0.0/16'] }, 'serviceCidrs');
    });
  });

  describe('generated ULA service ranges', () => {
    it('are allowed on any cluster, as the IPv6 entry of a dual-stack one', async () => {
      const c = await created({
        name: 'dual-ula',
        podCidrs: ['10.20.0.0/16', 'fd00:20::/56'],
        serviceCidrs: ['10.21.0.0/16', { generate: 'ula' }],
      });
      expect(c.profile).toBeNull();
      expect(c.serviceCidrs[1]).toBe(
        ulaPrefix(BigInt(`0x${c.ulaGlobalId}`))
          .subnet(108, 0)
          .toString(),
      );
      expect(c.nodeLocalCidrs).toEqual([]);
      await t.http.delete(`/v1/clusters/${c.id}`).set(t.auth).expect(204);
    });

    it('can be added with the missing family', async () => {
      const c = await created({ name: 'grows', podCidrs: ['10.22.0.0/16'], serviceCidrs: ['10.23.0.0/16'] });
      const res = await patch(`/v1/clusters/${c.id}`, {
        podCidrs: ['10.22.0.0/16', 'fd00:22::/56'],
        serviceCidrs: ['10.23.0.0/16', { generate: 'ula', prefixLength: 112 }],
      }).expect(200);
      expect(res.body.serviceCidrs[1]).toBe(
        ulaPrefix(BigInt(`0x${res.body.ulaGlobalId}`))
          .subnet(112, 0)
          .toString(),
      );
      await t.http.delete(`/v1/clusters/${c.id}`).set(t.auth).expect(204);
    });

    it('are for service CIDRs only, IPv6, within the Kubernetes size rules', async () => {
      const pod = await create({ name: 'gen-pod', podCidrs: [{ generate: 'ula' }], serviceCidrs: ['10.96.0.0/16'] }).expect(422);
      expect(messages(pod.body)).toContain('generate requests are for service CIDRs only');
      await refused(eks('gen-big', { podCidrs: [fresh()], serviceCidrs: [{ generate: 'ula', prefixLength: 100 }] }), 'serviceCidrs[0]');
      const bad = await create(eks('gen-bad', { serviceCidrs: [{ generate: 'random' }] })).expect(422);
      expect(messages(bad.body)).toContain('generate must be "ula"');
      const short = await create(eks('gen-short', { serviceCidrs: [{ generate: 'ula', prefixLength: 40 }] })).expect(422);
      expect(messages(short.body)).toContain('from 48 to 128');
    });

    it('draw again when the global ID is taken anywhere in the fleet, in any domain', async () => {
      const first = await created(eks('first', { podCidrs: [fresh()] }));
      const taken = BigInt(`0x${first.ulaGlobalId}`);
      await post('/v1/domains', { name: 'other' }).expect(201);
      const next = jest.spyOn(source, 'next').mockReturnValueOnce(taken).mockReturnValueOnce(taken).mockReturnValueOnce(0x0102030405n);
      const second = await created(eks('second', { domain: 'other', podCidrs: [first.podCidrs[0]] }));
      expect(next).toHaveBeenCalledTimes(3);
      expect(second.ulaGlobalId).toBe('0102030405');
      expect(second.serviceCidrs).toEqual(['fd01:203:405::/108']);
    });

    it('never hand a deleted cluster’s global ID out again', async () => {
      const gone = await created(eks('short-lived', { podCidrs: [fresh()] }));
      await t.http.delete(`/v1/clusters/${gone.id}`).set(t.auth).expect(204);
      jest
        .spyOn(source, 'next')
        .mockReturnValueOnce(BigInt(`0x${gone.ulaGlobalId}`))
        .mockReturnValueOnce(0x0a0b0c0d0en);
      const after = await created(eks('after', { podCidrs: [fresh()] }));
      expect(after.ulaGlobalId).toBe('0a0b0c0d0e');
    });

    it('draw again when the /48 overlaps a CIDR of the domain', async () => {
      const squatter = await created({ name: 'squatter', podCidrs: ['fd77:7777:7777::/56'], serviceCidrs: ['fd77:7777:7778::/112'] });
      jest.spyOn(source, 'next').mockReturnValueOnce(0x7777777777n).mockReturnValueOnce(0x7777777778n).mockReturnValueOnce(0x0000000077n);
      const c = await created(eks('avoids', { podCidrs: [fresh()] }));
      expect(c.ulaGlobalId).toBe('0000000077');
      await t.http.delete(`/v1/clusters/${squatter.id}`).set(t.auth).expect(204);
    });

    it('give up with 409 and write nothing when every draw collides', async () => {
      const first = await created(eks('holder', { podCidrs: [fresh()] }));
      jest.spyOn(source, 'next').mockReturnValue(BigInt(`0x${first.ulaGlobalId}`));
      const before = await footprint();
      const res = await create(eks('unlucky', { podCidrs: [fresh()] })).expect(409);
      expect(res.body.type).toBe('/problems/conflict');
      expect(res.body.detail).toContain('no unused ULA global ID after 8 random draws');
      expect(await footprint()).toEqual(before);
    });

    it('stay unique under concurrent creations drawing from a tiny space', async () => {
      jest.spyOn(source, 'next').mockImplementation(() => BigInt(0x5000000000 + Math.floor(Math.random() * 24)));
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => create(eks(`racer-${i}`, { podCidrs: [fresh()] }))));
      const ok = results.filter((r) => r.status === 201);
      expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      expect(ok.length).toBeGreaterThan(0);
      const ids = ok.map((r) => r.body.ulaGlobalId as string);
      expect(new Set(ids).size).toBe(ids.length);
      const rows = await t.sql<{ n: number; d: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT ula_global_id)::int AS d FROM cluster_cidr WHERE ula_global_id IS NOT NULL`,
      );
      expect(rows[0].n).toBe(rows[0].d);
    });
  });

  describe('node-local ranges', () => {
    it('must stay out of the cluster’s own pod and service space', async () => {
      const base = { podCidrs: ['10.30.0.0/16'], serviceCidrs: ['10.31.0.0/16'] };
      await refused({ name: 'nl-pod', ...base, nodeLocalCidrs: ['10.30.5.0/24'] }, 'nodeLocalCidrs[0]', 'overlaps podCidrs[0]');
      await refused({ name: 'nl-svc', ...base, nodeLocalCidrs: ['10.0.0.0/8'] }, 'nodeLocalCidrs[0]', 'overlaps podCidrs[0]');
      await refused({ name: 'nl-twice', ...base, nodeLocalCidrs: ['100.64.0.0/24', '100.64.0.0/25'] }, 'nodeLocalCidrs[1]');
      const bad = await create({ name: 'nl-bad', ...base, nodeLocalCidrs: ['169.254.172.1/22'] }).expect(422);
      expect(fields(bad.body)).toContain('nodeLocalCidrs');
    });

    it('are set on a generic cluster, changed by PATCH and reset by null', async () => {
      const c = await created({
        name: 'nl',
        podCidrs: ['10.32.0.0/16'],
        serviceCidrs: ['10.33.0.0/16'],
        nodeLocalCidrs: ['100.64.0.0/24'],
      });
      expect(c.nodeLocalCidrs).toEqual(['100.64.0.0/24']);
      const path = `/v1/clusters/${c.id}`;
      const clash = await patch(path, { nodeLocalCidrs: ['10.33.0.0/24'] }).expect(422);
      expect(fields(clash.body)).toEqual(['nodeLocalCidrs[0]']);
      const changed = await patch(path, { nodeLocalCidrs: ['169.254.172.0/22', '100.64.1.0/24'] }).expect(200);
      expect(changed.body.nodeLocalCidrs).toEqual(['169.254.172.0/22', '100.64.1.0/24']);
      expect(changed.headers.etag).toBe('"2"');
      const who = await t.http.get('/v1/whois?address=100.64.1.9').set(t.auth).expect(200);
      expect(who.body.nodeLocal.map((o: { clusterName: string }) => o.clusterName)).toEqual(['nl']);
      const reset = await patch(path, { nodeLocalCidrs: null }).expect(200);
      expect(reset.body.nodeLocalCidrs).toEqual([]);
      const [audit] = await t.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_record WHERE resource_id = $1 AND action = 'update'`,
        [c.id],
      );
      expect(audit.n).toBe(2);
    });

    it('answer who-owns for IPv6 ranges too, and list at most 100 clusters in name order', async () => {
      const v6 = await created({
        name: 'nl-v6',
        podCidrs: ['10.36.0.0/16'],
        serviceCidrs: ['10.37.0.0/16'],
        nodeLocalCidrs: ['fd99::/64'],
      });
      const who = await t.http.get('/v1/whois?address=fd99::17').set(t.auth).expect(200);
      expect(who.body.nodeLocal).toEqual([expect.objectContaining({ clusterId: v6.id, cidr: 'fd99::/64' })]);
      // a fleet sharing one range, written directly: the answer stops at 100, in name order
      const [d] = await t.sql<{ id: string }>(`SELECT id FROM domain WHERE name = 'default'`);
      await t.sql(
        `INSERT INTO cluster (id, domain_id, name, ip_families) SELECT gen_random_uuid(), $1, 'fleet-' || lpad(i::text, 3, '0'), '{IPv4}'
           FROM generate_series(1, 120) i`,
        [d.id],
      );
      await t.sql(
        `INSERT INTO cluster_node_local_cidr (cluster_id, position, cidr, family, cluster_name)
         SELECT id, 0, '100.127.0.0/16', 4, name FROM cluster WHERE name LIKE 'fleet-%'`,
      );
      const fleet = await t.http.get('/v1/whois?address=100.127.3.4').set(t.auth).expect(200);
      const names = fleet.body.nodeLocal.map((o: { clusterName: string }) => o.clusterName);
      expect(names).toHaveLength(100);
      expect(names[0]).toBe('fleet-001');
      expect(names[99]).toBe('fleet-100');
      expect(fleet.body.nodeLocalMore).toBe(true);
      await t.sql(`DELETE FROM cluster WHERE name LIKE 'fleet-%'`);
    });

    it('are refused when a family added by PATCH would overlap them', async () => {
      const c = await created({
        name: 'nl-grow',
        podCidrs: ['10.34.0.0/16'],
        serviceCidrs: ['10.35.0.0/16'],
        nodeLocalCidrs: ['fd00:34::/64'],
      });
      const res = await patch(`/v1/clusters/${c.id}`, {
        podCidrs: ['10.34.0.0/16', 'fd00:34::/56'],
        serviceCidrs: ['10.35.0.0/16', 'fd00:35::/112'],
      }).expect(422);
      expect(fields(res.body)).toEqual(['nodeLocalCidrs[0]']);
    });
  });

  describe('the link-local guard, on every cluster', () => {
    it('refuses pod and service CIDRs in 169.254.0.0/16 or fe80::/10', async () => {
      await refused({ name: 'll-pod', podCidrs: ['169.254.0.0/16'], serviceCidrs: ['10.96.0.0/16'] }, 'podCidrs[0]', 'overlaps link-local');
      await refused({ name: 'll-svc', podCidrs: ['10.40.0.0/16'], serviceCidrs: ['169.254.100.0/24'] }, 'serviceCidrs[0]', 'link-local');
      await refused({ name: 'll-wide', podCidrs: ['169.0.0.0/8'], serviceCidrs: ['10.96.0.0/16'] }, 'podCidrs[0]', 'link-local');
      await refused(
        { name: 'll-v6', podCidrs: ['10.41.0.0/16', 'fe80::/56'], serviceCidrs: ['10.42.0.0/16', 'fd00:42::/112'] },
        'podCidrs[1]',
        'overlaps link-local fe80::/10',
      );
      // carved: refused once leased, the lease rolled back
      await refused(
        { name: 'll-carved', podCidrs: [{ range: 'link-local' }], serviceCidrs: ['10.96.0.0/16'] },
        'podCidrs[0]',
        'link-local',
      );
    });

    it('refuses a link-local family added by PATCH', async () => {
      const c = await created({ name: 'll-grow', podCidrs: ['10.43.0.0/16'], serviceCidrs: ['10.44.0.0/16'] });
      const res = await patch(`/v1/clusters/${c.id}`, {
        podCidrs: ['10.43.0.0/16', 'fd00:43::/56'],
        serviceCidrs: ['10.44.0.0/16', 'fe80::/112'],
      }).expect(422);
      expect(fields(res.body)).toEqual(['serviceCidrs[1]']);
      expect((await t.http.get(`/v1/clusters/${c.id}`).set(t.auth).expect(200)).body.stack).toBe('IPv4');
    });

    it('lets node-local ranges be link-local', async () => {
      const c = await created({
        name: 'll-nl',
        podCidrs: ['10.45.0.0/16'],
        serviceCidrs: ['10.46.0.0/16'],
        nodeLocalCidrs: ['169.254.172.0/22'],
      });
      expect(c.nodeLocalCidrs).toEqual(['169.254.172.0/22']);
    });
  });

  describe('max pods per node', () => {
    let id: string;
    beforeAll(async () => {
      id = (await created(eks('capacity', { podCidrs: [fresh()] }))).id;
    });

    it('adds maxPodsPerNode by the prefix-mode formula: 434 for m5.large, not the seed’s 460', async () => {
      const res = await t.http.get(`/v1/clusters/${id}/capacity?enis=3&ipsPerEni=10`).set(t.auth).expect(200);
      expect(res.body.maxPodsPerNode).toBe(434);
      expect(res.body.families).toEqual([
        expect.objectContaining({ family: 'IPv6', nodeMaskSize: 80, nodeBlocksTotal: '65536', podAddressesPerNode: String(2n ** 48n) }),
      ]);
      const xl = await t.http.get(`/v1/clusters/${id}/capacity?enis=4&ipsPerEni=15`).set(t.auth).expect(200);
      expect(xl.body.maxPodsPerNode).toBe(898);
      const plain = await t.http.get(`/v1/clusters/${id}/capacity`).set(t.auth).expect(200);
      expect(plain.body).not.toHaveProperty('maxPodsPerNode');
    });

    it.each([
      ['enis=0&ipsPerEni=10', 'enis must be a positive whole number'],
      ['enis=3&ipsPerEni=-1', 'ipsPerEni must be'],
      ['enis=1.5&ipsPerEni=10', 'enis must be'],
      ['enis=abc&ipsPerEni=10', 'enis must be'],
      ['enis=3', 'ipsPerEni must be'],
      ['ipsPerEni=10', 'enis must be'],
      ['enis=3&enis=4&ipsPerEni=10', 'enis must be'],
    ])('answers 400 to %s', async (query, message) => {
      const res = await t.http.get(`/v1/clusters/${id}/capacity?${query}`).set(t.auth).expect(400);
      expect(res.body.type).toBe('/problems/bad-request');
      expect(res.body.detail).toContain(message);
    });
  });

  describe('GraphQL', () => {
    it('creates an EKS_IPV6 cluster and reads its profile, node-local ranges, ULA prefix and max pods', async () => {
      const res = await gql(
        `mutation { createCluster(input: { name: "eks-gql", profile: EKS_IPV6, podCidrs: [{ cidr: "${fresh()}" }] }) {
            id profile stack nodeMaskSizeIPv6 nodeLocalCidrs ulaGlobalId ulaPrefix serviceCidrs { family cidr }
            capacity(enis: 3, ipsPerEni: 10) { maxPodsPerNode maxNodes } } }`,
      ).expect(200);
      expect(res.body.errors).toBeUndefined();
      const c = res.body.data.createCluster;
      expect(c).toMatchObject({ profile: 'EKS_IPV6', stack: 'IPv6', nodeMaskSizeIPv6: 80, nodeLocalCidrs: ['169.254.172.0/22'] });
      expect(c.serviceCidrs).toEqual([
        {
          family: 'IPv6',
          cidr: ulaPrefix(BigInt(`0x${c.ulaGlobalId}`))
            .subnet(108, 0)
            .toString(),
        },
      ]);
      expect(c.ulaPrefix).toBe(ulaPrefix(BigInt(`0x${c.ulaGlobalId}`)).toString());
      expect(c.capacity).toEqual({ maxPodsPerNode: 434, maxNodes: '65536' });

      const who = await gql(
        '{ whoIs(address: "169.254.172.10") { leases { cidr } nodeLocal { clusterName cidr description } nodeLocalMore } }',
      );
      expect(who.body.data.whoIs.nodeLocal).toContainEqual({
        clusterName: 'eks-gql',
        cidr: '169.254.172.0/22',
        description: 'node-local egress range of cluster eks-gql, on every node',
      });
      expect(who.body.data.whoIs.leases).toEqual([]);

      const plain = await gql(`{ cluster(id: "${c.id}") { capacity { maxPodsPerNode } } }`);
      expect(plain.body.data.cluster.capacity.maxPodsPerNode).toBeNull();
      const bad = await gql(`{ cluster(id: "${c.id}") { capacity(enis: 0, ipsPerEni: 10) { maxPodsPerNode } } }`);
      expect(bad.body.errors[0].extensions).toMatchObject({ status: 400, type: '/problems/bad-request' });
    });

    it('generates a ULA entry, sets and resets node-local ranges, and refuses the profile rules', async () => {
      const res = await gql(
        `mutation { createCluster(input: { name: "gql-dual", podCidrs: [{ cidr: "10.50.0.0/16" }, { cidr: "fd00:50::/56" }],
            serviceCidrs: [{ cidr: "10.51.0.0/16" }, { generate: ULA, prefixLength: 112 }], nodeLocalCidrs: ["100.64.9.0/24"] }) {
            id profile nodeLocalCidrs ulaGlobalId serviceCidrs { cidr } } }`,
      ).expect(200);
      expect(res.body.errors).toBeUndefined();
      const c = res.body.data.createCluster;
      expect(c.profile).toBeNull();
      expect(c.nodeLocalCidrs).toEqual(['100.64.9.0/24']);
      expect(c.serviceCidrs[1].cidr).toBe(
        ulaPrefix(BigInt(`0x${c.ulaGlobalId}`))
          .subnet(112, 0)
          .toString(),
      );
      const reset = await gql(`mutation { updateCluster(id: "${c.id}", input: { nodeLocalCidrs: null }) { nodeLocalCidrs } }`);
      expect(reset.body.data.updateCluster.nodeLocalCidrs).toEqual([]);

      const both = await gql(
        `mutation { createCluster(input: { name: "gql-both", podCidrs: [{ cidr: "10.52.0.0/16" }], serviceCidrs: [{ cidr: "10.53.0.0/16", generate: ULA }] }) { id } }`,
      );
      expect(both.body.errors[0].extensions.errors).toEqual([
        { field: 'serviceCidrs[0]', message: expect.stringContaining('give one of') },
      ]);
      const wrong = await gql(
        `mutation { createCluster(input: { name: "gql-eks-v4", profile: EKS_IPV6, podCidrs: [{ cidr: "10.54.0.0/16" }] }) { id } }`,
      );
      expect(wrong.body.errors[0].extensions).toMatchObject({ status: 422, type: '/problems/validation-failed' });
      expect(wrong.body.errors[0].extensions.errors.map((e: { field: string }) => e.field)).toContain('podCidrs');
    });
  });

  it("answers the README's worked example as it says", async () => {
    await post('/v1/ranges', { name: 'vpc-prod', cidr: '2600:1f14:abc:ff00::/56', purpose: 'pod', defaultPrefixLength: 64 }).expect(201);
    jest.spyOn(source, 'next').mockReturnValueOnce(0x3c9e12a5b4n);
    const c = await created({ name: 'eks-readme', profile: 'eks-ipv6', podCidrs: [{ range: 'vpc-prod' }] });
    expect(c).toMatchObject({
      stack: 'IPv6',
      profile: 'eks-ipv6',
      podCidrs: ['2600:1f14:abc:ff00::/64'],
      nodeMaskSizeIPv6: 80,
      serviceCidrs: ['fd3c:9e12:a5b4::/108'],
      ulaGlobalId: '3c9e12a5b4',
      ulaPrefix: 'fd3c:9e12:a5b4::/48',
      nodeLocalCidrs: ['169.254.172.0/22'],
    });
    const blocks = [];
    for (const name of ['ip-10-0-1-10', 'ip-10-0-1-11', 'ip-10-0-1-12']) {
      const labels = { 'topology.kubernetes.io/zone': 'eu-west-1a' };
      blocks.push((await post(`/v1/clusters/${c.id}/nodes`, { name, labels }).expect(201)).body.podCidrs);
    }
    expect(blocks).toEqual([['2600:1f14:abc:ff00::/80'], ['2600:1f14:abc:ff00:1::/80'], ['2600:1f14:abc:ff00:2::/80']]);
    const pod = await t.http.get('/v1/whois?address=2600:1f14:abc:ff00:1::2a').set(t.auth).expect(200);
    expect(pod.body.leases).toEqual([
      expect.objectContaining({
        cidr: '2600:1f14:abc:ff00::/64',
        holder: expect.objectContaining({ kind: 'cluster', name: 'eks-readme' }),
        pool: expect.objectContaining({ rangeName: 'vpc-prod' }),
      }),
      expect.objectContaining({
        cidr: '2600:1f14:abc:ff00:1::/80',
        holder: expect.objectContaining({ kind: 'node', name: 'ip-10-0-1-11', clusterName: 'eks-readme' }),
      }),
    ]);
    const egress = await t.http.get('/v1/whois?address=169.254.172.10').set(t.auth).expect(200);
    expect(egress.body.leases).toEqual([]);
    expect(egress.body.nodeLocal).toContainEqual(
      expect.objectContaining({ clusterName: 'eks-readme', description: 'node-local egress range of cluster eks-readme, on every node' }),
    );
    const capacity = await t.http.get(`/v1/clusters/${c.id}/capacity?enis=3&ipsPerEni=10`).set(t.auth).expect(200);
    expect(capacity.body).toMatchObject({
      families: [
        expect.objectContaining({ podCidr: '2600:1f14:abc:ff00::/64', nodeMaskSize: 80, nodeBlocksTotal: '65536', nodeBlocksUsed: '3' }),
      ],
      maxPodsPerNode: 434,
    });

    // the other two zones' subnets as pod pools, tried before the cluster's own /64 (which takes every node)
    for (const [zone, order] of [
      ['eu-west-1b', -2],
      ['eu-west-1c', -1],
    ] as const) {
      await post(`/v1/clusters/${c.id}/pod-pools`, {
        name: zone,
        cidr: { range: 'vpc-prod', prefixLength: 64 },
        order,
        nodeSelector: { matchLabels: { 'topology.kubernetes.io/zone': zone } },
      }).expect(201);
    }
    const zoned = [];
    for (const [name, zone] of [
      ['ip-10-0-2-10', 'eu-west-1b'],
      ['ip-10-0-3-10', 'eu-west-1c'],
      ['ip-10-0-1-13', 'eu-west-1a'],
    ]) {
      zoned.push(
        (await post(`/v1/clusters/${c.id}/nodes`, { name, labels: { 'topology.kubernetes.io/zone': zone } }).expect(201)).body.podCidrs,
      );
    }
    expect(zoned).toEqual([['2600:1f14:abc:ff01::/80'], ['2600:1f14:abc:ff02::/80'], ['2600:1f14:abc:ff00:3::/80']]);
    const inPool = await t.http.get('/v1/whois?address=2600:1f14:abc:ff01::7').set(t.auth).expect(200);
    expect(inPool.body.leases).toContainEqual(
      expect.objectContaining({ cidr: '2600:1f14:abc:ff01::/80', holder: expect.objectContaining({ kind: 'node', name: 'ip-10-0-2-10' }) }),
    );
  });

  describe('pod pools of an eks-ipv6 cluster', () => {
    let clusterId: string;
    beforeAll(async () => {
      clusterId = (await created(eks('eks-pools', { podCidrs: [fresh()] }))).id;
    });
    const pool = (body: object) => post(`/v1/clusters/${clusterId}/pod-pools`, body);

    it('take global unicast /64s with /80 node blocks, each refusal a 422 that writes nothing', async () => {
      const before = await footprint();
      const notSubnet = await pool({ name: 'narrow', cidr: '2600:1f14:eee:5::/66' }).expect(422);
      expect(messages(notSubnet.body)).toMatch(/VPC subnets/);
      const notGua = await pool({ name: 'ula', cidr: 'fd00:1:2:3::/64' }).expect(422);
      expect(messages(notGua.body)).toMatch(/not global unicast/);
      const mask = await pool({ name: 'mask', cidr: '2600:1f14:eee:1::/64', nodeMaskSize: 96 }).expect(422);
      expect(fields(mask.body)).toContain('nodeMaskSize');
      // carved: checked once leased, and the lease rolled back
      const carved = await pool({ name: 'carved', cidr: { range: 'vpc', prefixLength: 65 } }).expect(422);
      expect(fields(carved.body)).toContain('cidr');
      expect(await footprint()).toEqual(before);
      await pool({ name: 'zone-b', cidr: '2600:1f14:eee:2::/64' }).expect(201);
    });

    it('stay out of link-local space on any cluster', async () => {
      const res = await create({
        name: 'generic-pools',
        podCidrs: ['10.80.0.0/16', 'fd00:80::/56'],
        serviceCidrs: ['10.81.0.0/16', 'fd00:81::/112'],
      });
      expect(res.body).toMatchObject({ name: 'generic-pools' });
      const generic = res.body as ClusterBody;
      const before = await footprint();
      const v4 = await post(`/v1/clusters/${generic.id}/pod-pools`, { name: 'll4', cidr: '169.254.64.0/20' }).expect(422);
      expect(messages(v4.body)).toMatch(/link-local 169\.254\.0\.0\/16/);
      const v6 = await post(`/v1/clusters/${generic.id}/pod-pools`, { name: 'll6', cidr: 'fe80::/56' }).expect(422);
      expect(messages(v6.body)).toMatch(/link-local fe80::\/10/);
      const carved = await post(`/v1/clusters/${generic.id}/pod-pools`, {
        name: 'll-carved',
        cidr: { range: 'link-local', prefixLength: 20 },
      }).expect(422);
      expect(fields(carved.body)).toContain('cidr');
      expect(await footprint()).toEqual(before);
    });
  });
});
