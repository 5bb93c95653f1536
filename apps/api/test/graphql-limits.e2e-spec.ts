import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { getIntrospectionQuery } from 'graphql';
import { startTestApp, type TestApp } from './setup/test-app';

/** A full garbage collection, for heap measurements (the flag can be set at run time). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const heapUsed = () => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('GraphQL limits', () => {
  let t: TestApp;
  const CACHE_MB = 4;
  const gql = (query: string, variables?: object) => t.http.post('/graphql').set(t.auth).send({ query, variables });

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_GRAPHQL_CACHE_MB: String(CACHE_MB) });
    await t.http.post('/v1/ranges').set(t.auth).send({ name: 'top', cidr: '10.0.0.0/8' }).expect(201);
  });
  afterAll(() => t.close());

  const expectRefused = (res: {
    status: number;
    body: { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] };
  }) => {
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0].extensions).toMatchObject({ type: '/problems/query-too-complex', status: 400 });
    return res.body.errors![0].message;
  };

  it('refuses 10,000 aliases of __typename with a clean 400 that says why', async () => {
    const query = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect(expectRefused(await gql(query))).toMatch(/^the document is 178893 bytes; at most 65536 are allowed$/);
  });

  it('counts tokens on the text before parsing it', async () => {
    expect(expectRefused(await gql(`{ ${'a '.repeat(10_001)}}`))).toBe('the document has more than 10000 tokens; ask for fewer fields');
  });

  it('refuses more aliases than allowed, counted before any work on the fields', async () => {
    const query = `{ ${Array.from({ length: 201 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect(expectRefused(await gql(query))).toBe('the document has 201 aliases; at most 200 are allowed');
    const fine = await gql(`{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
    expect(fine.status).toBe(200);
    expect(Object.keys(fine.body.data)).toHaveLength(200);
  });

  it('refuses more fields than allowed, counting each spread of a fragment', async () => {
    const fragment = `fragment F on Range { ${Array.from({ length: 100 }, () => 'name').join(' ')} }`;
    const query = `{ ranges { nodes { ${Array.from({ length: 21 }, () => '...F').join(' ')} } } } ${fragment}`;
    expect(expectRefused(await gql(query))).toMatch(/^the document selects 2102 fields; at most 2000 are allowed/);
  });

  it('refuses a document over 64 KiB, and one nested deeper than the parser should go, before parsing it', async () => {
    expect(expectRefused(await gql(`{ __typename } # ${'x'.repeat(64 * 1024)}`))).toMatch(/^the document is 65\d{3} bytes; at most 65536/);
    // 4,000 nested lists in an argument are 8,000 tokens, yet they would recurse 4,000 levels deep in the parser
    const deep = `{ checkCidr(cidr: ${'['.repeat(4000)}"x"${']'.repeat(4000)}) { available } }`;
    expect(expectRefused(await gql(deep))).toMatch(/nests brackets deeper than 32/);
  });

  it('states the depth it found and the limit', async () => {
    const nested = (n: number) => `{ ranges { nodes { ${'parent { '.repeat(n - 3)}name${' }'.repeat(n - 3)} } } }`;
    const res = await gql(nested(12));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toBe('query depth 12 exceeds the limit of 10');
    expect(res.body.errors[0].extensions).toMatchObject({ type: '/problems/query-too-complex' });
    await gql(nested(10)).expect(200);
  });

  it("answers graphql-js's standard introspection query, which the depth limit does not apply to", async () => {
    const res = await gql(
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }),
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.data.__schema.types.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining(['Cluster', 'Range', 'IPFamily']),
    );
    // introspection is bounded its own way: graphql-js's MaxIntrospectionDepthRule
    const cyclic = await gql('{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }');
    expect(cyclic.status).toBe(400);
    expect(cyclic.body.errors[0].message).toMatch(/[Mm]aximum introspection depth exceeded/);
  });

  it('keeps at most KIPAM_GRAPHQL_CACHE_MB of parsed documents however many distinct big documents arrive', async () => {
    // each: 200 aliases of an introspection field with arguments, ~3,800 tokens (about 1.2 MB once parsed)
    const big = (n: number) =>
      `query Q${n} { ${Array.from({ length: 200 }, (_, i) => `a${i}: __type(name: "Q${n}x${i}") { name kind fields { name } }`).join(' ')} }`;
    const before = heapUsed();
    for (let n = 0; n < 120; n++) {
      const res = await gql(big(n));
      expect(res.status).toBe(200);
    }
    const grown = heapUsed() - before;
    const scrape = (await t.http.get('/metrics').expect(200)).text;
    const cached = metric(scrape, 'kipam_graphql_document_cache_bytes');
    expect(metric(scrape, 'kipam_graphql_document_cache_entries')).toBeGreaterThan(0);
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThanOrEqual(CACHE_MB * 1024 * 1024);
    // 120 documents kept would be some 140 MB; what stays is the cache and noise
    expect(grown).toBeLessThan(CACHE_MB * 1024 * 1024 + 24 * 1024 * 1024);
  });

  it('refuses the 8,000-alias documents that exhausted the heap, and the heap stays where it was', async () => {
    const attack = (n: number) => `{ ${Array.from({ length: 8000 }, (_, i) => `x${n}_${i}: __typename`).join(' ')} }`;
    const before = heapUsed();
    for (let n = 0; n < 40; n++) expectRefused(await gql(attack(n)));
    expect(heapUsed() - before).toBeLessThan(24 * 1024 * 1024);
  });
});
