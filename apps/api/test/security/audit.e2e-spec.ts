import { startTestApp, type TestApp } from '../setup/test-app';

interface AuditItem {
  id: string;
  at: string;
  actor: string;
  action: string;
  resource: string;
  resourceId: string;
  clusterId: string | null;
  requestId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

describe('Audit trail', () => {
  let t: TestApp;
  let writer: { Authorization: string };
  let reader: { Authorization: string };
  let writerTokenId: string;
  const audit = async (query: Record<string, string | number> = {}): Promise<AuditItem[]> =>
    (await t.http.get('/v1/audit').query(query).set(t.auth).expect(200)).body.items as AuditItem[];

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    const w = await t.http.post('/v1/tokens').set(t.auth).send({ name: 'audit-writer', role: 'writer' }).expect(201);
    writer = { Authorization: `Bearer ${w.body.secret}` };
    writerTokenId = w.body.id as string;
    const r = await t.http.post('/v1/tokens').set(t.auth).send({ name: 'audit-reader', role: 'reader' }).expect(201);
    reader = { Authorization: `Bearer ${r.body.secret}` };
  });
  afterAll(() => t.close());

  it('records token issue with the admin as actor and no secret', async () => {
    const [record] = await audit({ resource: 'token', resourceId: writerTokenId });
    expect(record).toMatchObject({ actor: 'bootstrap-admin', action: 'issue', resource: 'token', before: null });
    expect(record.after).toMatchObject({ name: 'audit-writer', role: 'writer' });
    expect(JSON.stringify(record)).not.toContain('kipam_');
  });

  it('records every change with who, what, before and after, when and the request id, in the same transaction', async () => {
    const created = await t.http
      .post('/v1/clusters')
      .set(writer)
      .set('X-Request-Id', 'req-create-cluster-1')
      .send({ name: 'audited', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
      .expect(201);
    const clusterId = created.body.id as string;
    const node = await t.http.post(`/v1/clusters/${clusterId}/nodes`).set(writer).send({ name: 'n1' }).expect(201);
    const service = await t.http
      .post(`/v1/clusters/${clusterId}/services`)
      .set(writer)
      .send({ namespace: 'default', name: 'web' })
      .expect(201);
    await t.http
      .patch(`/v1/clusters/${clusterId}/nodes/${node.body.id}`)
      .set(writer)
      .send({ labels: { zone: 'a' } })
      .expect(200);
    await t.http.delete(`/v1/clusters/${clusterId}/services/${service.body.id}`).set(writer).expect(204);
    // a refused change (409) leaves no record: its transaction rolled back
    await t.http.post(`/v1/clusters/${clusterId}/nodes`).set(writer).send({ name: 'n1' }).expect(409);

    const records = await audit({ clusterId });
    expect(records.map((r) => `${r.action} ${r.resource}`)).toEqual([
      'delete service',
      'update node',
      'create service',
      'create node',
      'create cluster',
    ]);
    for (const r of records) {
      expect(r.actor).toBe('audit-writer');
      expect(r.clusterId).toBe(clusterId);
      expect(r.requestId).toEqual(expect.any(String));
    }
    const [deleted, updated, svc, nodeCreate, clusterCreate] = records;
    expect(clusterCreate).toMatchObject({ resourceId: clusterId, requestId: 'req-create-cluster-1', before: null });
    expect(clusterCreate.after).toMatchObject({ name: 'audited', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] });
    // allocations show in after, releases in before
    expect(nodeCreate.after).toMatchObject({ name: 'n1', podCidrs: ['10.244.0.0/24'] });
    expect(svc.after).toMatchObject({ clusterIPs: service.body.clusterIPs });
    expect(updated.before).toMatchObject({ labels: {} });
    expect(updated.after).toMatchObject({ labels: { zone: 'a' } });
    expect(deleted).toMatchObject({ resourceId: service.body.id, after: null });
    expect(deleted.before).toMatchObject({ name: 'web', clusterIPs: service.body.clusterIPs });
    expect(new Date(deleted.at).getTime()).toBeGreaterThanOrEqual(new Date(clusterCreate.at).getTime());
  });

  it('records a created Service, and announces it, as the API answered it: ClusterIPs, families, times', async () => {
    const cluster = (
      await t.http
        .post('/v1/clusters')
        .set(writer)
        .send({
          name: 'audited-services',
          podCidrs: ['10.44.0.0/16', 'fd00:44::/56'],
          serviceCidrs: ['fd00:144::/112', '10.144.0.0/16'],
          nodeMaskSizeIPv4: 24,
          nodeMaskSizeIPv6: 64,
        })
        .set('x-request-id', 'audit-services-cluster')
        .expect(201)
    ).body;
    const shapes = [
      { name: 'single' },
      { name: 'dual', ipFamilyPolicy: 'RequireDualStack' },
      { name: 'v4-first', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] },
      { name: 'pinned', clusterIPs: ['fd00:144::a0', '10.144.0.10'], ipFamilyPolicy: 'RequireDualStack' },
      { name: 'headless', clusterIP: 'None', selector: { app: 'db' } },
      { name: 'external', type: 'ExternalName' },
    ];
    for (const shape of shapes) {
      const created = await t.http
        .post(`/v1/clusters/${cluster.id}/services`)
        .set(writer)
        .set('x-request-id', `audit-service-${shape.name}`)
        .send({ namespace: 'audited', ...shape })
        .expect(201);
      const [record] = await audit({ resource: 'service', resourceId: created.body.id });
      expect(record).toMatchObject({
        actor: 'audit-writer',
        action: 'create',
        clusterId: cluster.id,
        requestId: `audit-service-${shape.name}`,
        before: null,
      });
      expect(record.after).toEqual(created.body);
      const [event] = await t.sql<{ data: Record<string, unknown> }>(
        "SELECT data FROM event_outbox WHERE type = 'service.created' AND subject = $1",
        [`services/${created.body.id}`],
      );
      expect(event.data).toEqual({
        id: created.body.id,
        clusterId: cluster.id,
        actor: 'audit-writer',
        requestId: `audit-service-${shape.name}`,
        before: null,
        after: created.body,
      });
    }
  });

  it('records GraphQL mutations the same way', async () => {
    const res = await t.http
      .post('/graphql')
      .set(writer)
      .set('X-Request-Id', 'req-gql-domain')
      .send({ query: 'mutation { createDomain(input: {name: "gql-domain"}) { id } }' })
      .expect(200);
    const id = res.body.data.createDomain.id as string;
    const [record] = await audit({ resourceId: id });
    expect(record).toMatchObject({ actor: 'audit-writer', action: 'create', resource: 'domain', requestId: 'req-gql-domain' });
  });

  it('filters by resource, actor and time range, newest first, with cursor pagination', async () => {
    await t.http.post('/v1/domains').set(t.auth).send({ name: 'by-admin' }).expect(201);
    const all = await audit({ limit: 1000 });
    const sorted = [...all].sort((a, b) => b.at.localeCompare(a.at) || Number(b.id) - Number(a.id));
    expect(all.map((r) => r.id)).toEqual(sorted.map((r) => r.id));

    expect((await audit({ actor: 'bootstrap-admin' })).every((r) => r.actor === 'bootstrap-admin')).toBe(true);
    expect((await audit({ resource: 'domain' })).map((r) => r.after?.name)).toEqual(['by-admin', 'gql-domain']);
    expect(await audit({ since: '2999-01-01T00:00:00Z' })).toEqual([]);
    expect((await audit({ until: '2999-01-01T00:00:00Z' })).length).toBe(all.length);
    expect(await audit({ until: '2000-01-01T00:00:00Z' })).toEqual([]);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.http
        .get('/v1/audit')
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .set(t.auth)
        .expect(200);
      paged.push(...(page.body.items as AuditItem[]).map((r) => r.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(paged).toEqual(all.map((r) => r.id));

    await t.http.get('/v1/audit').query({ since: 'yesterday' }).set(t.auth).expect(422);
    await t.http.get('/v1/audit').query({ resource: 'lease' }).set(t.auth).expect(422);
    await t.http.get('/v1/audit').query({ cursor: 'garbage' }).set(t.auth).expect(422);
  });

  it('serves the GraphQL audit query to admins only', async () => {
    const query =
      '{ audit(filter: {resource: "domain"}, first: 1) { nodes { actor action resource after } pageInfo { hasNextPage endCursor } } }';
    const res = await t.http.post('/graphql').set(t.auth).send({ query }).expect(200);
    expect(res.body.data.audit.nodes).toEqual([
      expect.objectContaining({ actor: 'bootstrap-admin', action: 'create', resource: 'domain' }),
    ]);
    expect(res.body.data.audit.pageInfo.hasNextPage).toBe(true);
    const next = await t.http
      .post('/graphql')
      .set(t.auth)
      .send({
        query: 'query($after: String) { audit(filter: {resource: "domain"}, first: 5, after: $after) { nodes { actor } } }',
        variables: { after: res.body.data.audit.pageInfo.endCursor },
      })
      .expect(200);
    expect(next.body.data.audit.nodes).toEqual([{ actor: 'audit-writer' }]);

    for (const headers of [writer, reader]) {
      const denied = await t.http.post('/graphql').set(headers).send({ query }).expect(200); // a field error: execution ran
      expect(denied.body.errors[0].extensions).toMatchObject({ type: '/problems/forbidden', status: 403 });
    }
  });

  it('is read-only: no route changes it, and the database refuses UPDATE and DELETE', async () => {
    for (const headers of [writer, reader]) await t.http.get('/v1/audit').set(headers).expect(403);
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const res = await t.http[method]('/v1/audit').set(t.auth).send({});
      expect([404, 405]).toContain(res.status);
    }
    await expect(t.sql("UPDATE audit_record SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
    await expect(t.sql('DELETE FROM audit_record')).rejects.toThrow(/append-only/);
    await expect(t.sql('TRUNCATE audit_record')).rejects.toThrow(/append-only/);
  });
});
