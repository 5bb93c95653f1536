import { Address, Prefix, dynamicBandStart } from '@kipam/cidr';
import { startTestApp, type TestApp } from './setup/test-app';

/** ServiceCIDRs (networking.k8s.io/v1, Kubernetes >= 1.33): more ClusterIP space for a live cluster. */
describe('ServiceCIDRs', () => {
  let t: TestApp;
  let n = 0;

  const cluster = async (podCidrs: string[], serviceCidrs: (string | object)[], extra: object = {}): Promise<string> => {
    const res = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: `c${++n}`, podCidrs, serviceCidrs, kubernetesVersion: '1.33', ...extra })
      .expect(201);
    return res.body.id as string;
  };
  const base = (c: string) => `/v1/clusters/${c}/service-cidrs`;
  const addCidr = (c: string, body: object) => t.http.post(base(c)).set(t.auth).send(body);
  const service = (c: string, body: object) =>
    t.http
      .post(`/v1/clusters/${c}/services`)
      .set(t.auth)
      .send({ namespace: 'default', ...body });
  const inside = (cidr: string, ip: string) => Prefix.parse(cidr).contains(Address.parse(ip));
  const counts = async () =>
    (
      await t.sql<{ sc: number; cc: number; pools: number; leases: number }>(
        `SELECT (SELECT count(*)::int FROM service_cidr) AS sc, (SELECT count(*)::int FROM cluster_cidr) AS cc,
                (SELECT count(*)::int FROM pool) AS pools, (SELECT count(*)::int FROM lease) AS leases`,
      )
    )[0];
  const gql = (query: string, variables?: object) => t.http.post('/graphql').set(t.auth).send({ query, variables });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is refused (422) on a cluster without kubernetesVersion or below 1.33, saying why', async () => {
    const none = await cluster(['10.30.0.0/16'], ['10.130.0.0/24'], { kubernetesVersion: undefined });
    const old = await cluster(['10.31.0.0/16'], ['10.131.0.0/24'], { kubernetesVersion: '1.32' });
    const before = await counts();
    const a = await addCidr(none, { name: 'extra', cidrs: ['10.132.0.0/24'] }).expect(422);
    expect(a.body.errors).toEqual([
      { field: 'kubernetesVersion', message: expect.stringMatching(/no kubernetesVersion: .*1\.33 or later/) },
    ]);
    const b = await addCidr(old, { name: 'extra', cidrs: ['10.132.0.0/24'] }).expect(422);
    expect(b.body.errors[0].message).toMatch(
      /runs Kubernetes 1\.32: extra ServiceCIDRs \(networking\.k8s\.io\/v1, GA in 1\.33\) need 1\.33 or later/,
    );
    await t.http.get(base(old)).set(t.auth).expect(422);
    await t.http
      .get(`${base(old)}/kubernetes`)
      .set(t.auth)
      .expect(422);
    await t.http
      .delete(`${base(old)}/extra`)
      .set(t.auth)
      .expect(422);
    expect(await counts()).toEqual(before);
    // unknown cluster: 404
    await t.http.get(base('00000000-0000-4000-8000-000000000000')).set(t.auth).expect(404);
  });

  it('lists the default ServiceCIDR "kubernetes" (the cluster’s serviceCidrs) first, then the others; each by name', async () => {
    const c = await cluster(['10.33.0.0/16', 'fd00:33::/56'], ['10.133.0.0/24', 'fd00:133::/112']);
    const list = await t.http.get(base(c)).set(t.auth).expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ name: 'kubernetes', default: true, clusterId: c, cidrs: ['10.133.0.0/24', 'fd00:133::/112'] }),
    ]);
    const made = await addCidr(c, { name: 'extra-1.example', cidrs: ['fd00:134::/112', '10.134.0.0/24'] }).expect(201);
    expect(made.headers.location).toBe(`${base(c)}/extra-1.example`);
    expect(made.body).toMatchObject({ name: 'extra-1.example', default: false, cidrs: ['fd00:134::/112', '10.134.0.0/24'] });
    expect(made.body.cidrAssignments).toEqual([
      { family: 'IPv6', cidr: 'fd00:134::/112', rangeId: null, rangeName: null },
      { family: 'IPv4', cidr: '10.134.0.0/24', rangeId: null, rangeName: null },
    ]);
    await addCidr(c, { name: 'extra-2', cidrs: ['10.135.0.0/24'] }).expect(201);
    const again = await t.http.get(base(c)).set(t.auth).expect(200);
    expect(again.body.items.map((s: { name: string }) => s.name)).toEqual(['kubernetes', 'extra-1.example', 'extra-2']);
    const one = await t.http
      .get(`${base(c)}/extra-2`)
      .set(t.auth)
      .expect(200);
    expect(one.body.cidrs).toEqual(['10.135.0.0/24']);
    // immutable: its ETag is its identity, the same on every read
    const first = await t.http
      .get(`${base(c)}/extra-1.example`)
      .set(t.auth)
      .expect(200);
    expect(first.headers.etag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(first.headers.etag).toBe(made.headers.etag);
    await t.http
      .get(`${base(c)}/nope`)
      .set(t.auth)
      .expect(404);
    // the cluster's own serviceCidrs are unchanged
    const cl = await t.http.get(`/v1/clusters/${c}`).set(t.auth).expect(200);
    expect(cl.body.serviceCidrs).toEqual(['10.133.0.0/24', 'fd00:133::/112']);
    // audited
    const [audit] = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_record WHERE resource = 'service-cidr' AND action = 'create' AND cluster_id = $1`,
      [c],
    );
    expect(audit.n).toBe(2);
  });

  it('carves a CIDR from a range like a cluster CIDR; the range lease is the cluster’s and who-owns names the ServiceCIDR', async () => {
    await t.http
      .post('/v1/ranges')
      .set(t.auth)
      .send({ name: 'svc-pool', cidr: '10.200.0.0/16', purpose: 'service', defaultPrefixLength: 24 })
      .expect(201);
    const c = await cluster(['10.36.0.0/16'], [{ range: 'svc-pool' }]);
    const made = await addCidr(c, { name: 'carved', cidrs: [{ range: 'svc-pool', prefixLength: 23 }] }).expect(201);
    expect(made.body.cidrAssignments[0]).toMatchObject({ family: 'IPv4', rangeName: 'svc-pool' });
    const cidr = made.body.cidrs[0] as string;
    expect(Prefix.parse(cidr).length).toBe(23);
    const [lease] = await t.sql<{ holder_kind: string; holder_id: string; slot: string }>(
      'SELECT holder_kind::text, holder_id::text, slot FROM lease WHERE cidr = $1::inet',
      [cidr],
    );
    expect(lease).toEqual({ holder_kind: 'cluster', holder_id: c, slot: 'servicecidr/carved/IPv4' });
    const first = Prefix.parse(cidr);
    const who = await t.http
      .get(`/v1/whois?address=${Address.fromBigInt('IPv4', first.firstValue).toString()}`)
      .set(t.auth)
      .expect(200);
    const names = (who.body.leases as { holder: { name: string; kind: string } }[]).map((l) => `${l.holder.kind} ${l.holder.name}`);
    expect(names).toEqual(expect.arrayContaining([`cluster c${n}`, `system network address of ServiceCIDR carved service CIDR ${cidr}`]));
    // a carve request for a pod range is refused, with the ServiceCIDR's field name
    await t.http.post('/v1/ranges').set(t.auth).send({ name: 'pod-pool', cidr: '10.201.0.0/16', purpose: 'pod' }).expect(201);
    const wrong = await addCidr(c, { name: 'wrong', cidrs: [{ range: 'pod-pool', prefixLength: 24 }] }).expect(422);
    expect(wrong.body.errors).toEqual([{ field: 'cidrs[0].range', message: expect.stringMatching(/is for pod CIDRs, not service CIDRs/) }]);
  });

  it('validates as ValidateServiceCIDR does, and refuses what the cluster cannot take; nothing is written', async () => {
    const c = await cluster(['10.37.0.0/16'], ['10.137.0.0/24']);
    const other = await cluster(['10.38.0.0/16'], ['10.138.0.0/24']);
    await addCidr(c, { name: 'taken', cidrs: ['10.139.0.0/24'] }).expect(201);
    const before = await counts();
    const refusals: [object, number, RegExp][] = [
      [{ name: 'Extra', cidrs: ['10.140.0.0/24'] }, 422, /lowercase RFC 1123 subdomain/],
      [{ name: 'a'.repeat(254), cidrs: ['10.140.0.0/24'] }, 422, /no more than 253/],
      [{ name: 'x', cidrs: [] }, 422, /one or two entries/],
      [{ name: 'x', cidrs: ['10.140.0.0/24', 'fd00:1::/112', '10.141.0.0/24'] }, 422, /one or two entries/],
      [{ name: 'x', cidrs: ['10.140.0.1/24'] }, 422, /host bits|network/],
      [{ name: 'x', cidrs: ['10.140.0.0/24', '10.141.0.0/24'] }, 422, /no more than one CIDR for each IP family/],
      [{ name: 'x', cidrs: ['fd00:140::/112'] }, 422, /is IPv6, but the cluster has IPv4 service addresses only/],
      [{ name: 'x', cidrs: ['10.64.0.0/10'] }, 422, /at most 2\^20/],
      [{ name: 'x', cidrs: ['10.37.128.0/24'] }, 422, /overlaps the cluster's pod CIDR 10\.37\.0\.0\/16/],
      [{ name: 'x', cidrs: ['10.137.0.0/25'] }, 422, /overlaps the default ServiceCIDR kubernetes \(10\.137\.0\.0\/24\)/],
      [{ name: 'x', cidrs: ['10.139.0.0/23'] }, 422, /overlaps ServiceCIDR taken \(10\.139\.0\.0\/24\)/],
      [{ name: 'x', cidrs: ['10.138.0.0/24'] }, 409, /overlaps the service CIDR 10\.138\.0\.0\/24 of cluster/],
      [{ name: 'x', cidrs: ['10.38.5.0/24'] }, 409, /overlaps the pod CIDR 10\.38\.0\.0\/16 of cluster/],
      [{ name: 'taken', cidrs: ['10.142.0.0/24'] }, 409, /ServiceCIDR taken already exists/],
      [{ name: 'kubernetes', cidrs: ['10.142.0.0/24'] }, 409, /ServiceCIDR kubernetes .* already exists/],
      [{ name: 'x', cidrs: [{ range: 'no-such-range' }] }, 422, /no range no-such-range/],
    ];
    for (const [body, status, message] of refusals) {
      const res = await addCidr(c, body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const text = JSON.stringify(res.body);
      expect({ body, text }).toEqual({ body, text: expect.stringMatching(message) });
    }
    const dup = await addCidr(c, { name: 'taken', cidrs: ['10.142.0.0/24'] });
    expect(dup.body.type).toBe('/problems/already-exists');
    expect(dup.headers.location).toBe(`${base(c)}/taken`);
    expect(await counts()).toEqual(before);
    void other;
  });

  it('a Service’s dynamic ClusterIP comes from any ServiceCIDR with room; when all are full, 409 names them', async () => {
    // /28: 14 usable, one is default/kubernetes's
    const c = await cluster(['10.40.0.0/16'], ['10.140.0.0/28']);
    await addCidr(c, { name: 'more', cidrs: ['10.141.0.0/28'] }).expect(201);
    const ips: string[] = [];
    for (let i = 0; i < 27; i++) ips.push((await service(c, { name: `s${i}` }).expect(201)).body.clusterIP as string);
    expect(new Set(ips).size).toBe(27);
    expect(ips.filter((ip) => inside('10.140.0.0/28', ip))).toHaveLength(13);
    expect(ips.filter((ip) => inside('10.141.0.0/28', ip))).toHaveLength(14);
    // random order between ServiceCIDRs (kube-apiserver ranges over a Go map): both were used before either filled
    const firstTen = ips.slice(0, 10);
    expect(firstTen.some((ip) => inside('10.141.0.0/28', ip)) && firstTen.some((ip) => inside('10.140.0.0/28', ip))).toBe(true);
    const full = await service(c, { name: 'one-too-many' }).expect(409);
    expect(full.body).toMatchObject({ type: '/problems/range-exhausted', family: 'IPv4', cidrs: ['10.140.0.0/28', '10.141.0.0/28'] });
    expect(full.body.detail).toMatch(
      /every IPv4 ServiceCIDR of cluster c\d+ is full \(kubernetes 10\.140\.0\.0\/28, more 10\.141\.0\.0\/28\): add a ServiceCIDR/,
    );
    // adding a ServiceCIDR grows the live cluster
    await addCidr(c, { name: 'even-more', cidrs: ['10.142.0.0/28'] }).expect(201);
    const grown = await service(c, { name: 'one-too-many' }).expect(201);
    expect(inside('10.142.0.0/28', grown.body.clusterIP)).toBe(true);
    // capacity counts every ServiceCIDR
    const cap = await t.http.get(`/v1/clusters/${c}/capacity`).set(t.auth).expect(200);
    expect(cap.body.serviceCidrs).toEqual([
      {
        serviceCidr: 'kubernetes',
        family: 'IPv4',
        cidr: '10.140.0.0/28',
        clusterIPsTotal: '14',
        clusterIPsUsed: '14',
        clusterIPsFree: '0',
      },
      { serviceCidr: 'even-more', family: 'IPv4', cidr: '10.142.0.0/28', clusterIPsTotal: '14', clusterIPsUsed: '1', clusterIPsFree: '13' },
      { serviceCidr: 'more', family: 'IPv4', cidr: '10.141.0.0/28', clusterIPsTotal: '14', clusterIPsUsed: '14', clusterIPsFree: '0' },
    ]);
  });

  it('the lower (static) band rule holds per ServiceCIDR; a requested ClusterIP may lie in any of them', async () => {
    const c = await cluster(['10.43.0.0/16'], ['10.143.0.0/28']);
    await addCidr(c, { name: 'wide', cidrs: ['10.144.0.0/24'] }).expect(201);
    const band = dynamicBandStart(Prefix.parse('10.144.0.0/24')); // .17
    for (let i = 0; i < 30; i++) {
      const ip = (await service(c, { name: `d${i}` }).expect(201)).body.clusterIP as string;
      if (inside('10.144.0.0/24', ip)) expect(Address.parse(ip).value).toBeGreaterThanOrEqual(band);
    }
    // static addresses in the extra ServiceCIDR's lower band, and in the default one
    expect((await service(c, { name: 'static', clusterIP: '10.144.0.5' }).expect(201)).body.clusterIP).toBe('10.144.0.5');
    const outside = await service(c, { name: 'nowhere', clusterIP: '10.145.0.5' }).expect(422);
    expect(outside.body.errors).toEqual([
      {
        field: 'clusterIP',
        message: '10.145.0.5 is outside every IPv4 ServiceCIDR of the cluster (kubernetes 10.143.0.0/28, wide 10.144.0.0/24)',
      },
    ]);
    const network = await service(c, { name: 'network', clusterIP: '10.144.0.0' }).expect(422);
    expect(network.body.errors[0].message).toMatch(/network address of 10\.144\.0\.0\/24/);
    const broadcast = await service(c, { name: 'broadcast', clusterIP: '10.144.0.255' }).expect(422);
    expect(broadcast.body.errors[0].message).toMatch(/broadcast address of 10\.144\.0\.0\/24/);
    const taken = await service(c, { name: 'taken', clusterIP: '10.144.0.5' }).expect(409);
    expect(taken.body.type).toBe('/problems/address-taken');
  });

  it('deleting a ServiceCIDR whose ClusterIPs Services hold is refused (409) naming them; once they are gone it goes, with its leases', async () => {
    await t.http.post('/v1/ranges').set(t.auth).send({ name: 'svc-del', cidr: '10.210.0.0/16', purpose: 'service' }).expect(201);
    const c = await cluster(['10.46.0.0/16'], ['10.146.0.0/24']);
    const before = await counts();
    const made = await addCidr(c, { name: 'temp', cidrs: [{ range: 'svc-del', prefixLength: 24 }] }).expect(201);
    const cidr = made.body.cidrs[0] as string;
    const held = await service(c, {
      name: 'web',
      clusterIP: Address.fromBigInt('IPv4', Prefix.parse(cidr).firstValue + 40n).toString(),
    }).expect(201);
    await service(c, { name: 'other', clusterIP: '10.146.0.40' }).expect(201);
    const refused = await t.http
      .delete(`${base(c)}/temp`)
      .set(t.auth)
      .expect(409);
    expect(refused.body).toMatchObject({
      type: '/problems/conflict',
      serviceCidr: 'temp',
      services: [{ namespace: 'default', name: 'web', clusterIP: held.body.clusterIP }],
    });
    expect(refused.body.detail).toMatch(/ServiceCIDR temp still has ClusterIPs held by Services default\/web \(10\.210\.\d+\.40\)/);
    await t.http
      .get(`${base(c)}/temp`)
      .set(t.auth)
      .expect(200);

    await t.http.delete(`/v1/clusters/${c}/services/${held.body.id}`).set(t.auth).expect(204);
    await t.http
      .delete(`${base(c)}/temp`)
      .set(t.auth)
      .expect(204);
    await t.http
      .get(`${base(c)}/temp`)
      .set(t.auth)
      .expect(404);
    await t.http
      .delete(`${base(c)}/temp`)
      .set(t.auth)
      .expect(404);
    // its range lease, pool, system leases and rows are gone: only the Service 'other' remains of what was added
    expect(await counts()).toEqual({ ...before, leases: before.leases + 1 });
    expect(await t.sql('SELECT 1 FROM lease WHERE cidr = $1::inet', [cidr])).toEqual([]);
    // the range hands the block out again
    const again = await addCidr(c, { name: 'temp', cidrs: [{ range: 'svc-del', prefixLength: 24 }] }).expect(201);
    expect(again.body.cidrs).toEqual([cidr]);

    const def = await t.http
      .delete(`${base(c)}/kubernetes`)
      .set(t.auth)
      .expect(409);
    expect(def.body.detail).toMatch(/default ServiceCIDR .* cannot be deleted/);
  });

  it('a ServiceCIDR deletion racing Service creations leaves no Service outside every ServiceCIDR', async () => {
    const c = await cluster(['10.47.0.0/16'], ['10.147.0.0/28']);
    // fill the default ServiceCIDR: new Services can only go to the extra one
    for (let i = 0; i < 13; i++) await service(c, { name: `fill${i}` }).expect(201);
    let deletedOnce = false;
    let refusedOnce = false;
    const outcomes: number[] = [];
    for (let round = 0; round < 6; round++) {
      await addCidr(c, { name: 'racy', cidrs: ['10.148.0.0/26'] }).expect(201);
      // even rounds: the deletion goes first and the creations follow a moment later; odd rounds: the other way round
      const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const deletionFirst = round % 2 === 0;
      const deletion = later(deletionFirst ? 0 : 5).then(() => t.http.delete(`${base(c)}/racy`).set(t.auth));
      const creations = Array.from({ length: 12 }, (_, i) =>
        later(deletionFirst ? 3 + i : 0).then(() => service(c, { namespace: `r${round}`, name: `s${i}` })),
      );
      const [del, ...made] = await Promise.all([deletion, ...creations]);
      expect([204, 409]).toContain(del.status);
      for (const r of made) expect([201, 409]).toContain(r.status);
      if (del.status === 204) {
        deletedOnce = true;
        // no Service got an address of the deleted ServiceCIDR
        expect(made.filter((r) => r.status === 201)).toEqual([]);
      } else {
        refusedOnce = true;
        expect(made.some((r) => r.status === 201)).toBe(true);
      }
      // every ClusterIP lies in a ServiceCIDR the cluster still has, in that ServiceCIDR's pool
      const stray = await t.sql(
        `SELECT l.cidr::text FROM lease l JOIN service s ON s.id = l.holder_id
          WHERE l.holder_kind = 'service' AND s.cluster_id = $1
            AND NOT EXISTS (SELECT 1 FROM cluster_cidr cc WHERE cc.cluster_id = $1 AND cc.pool_id = l.pool_id AND cc.cidr >>= l.cidr)`,
        [c],
      );
      expect(stray).toEqual([]);
      // and every Service still has its ClusterIP (none lost with a deleted pool)
      const [held] = await t.sql<{ services: number; leases: number }>(
        `SELECT (SELECT count(*)::int FROM service WHERE cluster_id = $1) AS services,
                (SELECT count(*)::int FROM lease l JOIN service s ON s.id = l.holder_id WHERE l.holder_kind = 'service' AND s.cluster_id = $1) AS leases`,
        [c],
      );
      expect(held.leases).toBe(held.services);
      outcomes.push(del.status);
      // clean up for the next round
      for (const r of made.filter((m) => m.status === 201)) {
        await t.http.delete(`/v1/clusters/${c}/services/${r.body.id}`).set(t.auth).expect(204);
      }
      if (del.status === 409)
        await t.http
          .delete(`${base(c)}/racy`)
          .set(t.auth)
          .expect(204);
    }
    expect(deletedOnce || refusedOnce).toBe(true);
    if (process.env.KIPAM_SHOW_RACE) console.log(`deletion outcomes: ${outcomes.join(' ')}`);
  });

  it('config output gains the ServiceCIDR manifests (JSON and YAML); conflicts see a ServiceCIDR; the version cannot drop below 1.33 under one', async () => {
    const c = await cluster(['10.50.0.0/16', 'fd00:50::/56'], ['10.150.0.0/24', 'fd00:150::/112']);
    await addCidr(c, { name: 'extra', cidrs: ['10.151.0.0/24', 'fd00:151::/112'] }).expect(201);
    const json = await t.http.get(`/v1/clusters/${c}/config`).set(t.auth).expect(200);
    expect(json.body.serviceCidrs).toEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'ServiceCIDR',
        metadata: { name: 'extra' },
        spec: { cidrs: ['10.151.0.0/24', 'fd00:151::/112'] },
      },
    ]);
    // the flags keep the default ServiceCIDR only (--service-cluster-ip-range)
    expect(json.body.kubeApiserver).toEqual(['--service-cluster-ip-range=10.150.0.0/24,fd00:150::/112']);
    const yaml = await t.http.get(`/v1/clusters/${c}/config?format=yaml`).set(t.auth).expect(200);
    const docs = yaml.text.split(/^---$/m);
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatch(/kind: ClusterConfiguration/);
    expect(docs[1]).toMatch(
      /apiVersion: networking\.k8s\.io\/v1\nkind: ServiceCIDR\nmetadata:\n {2}name: extra\nspec:\n {2}cidrs:\n {4}- 10\.151\.0\.0\/24\n {4}- fd00:151::\/112/,
    );

    // an imported cluster overlapping the ServiceCIDR shows up in conflicts
    const imported = await cluster(['10.52.0.0/16'], ['10.151.0.0/25'], { allowConflicts: true });
    const conflicts = await t.http.get(`/v1/conflicts?clusterId=${imported}`).set(t.auth).expect(200);
    expect(conflicts.body.items).toEqual([
      expect.objectContaining({
        a: expect.objectContaining({ kind: 'service' }),
        b: expect.objectContaining({ kind: 'service' }),
      }),
    ]);
    const sides = [conflicts.body.items[0].a, conflicts.body.items[0].b].map((s: { cidr: string; clusterId: string }) => [
      s.cidr,
      s.clusterId,
    ]);
    expect(sides).toEqual(
      expect.arrayContaining([
        ['10.151.0.0/24', c],
        ['10.151.0.0/25', imported],
      ]),
    );

    const down = await t.http.patch(`/v1/clusters/${c}`).set(t.auth).send({ kubernetesVersion: '1.32' }).expect(422);
    expect(down.body.errors).toEqual([
      { field: 'kubernetesVersion', message: expect.stringMatching(/need 1\.33 or later; the cluster has ServiceCIDR\(s\) extra/) },
    ]);
    await t.http.patch(`/v1/clusters/${c}`).set(t.auth).send({ kubernetesVersion: '1.34' }).expect(200);

    // deleting the cluster releases the ServiceCIDR's leases too
    await t.http.delete(`/v1/clusters/${c}`).set(t.auth).expect(204);
    expect(await t.sql(`SELECT 1 FROM service_cidr WHERE cluster_id = $1`, [c])).toEqual([]);
    expect(await t.sql(`SELECT 1 FROM pool WHERE cidr = '10.151.0.0/24'::inet`)).toEqual([]);
  });

  it('GraphQL: Cluster.serviceCidrResources, createServiceCidr and deleteServiceCidr', async () => {
    const c = await cluster(['10.53.0.0/16'], ['10.153.0.0/24']);
    const old = await cluster(['10.54.0.0/16'], ['10.154.0.0/24'], { kubernetesVersion: '1.30' });
    const created = await gql(
      `mutation($c: ID!) { createServiceCidr(clusterId: $c, input: { name: "gql", cidrs: [{ cidr: "10.155.0.0/24" }] }) { name default cidrs { family cidr } } }`,
      { c },
    ).expect(200);
    expect(created.body.data.createServiceCidr).toEqual({
      name: 'gql',
      default: false,
      cidrs: [{ family: 'IPv4', cidr: '10.155.0.0/24' }],
    });
    const read = await gql(
      `query($a: ID!, $b: ID!) { a: cluster(id: $a) { serviceCidrResources { name default cidrs { cidr } } } b: cluster(id: $b) { serviceCidrResources { name } } }`,
      {
        a: c,
        b: old,
      },
    ).expect(200);
    expect(read.body.data.a.serviceCidrResources).toEqual([
      { name: 'kubernetes', default: true, cidrs: [{ cidr: '10.153.0.0/24' }] },
      { name: 'gql', default: false, cidrs: [{ cidr: '10.155.0.0/24' }] },
    ]);
    expect(read.body.data.b.serviceCidrResources).toEqual([]);
    const refused = await gql(
      `mutation($c: ID!) { createServiceCidr(clusterId: $c, input: { name: "x", cidrs: [{ cidr: "10.156.0.0/24" }] }) { name } }`,
      {
        c: old,
      },
    ).expect(200);
    expect(refused.body.errors[0].extensions).toMatchObject({ status: 422 });
    expect(refused.body.errors[0].message).toMatch(/1\.33 or later/);
    const deleted = await gql(`mutation($c: ID!) { deleteServiceCidr(clusterId: $c, name: "gql") }`, { c }).expect(200);
    expect(deleted.body.data.deleteServiceCidr).toBe(true);
    await t.http
      .get(`${base(c)}/gql`)
      .set(t.auth)
      .expect(404);
  });
});
