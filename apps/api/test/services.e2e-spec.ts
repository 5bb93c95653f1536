import { parse as parseYaml } from 'yaml';
import { Client } from 'pg';
import { Address, Prefix } from '@kipam/cidr';
import { connectionConfig } from '@kipam/persistence';
import { startTestApp, type TestApp } from './setup/test-app';

/** Service ClusterIPs with the Kubernetes dual-stack semantics (seed: IPv4/IPv6 dual-stack, Services section). */
describe('Services', () => {
  let t: TestApp;
  /** dual-stack, IPv4 primary */
  let ds: string;
  /** single-stack IPv4 */
  let v4: string;

  const cluster = async (name: string, podCidrs: string[], serviceCidrs: string[]): Promise<string> => {
    const res = await t.http.post('/v1/clusters').set(t.auth).send({ name, podCidrs, serviceCidrs }).expect(201);
    return res.body.id as string;
  };
  const services = (clusterId: string) => `/v1/clusters/${clusterId}/services`;
  const create = (clusterId: string, body: object) => t.http.post(services(clusterId)).set(t.auth).send(body);
  const patch = (clusterId: string, id: string, body: object) =>
    t.http
      .patch(`${services(clusterId)}/${id}`)
      .set(t.auth)
      .send(body);
  /** Manifest mode with a YAML body, as `kubectl apply -f` would send it. */
  const apply = (clusterId: string, yaml: string) =>
    t.http
      .post(`${services(clusterId)}:apply`)
      .set(t.auth)
      .set('content-type', 'application/yaml')
      .send(yaml);
  const applied = (res: { text: string }) => parseYaml(res.text) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  const leasesOf = (serviceId: string) =>
    t.sql<{ cidr: string; slot: string }>(
      `SELECT cidr::text AS cidr, slot FROM lease WHERE holder_kind = 'service' AND holder_id = $1 ORDER BY slot`,
      [serviceId],
    );
  const inside = (cidr: string, ip: unknown) => Prefix.parse(cidr).contains(Address.parse(ip));

  /** The seed's manifests (indentation restored), with a name of our choosing and extra spec lines. */
  const seedManifest = (name: string, spec: string[] = []) =>
    [
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      `  name: ${name}`,
      '  labels:',
      '    app: MyApp',
      'spec:',
      ...spec.map((l) => `  ${l}`),
      '  selector:',
      '    app: MyApp',
      '  ports:',
      '    - protocol: TCP',
      '      port: 80',
      '',
    ].join('\n');

  beforeAll(async () => {
    t = await startTestApp();
    // a /20 and a /112: the static band (256 addresses, KEP-3070) holds every address these tests request, so random dynamic ClusterIPs never take them
    ds = await cluster('ds', ['10.10.0.0/16', 'fd00:10::/56'], ['10.96.0.0/20', 'fd00:96::/112']);
    v4 = await cluster('v4', ['10.11.0.0/16'], ['10.97.0.0/24']);
  });
  afterAll(() => t.close());

  describe('the seed scenarios, through manifest mode (YAML)', () => {
    it('no ipFamilyPolicy: SingleStack with a ClusterIP of the primary family', async () => {
      const res = await apply(ds, seedManifest('no-policy')).expect(201);
      expect(res.headers['content-type']).toMatch(/^application\/yaml/);
      expect(res.headers.location).toMatch(new RegExp(`^/v1/clusters/${ds}/services/[0-9a-f-]{36}$`));
      expect(res.headers.etag).toBe('"1"');
      const m = applied(res);
      expect(m).toMatchObject({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'no-policy', namespace: 'default', labels: { app: 'MyApp' } },
        spec: { type: 'ClusterIP', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], selector: { app: 'MyApp' } },
      });
      expect(m.spec.ports).toEqual([{ protocol: 'TCP', port: 80 }]); // unknown fields are echoed
      expect(m.spec.clusterIPs).toEqual([m.spec.clusterIP]);
      expect(inside('10.96.0.0/20', m.spec.clusterIP)).toBe(true);
      // the same Service over REST
      const read = await t.http.get(res.headers.location).set(t.auth).expect(200);
      expect(read.body).toMatchObject({ namespace: 'default', name: 'no-policy', clusterIP: m.spec.clusterIP, headless: false });
      expect(read.headers.etag).toBe('"1"');
    });

    it('PreferDualStack on a dual-stack cluster: both families, the primary first', async () => {
      const m = applied(await apply(ds, seedManifest('prefer', ['ipFamilyPolicy: PreferDualStack'])).expect(201));
      expect(m.spec).toMatchObject({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] });
      const ips = m.spec.clusterIPs as string[];
      expect(ips).toHaveLength(2);
      expect(m.spec.clusterIP).toBe(ips[0]);
      expect(inside('10.96.0.0/20', ips[0])).toBe(true);
      expect(inside('fd00:96::/112', ips[1])).toBe(true);
    });

    it('PreferDualStack on a single-stack cluster: one address', async () => {
      const m = applied(await apply(v4, seedManifest('prefer', ['ipFamilyPolicy: PreferDualStack'])).expect(201));
      expect(m.spec).toMatchObject({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] });
      expect(m.spec.clusterIPs).toEqual([m.spec.clusterIP]);
      expect(inside('10.97.0.0/24', m.spec.clusterIP)).toBe(true);
    });

    it('RequireDualStack: refused on a single-stack cluster, both families on a dual-stack one', async () => {
      const refused = await apply(v4, seedManifest('require', ['ipFamilyPolicy: RequireDualStack'])).expect(422);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.body.errors).toEqual([{ field: 'spec.ipFamilyPolicy', message: expect.stringMatching(/dual-stack cluster/) }]);
      expect(await t.sql(`SELECT 1 FROM service WHERE cluster_id = $1 AND name = 'require'`, [v4])).toHaveLength(0);

      const m = applied(await apply(ds, seedManifest('require', ['ipFamilyPolicy: RequireDualStack'])).expect(201));
      expect(m.spec).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
      expect(m.spec.clusterIPs).toHaveLength(2);
    });

    it('ipFamilies [IPv6, IPv4] with PreferDualStack: the clusterIP is IPv6', async () => {
      const m = applied(
        await apply(ds, seedManifest('v6-first', ['ipFamilyPolicy: PreferDualStack', 'ipFamilies:', '- IPv6', '- IPv4'])).expect(201),
      );
      expect(m.spec.ipFamilies).toEqual(['IPv6', 'IPv4']);
      const ips = m.spec.clusterIPs as string[];
      expect(m.spec.clusterIP).toBe(ips[0]);
      expect(inside('fd00:96::/112', ips[0])).toBe(true);
      expect(inside('10.96.0.0/20', ips[1])).toBe(true);
    });

    it('headless with a selector: SingleStack, primary family, no address leased', async () => {
      const res = await apply(ds, seedManifest('headless', ['clusterIP: None'])).expect(201);
      const m = applied(res);
      expect(m.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
      const id = res.headers.location.split('/').pop()!;
      expect(await leasesOf(id)).toEqual([]);
      const read = await t.http.get(res.headers.location).set(t.auth).expect(200);
      expect(read.body).toMatchObject({ headless: true, clusterIP: 'None', clusterIPs: ['None'] });
    });

    it('headless without a selector: both families, primary first, on any cluster, and no address', async () => {
      const manifest = [
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  name: bare',
        'spec:',
        '  clusterIP: None',
        '  ports:',
        '  - port: 80',
        '',
      ].join('\n');
      for (const clusterId of [v4, ds]) {
        const res = await apply(clusterId, manifest).expect(201);
        // kube-apiserver alloc.go: "headless + selectorless defaults to dual" (RequireDualStack, not checked against the cluster)
        expect(applied(res).spec).toMatchObject({
          clusterIP: 'None',
          clusterIPs: ['None'],
          ipFamilies: ['IPv4', 'IPv6'],
          ipFamilyPolicy: 'RequireDualStack',
        });
        expect(await leasesOf(res.headers.location.split('/').pop()!)).toEqual([]);
      }
    });

    it('existing Services when dual-stack is enabled, then single → dual → single', async () => {
      const up = await cluster('upgraded', ['10.12.0.0/16'], ['10.98.0.0/24']);
      const plain = applied(await apply(up, seedManifest('my-service')).expect(201));
      const headless = applied(await apply(up, seedManifest('my-headless', ['clusterIP: None'])).expect(201));
      await t.http
        .patch(`/v1/clusters/${up}`)
        .set(t.auth)
        .send({ podCidrs: ['10.12.0.0/16', 'fd00:12::/56'], serviceCidrs: ['10.98.0.0/24', 'fd00:98::/112'] })
        .expect(200);

      // what `kubectl get svc my-service -o yaml` shows after the upgrade: unchanged, SingleStack
      const again = await apply(up, seedManifest('my-service')).expect(200);
      expect(again.headers.location).toBeUndefined();
      const kept = applied(again);
      expect(kept.spec).toMatchObject({
        clusterIP: plain.spec.clusterIP,
        clusterIPs: [plain.spec.clusterIP],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        type: 'ClusterIP',
        selector: { app: 'MyApp' },
      });
      expect(applied(await apply(up, seedManifest('my-headless', ['clusterIP: None'])).expect(200)).spec).toMatchObject({
        clusterIP: 'None',
        clusterIPs: ['None'],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
      });
      expect(headless.spec.ipFamilyPolicy).toBe('SingleStack');

      // single → dual: the ClusterIP stays, the missing family is added
      const dual = applied(await apply(up, seedManifest('my-service', ['ipFamilyPolicy: PreferDualStack'])).expect(200));
      const [v4ip, v6ip] = dual.spec.clusterIPs as string[];
      expect(v4ip).toBe(plain.spec.clusterIP);
      expect(inside('fd00:98::/112', v6ip)).toBe(true);
      expect(dual.spec).toMatchObject({ clusterIP: v4ip, ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' });

      // dual → single: only clusterIPs[0] stays; the IPv6 lease is released in the same change
      const single = await apply(up, seedManifest('my-service', ['ipFamilyPolicy: SingleStack']));
      expect(single.status).toBe(200);
      expect(applied(single).spec).toMatchObject({
        clusterIP: v4ip,
        clusterIPs: [v4ip],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
      });
      const [{ id }] = (
        await t.http
          .get(`${services(up)}?name=my-service`)
          .set(t.auth)
          .expect(200)
      ).body.items as { id: string }[];
      expect((await leasesOf(id)).map((l) => l.slot)).toEqual(['cluster-ip/IPv4']);
      // ... so that address is allocatable again
      const reuse = await create(up, { namespace: 'default', name: 'reuse', ipFamilies: ['IPv6'], clusterIP: v6ip }).expect(201);
      expect(reuse.body).toMatchObject({ clusterIP: v6ip, ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    });

    it('a family the cluster lacks is 422', async () => {
      const res = await apply(v4, seedManifest('lacking', ['ipFamilies:', '- IPv6'])).expect(422);
      expect(res.body.errors).toEqual([{ field: 'spec.ipFamilies[0]', message: expect.stringMatching(/IPv6 is not configured/) }]);
      const byAddress = await create(v4, { namespace: 'default', name: 'lacking', clusterIP: 'fd00:97::10' }).expect(422);
      expect(byAddress.body.errors[0].field).toBe('clusterIP');
      await create(v4, { namespace: 'default', name: 'lacking', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }).expect(
        422,
      );
    });

    it('LoadBalancer with PreferDualStack: dual-stack ClusterIPs like any Service (NodePort too)', async () => {
      const m = applied(await apply(ds, seedManifest('lb', ['type: LoadBalancer', 'ipFamilyPolicy: PreferDualStack'])).expect(201));
      expect(m.spec).toMatchObject({ type: 'LoadBalancer', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] });
      expect(m.spec.clusterIPs).toHaveLength(2);
      const np = await create(ds, { namespace: 'default', name: 'np', type: 'NodePort' }).expect(201);
      expect(np.body).toMatchObject({ type: 'NodePort', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] });
    });
  });

  describe('manifest mode', () => {
    it('answers JSON with JSON, keeps unknown fields, and updates with 200', async () => {
      const manifest = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'json-svc', namespace: 'shop', annotations: { owner: 'team-a' } },
        spec: { selector: { app: 'shop' }, ports: [{ port: 443, targetPort: 8443 }], sessionAffinity: 'ClientIP' },
      };
      const res = await t.http
        .post(`${services(ds)}:apply`)
        .set(t.auth)
        .send(manifest)
        .expect(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({
        metadata: { name: 'json-svc', namespace: 'shop', annotations: { owner: 'team-a' } },
        spec: { ports: [{ port: 443, targetPort: 8443 }], sessionAffinity: 'ClientIP', ipFamilyPolicy: 'SingleStack', type: 'ClusterIP' },
      });
      const again = await t.http
        .post(`${services(ds)}:apply`)
        .set(t.auth)
        .send({ ...manifest, metadata: { ...manifest.metadata, labels: { tier: 'web' } } })
        .expect(200);
      expect(again.body.spec.clusterIP).toBe(res.body.spec.clusterIP);
      expect(again.body.metadata.labels).toEqual({ tier: 'web' });
      expect(again.headers.etag).toBe('"2"');
    });

    it('refuses malformed manifests: YAML syntax 400, wrong kind or name 422, YAML elsewhere 415', async () => {
      const bad = await apply(ds, 'apiVersion: v1\nkind: [Service\n').expect(400);
      expect(bad.body).toMatchObject({ type: '/problems/bad-request', status: 400 });
      expect(bad.headers['content-type']).toMatch(/problem\+json/);
      const kind = await apply(ds, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n').expect(422);
      expect(kind.body.errors).toEqual([{ field: 'kind', message: 'must be "Service"' }]);
      const name = await apply(ds, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: 9lives\n').expect(422);
      expect(name.body.errors[0].field).toBe('metadata.name');
      const policy = await apply(ds, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ipFamilyPolicy: Dual\n').expect(422);
      expect(policy.body.errors[0].field).toBe('spec.ipFamilyPolicy');
      await t.http.post('/v1/domains').set(t.auth).set('content-type', 'application/yaml').send('name: x\n').expect(415);
    });

    it('takes application/x-yaml too', async () => {
      const res = await t.http
        .post(`${services(ds)}:apply`)
        .set(t.auth)
        .set('content-type', 'application/x-yaml')
        .send('apiVersion: v1\nkind: Service\nmetadata:\n  name: x-yaml\n')
        .expect(201);
      expect(res.headers['content-type']).toMatch(/^application\/yaml/);
      expect(res.text).toMatch(
        /^apiVersion: v1\nkind: Service\nmetadata:\n {2}name: x-yaml\n {2}namespace: default\nspec:\n {2}clusterIP: 10\.96\./,
      );
    });
  });

  describe('requested addresses', () => {
    const svc = (name: string, more: object) => create(ds, { namespace: 'req', name, ...more });

    it('are leased exactly, in both families', async () => {
      const res = await svc('exact', { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['10.96.0.50', 'fd00:96::50'] }).expect(201);
      expect(res.body).toMatchObject({ clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:96::50'], ipFamilies: ['IPv4', 'IPv6'] });
      const single = await svc('exact-single', { clusterIP: '10.96.0.51', clusterIPs: ['10.96.0.51'] }).expect(201);
      expect(single.body.clusterIPs).toEqual(['10.96.0.51']);
    });

    it.each([
      ['outside the service CIDR', { clusterIP: '10.99.0.5' }, 'clusterIP', /outside/],
      ['the IPv4 network address', { clusterIP: '10.96.0.0' }, 'clusterIP', /network address/],
      ['the IPv4 broadcast address', { clusterIP: '10.96.15.255' }, 'clusterIP', /broadcast address/],
      [
        'the IPv6 subnet-router anycast address',
        { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['10.96.0.60', 'fd00:96::'] },
        'clusterIPs[1]',
        /anycast/,
      ],
      ['not an address', { clusterIP: '10.96.0.300' }, 'clusterIP', /not an IP address/],
      ['clusterIP other than clusterIPs[0]', { clusterIP: '10.96.0.61', clusterIPs: ['10.96.0.62'] }, 'clusterIP', /clusterIPs\[0\]/],
      [
        'clusterIPs[i] of another family than ipFamilies[i]',
        { ipFamilies: ['IPv4'], clusterIPs: ['fd00:96::61'] },
        'clusterIPs[0]',
        /ipFamilies\[0\] is IPv4/,
      ],
      [
        'two clusterIPs of one family',
        { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['10.96.0.63', '10.96.0.64'] },
        'clusterIPs[1]',
        /one ClusterIP per family/,
      ],
      ['duplicate families', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv4'] }, 'ipFamilies[1]', /duplicates/],
      [
        'two families with SingleStack',
        { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] },
        'ipFamilyPolicy',
        /two ipFamilies/,
      ],
      ['two families and no policy (SingleStack)', { ipFamilies: ['IPv4', 'IPv6'] }, 'ipFamilyPolicy', /two ipFamilies/],
      ['two clusterIPs with SingleStack', { clusterIPs: ['10.96.0.65', 'fd00:96::65'] }, 'ipFamilyPolicy', /two clusterIPs/],
      [
        '"None" with a second value',
        { clusterIPs: ['None', 'fd00:96::66'], ipFamilyPolicy: 'PreferDualStack' },
        'clusterIPs[0]',
        /only value/,
      ],
      ['a clusterIP for ExternalName', { type: 'ExternalName', clusterIP: '10.96.0.67' }, 'clusterIP', /ExternalName/],
    ])('refuses %s with 422 naming the field', async (_case, body, field, message) => {
      const res = await svc('bad', body).expect(422);
      expect(res.body.type).toBe('/problems/validation-failed');
      expect(res.body.errors).toContainEqual({ field, message: expect.stringMatching(message) });
    });

    it('refuses a taken address with 409 naming its holder, leaving nothing behind', async () => {
      const res = await svc('taken', { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['10.96.0.70', 'fd00:96::1'] }).expect(201);
      const dup = await svc('taken-2', { ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['10.96.0.71', 'fd00:96::1'] }).expect(409);
      expect(dup.body).toMatchObject({
        type: '/problems/address-taken',
        field: 'clusterIPs[1]',
        cidr: 'fd00:96::1/128',
        holder: { kind: 'service', id: res.body.id, name: 'req/taken', namespace: 'req', cidr: 'fd00:96::1/128' },
      });
      expect(dup.body.detail).toBe('clusterIPs[1] fd00:96::1 is already held by Service req/taken of cluster ds');
      const kube = await svc('taken-3', { clusterIP: '10.96.0.1' }).expect(409);
      expect(kube.body.detail).toMatch(/default\/kubernetes/);
      // 10.96.0.71 was not kept by the failed create
      await svc('taken-4', { clusterIP: '10.96.0.71' }).expect(201);
    });

    it('ExternalName has no ClusterIP, no lease and no policy', async () => {
      const res = await svc('external', { type: 'ExternalName' }).expect(201);
      expect(res.body).toMatchObject({ clusterIP: null, clusterIPs: [], ipFamilies: [], ipFamilyPolicy: null, headless: false });
      expect(await leasesOf(res.body.id)).toEqual([]);
      // becoming a ClusterIP Service allocates as on create; and back releases
      const cip = await patch(ds, res.body.id, { type: 'ClusterIP' }).expect(200);
      expect(cip.body).toMatchObject({ type: 'ClusterIP', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] });
      expect(await leasesOf(res.body.id)).toHaveLength(1);
      const back = await patch(ds, res.body.id, { type: 'ExternalName' }).expect(200);
      expect(back.body).toMatchObject({ clusterIP: null, clusterIPs: [], ipFamilyPolicy: null });
      expect(await leasesOf(res.body.id)).toEqual([]);
    });
  });

  describe('PATCH transitions', () => {
    it('single → dual keeps the ClusterIP and adds the other family (a requested clusterIPs[1] too)', async () => {
      const s = await create(ds, { namespace: 'tr', name: 'up', clusterIP: '10.96.0.80' }).expect(201);
      const up = await patch(ds, s.body.id, { ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['10.96.0.80', 'fd00:96::80'] }).expect(200);
      expect(up.body).toMatchObject({ clusterIP: '10.96.0.80', clusterIPs: ['10.96.0.80', 'fd00:96::80'], ipFamilies: ['IPv4', 'IPv6'] });
      expect(up.headers.etag).toBe('"2"');
      // the secondary is immutable once set; reducing it needs SingleStack
      const swap = await patch(ds, s.body.id, { clusterIPs: ['10.96.0.80', 'fd00:96::81'] }).expect(422);
      expect(swap.body.errors[0].field).toBe('clusterIPs[1]');
      const reduce = await patch(ds, s.body.id, { ipFamilies: ['IPv4'] }).expect(422);
      expect(reduce.body.errors[0]).toMatchObject({ field: 'ipFamilyPolicy', message: expect.stringMatching(/SingleStack/) });
      const down = await patch(ds, s.body.id, { ipFamilyPolicy: 'SingleStack' }).expect(200);
      expect(down.body).toMatchObject({ clusterIPs: ['10.96.0.80'], ipFamilies: ['IPv4'] });
      await create(ds, { namespace: 'tr', name: 'takes-80', clusterIP: 'fd00:96::80' }).expect(201);
    });

    it('refuses changing the primary family or the ClusterIP (422), and a stale If-Match (412)', async () => {
      const s = await create(ds, { namespace: 'tr', name: 'fixed', ipFamilyPolicy: 'PreferDualStack' }).expect(201);
      const family = await patch(ds, s.body.id, { ipFamilies: ['IPv6', 'IPv4'] }).expect(422);
      expect(family.body.errors).toEqual([
        { field: 'ipFamilies[0]', message: expect.stringMatching(/primary family.*delete and recreate/) },
      ]);
      const ip = await patch(ds, s.body.id, { clusterIP: '10.96.0.90' }).expect(422);
      expect(ip.body.errors).toEqual([{ field: 'clusterIP', message: expect.stringMatching(/immutable/) }]);
      await t.http
        .patch(`${services(ds)}/${s.body.id}`)
        .set(t.auth)
        .set('If-Match', '"7"')
        .send({ labels: { a: 'b' } })
        .expect(412);
      const ok = await t.http
        .patch(`${services(ds)}/${s.body.id}`)
        .set(t.auth)
        .set('If-Match', '"1"')
        .send({ labels: { a: 'b' } })
        .expect(200);
      expect(ok.body).toMatchObject({ labels: { a: 'b' }, clusterIPs: s.body.clusterIPs });
      await patch(ds, s.body.id, { name: 'other' }).expect(422);
    });

    it('leaves a single-family PreferDualStack Service alone on unrelated changes (alloc.go)', async () => {
      const c = await cluster('later-dual', ['10.13.0.0/16'], ['10.99.0.0/24']);
      const s = await create(c, { namespace: 'default', name: 'pref', ipFamilyPolicy: 'PreferDualStack' }).expect(201);
      await t.http
        .patch(`/v1/clusters/${c}`)
        .set(t.auth)
        .send({ podCidrs: ['10.13.0.0/16', 'fd00:13::/56'], serviceCidrs: ['10.99.0.0/24', 'fd00:99::/112'] })
        .expect(200);
      expect((await patch(c, s.body.id, { labels: { x: 'y' } }).expect(200)).body.ipFamilies).toEqual(['IPv4']);
      const upgraded = await patch(c, s.body.id, { ipFamilies: ['IPv4', 'IPv6'] }).expect(200);
      expect(upgraded.body.clusterIPs).toHaveLength(2);
    });
  });

  describe('CRUD', () => {
    it('default/kubernetes exists from cluster creation: readable, listed, undeletable, its IPs fixed', async () => {
      const list = await t.http
        .get(`${services(ds)}?namespace=default&name=kubernetes`)
        .set(t.auth)
        .expect(200);
      expect(list.body.items).toHaveLength(1);
      const kube = list.body.items[0];
      expect(kube).toMatchObject({
        clusterIP: '10.96.0.1',
        clusterIPs: ['10.96.0.1'],
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
      });
      await t.http
        .get(`${services(ds)}/${kube.id}`)
        .set(t.auth)
        .expect(200);
      const del = await t.http
        .delete(`${services(ds)}/${kube.id}`)
        .set(t.auth)
        .expect(409);
      expect(del.body.detail).toMatch(/default\/kubernetes.*cannot be deleted/);
      const dual = await patch(ds, kube.id, { ipFamilyPolicy: 'PreferDualStack' }).expect(422);
      expect(dual.body.errors[0].message).toMatch(/managed by kube-apiserver/);
      await patch(ds, kube.id, { labels: { component: 'apiserver', provider: 'kubernetes', team: 'core' } }).expect(200);
      expect(await leasesOf(kube.id)).toEqual([{ cidr: '10.96.0.1/32', slot: 'cluster-ip/IPv4' }]);
    });

    it('(namespace, name) is unique: 409 with the Location of the existing Service', async () => {
      const first = await create(ds, { namespace: 'uniq', name: 'same' }).expect(201);
      const dup = await create(ds, { namespace: 'uniq', name: 'same' }).expect(409);
      expect(dup.body.type).toBe('/problems/already-exists');
      expect(dup.headers.location).toBe(first.headers.location);
      await create(ds, { namespace: 'uniq2', name: 'same' }).expect(201);
      // the spec is validated before the name is looked up, as kube-apiserver validates before it stores
      const invalid = await create(ds, { namespace: 'uniq', name: 'same', clusterIP: '10.96.0.0' }).expect(422);
      expect(invalid.body.errors[0].field).toBe('clusterIP');
    });

    it.each([
      [{ namespace: 'Default', name: 'ok' }, 'namespace'],
      [{ namespace: 'a'.repeat(64), name: 'ok' }, 'namespace'],
      [{ namespace: 'ok', name: '1st' }, 'name'],
      [{ namespace: 'ok', name: 'a_b' }, 'name'],
      [{ namespace: 'ok', name: 'x'.repeat(64) }, 'name'],
      [{ namespace: 'ok', name: 'ok', ipFamilyPolicy: 'Dual' }, 'ipFamilyPolicy'],
      [{ namespace: 'ok', name: 'ok', ipFamilies: ['IPv5'] }, 'ipFamilies'],
    ])('validates %j (422 on %s)', async (body, field) => {
      const res = await create(ds, body).expect(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('lists in (namespace, name) order with cursors and filters', async () => {
      const c = await cluster('listing', ['10.14.0.0/16', 'fd00:14::/56'], ['10.100.0.0/24', 'fd00:100::/112']);
      for (const [namespace, name, tier] of [
        ['b', 'two', 'web'],
        ['a', 'zed', 'db'],
        ['a', 'one', 'web'],
        ['b', 'one', 'db'],
      ]) {
        await create(c, { namespace, name, labels: { tier }, ipFamilyPolicy: 'PreferDualStack' }).expect(201);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { namespace: string; name: string; clusterIPs: string[] }[]; nextCursor: string | null } } =
          await t.http
            .get(services(c))
            .query(cursor ? { limit: 2, cursor } : { limit: 2 })
            .set(t.auth)
            .expect(200);
        for (const s of page.body.items) {
          seen.push(`${s.namespace}/${s.name}`);
          expect(s.clusterIPs.length).toBe(s.name === 'kubernetes' ? 1 : 2);
        }
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['a/one', 'a/zed', 'b/one', 'b/two', 'default/kubernetes']);
      const web = await t.http
        .get(`${services(c)}?label=tier=web`)
        .set(t.auth)
        .expect(200);
      expect(web.body.items.map((s: { name: string }) => s.name)).toEqual(['one', 'two']);
      const ns = await t.http
        .get(`${services(c)}?namespace=b&name=one`)
        .set(t.auth)
        .expect(200);
      expect(ns.body.items).toHaveLength(1);
      await t.http
        .get(`${services('00000000-0000-4000-8000-000000000000')}`)
        .set(t.auth)
        .expect(404);
      await t.http
        .get(`${services('nope')}/x`)
        .set(t.auth)
        .expect(404);
    });

    it('DELETE releases the addresses in the same transaction; 404 afterwards and for a second delete', async () => {
      const s = await create(ds, { namespace: 'del', name: 'gone', ipFamilyPolicy: 'PreferDualStack' }).expect(201);
      expect(await leasesOf(s.body.id)).toHaveLength(2);
      await t.http
        .delete(`${services(ds)}/${s.body.id}`)
        .set(t.auth)
        .expect(204);
      expect(await leasesOf(s.body.id)).toEqual([]);
      await t.http
        .get(`${services(ds)}/${s.body.id}`)
        .set(t.auth)
        .expect(404);
      await t.http
        .delete(`${services(ds)}/${s.body.id}`)
        .set(t.auth)
        .expect(404);
      const again = await create(ds, {
        namespace: 'del',
        name: 'again',
        ipFamilyPolicy: 'PreferDualStack',
        clusterIPs: s.body.clusterIPs,
      }).expect(201);
      expect(again.body.clusterIPs).toEqual(s.body.clusterIPs);
    });
  });

  it('a Service created while its cluster gains a family sees the new family and its CIDR', async () => {
    const c = await cluster('gaining', ['10.123.0.0/16'], ['10.124.0.0/24']);
    const waiting = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const [row] = await t.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (row.n >= n) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`${n} waiting transactions never showed`);
    };
    const holder = new Client(connectionConfig(t.db.url));
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM cluster WHERE id = $1 FOR UPDATE', [c]);
      // the family is added first (it queues first on the cluster), the Service waits behind it
      const gain = t.http
        .patch(`/v1/clusters/${c}`)
        .set(t.auth)
        .send({ podCidrs: ['10.123.0.0/16', 'fd00:123::/56'], serviceCidrs: ['10.124.0.0/24', 'fd00:124::/112'] })
        .then((r) => r);
      await waiting(1);
      const svc = create(c, { namespace: 'race', name: 'dual', ipFamilyPolicy: 'RequireDualStack' }).then((r) => r);
      await waiting(2);
      await holder.query('COMMIT');
      expect((await gain).status).toBe(200);
      const res = await svc;
      expect(res.status).toBe(201);
      expect(res.body.ipFamilies).toEqual(['IPv4', 'IPv6']);
      expect(inside('10.124.0.0/24', res.body.clusterIPs[0])).toBe(true);
      expect(inside('fd00:124::/112', res.body.clusterIPs[1])).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
