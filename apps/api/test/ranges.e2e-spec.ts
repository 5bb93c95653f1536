import { startTestApp, type TestApp } from './setup/test-app';

describe('Ranges and reservations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);

  it('creates a range with canonical CIDR, reads it, lists it by label, and refuses duplicates', async () => {
    const res = await post('/v1/ranges', {
      name: 'ula',
      cidr: 'FD00:0010:0000::/48',
      labels: { env: 'prod' },
      defaultPrefixLength: 56,
    }).expect(201);
    expect(res.body).toMatchObject({
      name: 'ula',
      cidr: 'fd00:10::/48',
      family: 'IPv6',
      domain: 'default',
      parent: null,
      purpose: 'any',
      defaultPrefixLength: 56,
    });
    expect(res.headers.location).toBe(`/v1/ranges/${res.body.id}`);
    await t.http.get(`/v1/ranges/${res.body.id}`).set(t.auth).expect(200, res.body);
    const listed = await t.http.get('/v1/ranges?label=env=prod').set(t.auth).expect(200);
    expect(listed.body.items.map((r: { name: string }) => r.name)).toEqual(['ula']);
    const none = await t.http.get('/v1/ranges?label=env!=prod').set(t.auth).expect(200);
    expect(none.body.items.map((r: { name: string }) => r.name)).not.toContain('ula');
    expect((await post('/v1/ranges', { name: 'ula', cidr: 'fd01::/48' }).expect(409)).body.type).toBe('/problems/already-exists');
    expect((await post('/v1/ranges', { name: 'ula2', cidr: 'fd00:10::/48' }).expect(409)).body.type).toBe('/problems/cidr-conflict');
  });

  it('rejects host bits with the canonical network suggested, and bad prefix rules', async () => {
    const res = await post('/v1/ranges', { name: 'bad', cidr: '10.244.1.0/16' }).expect(422);
    expect(res.body.errors[0]).toEqual({ field: 'cidr', message: expect.stringContaining('did you mean 10.244.0.0/16?') });
    const rules = await post('/v1/ranges', {
      name: 'bad',
      cidr: '10.0.0.0/16',
      minPrefixLength: 24,
      maxPrefixLength: 20,
      defaultPrefixLength: 8,
    }).expect(422);
    expect(rules.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['minPrefixLength', 'defaultPrefixLength']),
    );
  });

  it('nests a child inside its parent automatically and refuses partial nesting', async () => {
    const parent = await post('/v1/ranges', { name: 'ten', cidr: '10.0.0.0/8' }).expect(201);
    const child = await post('/v1/ranges', { name: 'ten-one', cidr: '10.1.0.0/16' }).expect(201);
    expect(child.body.parent).toBe(parent.body.id);
    const grandchild = await post('/v1/ranges', { name: 'ten-one-one', cidr: '10.1.1.0/24', parent: 'ten-one' }).expect(201);
    expect(grandchild.body.parent).toBe(child.body.id);
    const wrongParent = await post('/v1/ranges', { name: 'x', cidr: '10.2.0.0/16', parent: 'ten-one' }).expect(422);
    expect(wrongParent.body.errors[0].field).toBe('parent');
    // a range around existing ones must come first
    const around = await post('/v1/ranges', { name: 'around', cidr: '10.1.0.0/12' }).expect(422);
    expect(around.body.errors[0].message).toMatch(/host bits/);
    const enclosing = await post('/v1/ranges', { name: 'enclosing', cidr: '10.0.0.0/12' }).expect(409);
    expect(enclosing.body.type).toBe('/problems/cidr-conflict');
    const children = await t.http.get(`/v1/ranges?parent=${parent.body.id}`).set(t.auth).expect(200);
    expect(children.body.items.map((r: { name: string }) => r.name)).toEqual(['ten-one']);
    await t.http.delete(`/v1/ranges/${parent.body.id}`).set(t.auth).expect(409);
  });

  it('reserves blocks, reports usage as strings, and frees on delete', async () => {
    const range = await post('/v1/ranges', { name: 'vpc', cidr: '172.16.0.0/16' }).expect(201);
    const r1 = await post(`/v1/ranges/${range.body.id}/reservations`, { cidr: '172.16.0.0/20', reason: 'VPC' }).expect(201);
    expect(r1.body).toMatchObject({ cidr: '172.16.0.0/20', reason: 'VPC', family: 'IPv4', rangeId: range.body.id });
    expect((await post(`/v1/ranges/${range.body.id}/reservations`, { cidr: '172.16.1.0/24' }).expect(409)).body.type).toBe(
      '/problems/address-taken',
    );
    expect((await post(`/v1/ranges/${range.body.id}/reservations`, { cidr: '172.17.0.0/24' }).expect(422)).body.errors[0].field).toBe(
      'cidr',
    );
    const usage = await t.http.get(`/v1/ranges/${range.body.id}/usage`).set(t.auth).expect(200);
    expect(usage.body).toMatchObject({
      total: '65536',
      leased: '4096',
      reserved: '4096',
      free: '61440',
      utilization: 0.0625,
      largestFreePrefix: '17216.128.0/17'.replace('172', '172.'),
      leaseCount: 1,
    });
    const list = await t.http.get(`/v1/ranges/${range.body.id}/reservations`).set(t.auth).expect(200);
    expect(list.body.items).toHaveLength(1);
    await t.http.delete(`/v1/ranges/${range.body.id}/reservations/${r1.body.id}`).set(t.auth).expect(204);
    await t.http.get(`/v1/ranges/${range.body.id}/reservations/${r1.body.id}`).set(t.auth).expect(404);
    const after = await t.http.get(`/v1/ranges/${range.body.id}/usage`).set(t.auth).expect(200);
    expect(after.body).toMatchObject({ leased: '0', free: '65536', largestFreePrefix: '172.16.0.0/16' });
  });

  it('counts IPv6 usage beyond 2^53 exactly', async () => {
    const range = await post('/v1/ranges', { name: 'big6', cidr: '2001:db8::/32' }).expect(201);
    await post(`/v1/ranges/${range.body.id}/reservations`, { cidr: '2001:db8::/48' }).expect(201);
    const usage = await t.http.get(`/v1/ranges/${range.body.id}/usage`).set(t.auth).expect(200);
    expect(usage.body.total).toBe((1n << 96n).toString());
    expect(usage.body.free).toBe(((1n << 96n) - (1n << 80n)).toString());
  });
});
