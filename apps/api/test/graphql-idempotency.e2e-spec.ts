import { startTestApp, type TestApp } from './setup/test-app';

/** Idempotency-Key on GraphQL mutations, with the same contract as REST POSTs. */
describe('GraphQL mutations with Idempotency-Key', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(() => t.close());

  const gql = (query: string, variables: object, key?: string) => {
    const req = t.http.post('/graphql').set(t.auth);
    if (key !== undefined) void req.set('Idempotency-Key', key);
    return req.send({ query, variables });
  };
  const CREATE = `mutation($input: CreateClusterInput!) { createCluster(input: $input) { id name podCidrs { cidr } } }`;
  const input = { name: 'gql-idem', podCidrs: [{ cidr: '10.60.0.0/16' }], serviceCidrs: [{ cidr: '10.97.0.0/16' }] };

  it('replays the first answer for the same key and document instead of running the mutation again', async () => {
    const first = await gql(CREATE, { input }, 'gql-key-1').expect(200);
    expect(first.body.errors).toBeUndefined();
    const id = first.body.data.createCluster.id as string;
    const again = await gql(CREATE, { input }, 'gql-key-1').expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const clusters = await t.http.get('/v1/clusters?name=gql-idem').set(t.auth).expect(200);
    expect(clusters.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    // without the key, the same mutation is a second create: already exists
    const unkeyed = await gql(CREATE, { input }).expect(200);
    expect(unkeyed.body.errors[0].extensions.type).toBe('/problems/already-exists');
  });

  it('refuses the key with another document (422) and a malformed key (400), as REST does', async () => {
    const other = await gql(CREATE, { input: { ...input, name: 'gql-idem-2' } }, 'gql-key-1');
    expect(other.status).toBe(422);
    expect(other.body.errors[0].extensions).toMatchObject({ type: '/problems/idempotency-key-reused', status: 422 });
    expect((await t.http.get('/v1/clusters?name=gql-idem-2').set(t.auth)).body.items).toEqual([]);
    const bad = await gql(CREATE, { input }, 'has space');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].extensions.type).toBe('/problems/bad-request');
  });

  it('keeps nothing for a mutation that failed: a retry with the key runs it', async () => {
    const conflicting = { ...input, name: 'gql-idem-3' }; // same CIDRs as gql-idem: refused
    const failed = await gql(CREATE, { input: conflicting }, 'gql-key-3').expect(200);
    expect(failed.body.errors[0].extensions.type).toBe('/problems/cidr-conflict');
    const moved = { ...conflicting, podCidrs: [{ cidr: '10.61.0.0/16' }], serviceCidrs: [{ cidr: '10.98.0.0/16' }] };
    // the key was released: the same key may carry the corrected document
    // (the claim is dropped as the failure is answered: a retry that overtakes that is told to wait, as REST's is)
    let retried = await gql(CREATE, { input: moved }, 'gql-key-3');
    if (retried.status === 409) {
      expect(retried.body.errors[0].extensions.type).toBe('/problems/idempotency-key-in-use');
      await new Promise((r) => setTimeout(r, 1000 * Number(retried.headers['retry-after'])));
      retried = await gql(CREATE, { input: moved }, 'gql-key-3');
    }
    expect(retried.status).toBe(200);
    expect(retried.body.data.createCluster.name).toBe('gql-idem-3');
  });

  it('ignores the key on queries', async () => {
    const q = await gql('{ clusters { nodes { name } } }', {}, 'gql-query-key').expect(200);
    expect(q.headers['idempotent-replayed']).toBeUndefined();
    const rows = await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_record WHERE path = '/graphql'`);
    expect(rows[0].n).toBe(2);
  });
});
