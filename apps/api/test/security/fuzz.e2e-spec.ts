import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Prefix } from '@kipam/cidr';
import { BAD_INPUT_CORPUS } from '../../../../libs/cidr/test/bad-input.corpus';
import { startTestApp, type TestApp } from '../setup/test-app';

/**
 * Hardened input: thousands of generated and mutated requests (bodies, query
 * strings, headers, path parameters, GraphQL documents, CIDR and address
 * strings) against every route, in process (Fastify inject). No answer may
 * be a 5xx; every error is a problem+json 4xx (GraphQL: errors with
 * extensions.type); the server still serves afterwards and the database
 * invariants hold. FUZZ_SEED reproduces a run, FUZZ_RUNS changes its size.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 8;

interface FuzzRequest {
  method: NonNullable<InjectOptions['method']>;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

// ---- strings -------------------------------------------------------------

const BAD_STRINGS = Object.values(BAD_INPUT_CORPUS).flat();

/** One edit of a string: insert, delete, replace, duplicate or truncate at a position. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(
      base,
      fc.nat(),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
      fc.constantFrom('insert', 'delete', 'replace', 'dup', 'cut'),
    )
    .map(([s, n, piece, op]) => {
      const i = s.length ? n % (s.length + 1) : 0;
      switch (op) {
        case 'insert':
          return s.slice(0, i) + piece + s.slice(i);
        case 'delete':
          return s.slice(0, i) + s.slice(i + 1);
        case 'replace':
          return s.slice(0, i) + piece + s.slice(i + piece.length);
        case 'dup':
          return s + s;
        case 'cut':
          return s.slice(0, i);
      }
    });
}

const alignedV4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 8, max: 32 })).map(([n, len]) => {
  const masked = len === 0 ? 0 : (n >>> (32 - len)) << (32 - len);
  const v = masked >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${len}`;
});
const tenDot = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 28 })).map(([b, len]) => {
  const v = ((10 << 24) | (b << 16)) >>> 0;
  const masked = ((v >>> (32 - len)) << (32 - len)) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
});
const v6Cidr = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`);
const fdCidr = fc
  .tuple(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(48, 56, 64, 108, 112, 120))
  .map(([n, l]) => `fd00:${n.toString(16)}::/${l}`);
const cidrish: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: tenDot },
  { weight: 2, arbitrary: alignedV4 },
  { weight: 2, arbitrary: fdCidr },
  { weight: 1, arbitrary: v6Cidr },
  { weight: 1, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 })).map(([a, l]) => `${a}/${l}`) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_STRINGS) },
  { weight: 2, arbitrary: mutated(fc.oneof(tenDot, fdCidr, fc.ipV4(), fc.ipV6())) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const addressish: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.ipV4() },
  { weight: 2, arbitrary: fc.ipV6() },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1023 }).map((n) => `10.96.${n >> 8}.${n & 255}`) },
  { weight: 1, arbitrary: fc.ipV4Extended() },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_STRINGS) },
  { weight: 2, arbitrary: mutated(fc.oneof(fc.ipV4(), fc.ipV6())) },
);
const names = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c', 'web', 'api', 'edge', 'fz', 'default', 'kubernetes', 'x-1') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '-', 'A', 'a'.repeat(64), 'a'.repeat(5000), ' a', 'a\u0000', '../etc', '%00', '${x}') },
);
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, -1, 0, 1, 1.5, -0.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, '', ' ', '\u0000', [], {}, [[[[]]]], {
    a: { b: { c: {} } },
  }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.integer(),
  cidrish,
);
const labels = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.dictionary(
      fc.constantFrom('env', 'team', 'zone', 'app.kubernetes.io/name', 'a/b/c', 'Bad Key', ''),
      fc.oneof(names, fc.constant('')),
    ),
  },
  { weight: 1, arbitrary: weird },
);
const prefixLength = fc.oneof(fc.integer({ min: 0, max: 130 }), fc.constantFrom(-1, 1.5, 1e9, '24' as unknown as number));

/** Mostly the valid value, now and then anything. */
function mostly<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: weird });
}

/** Mostly absent. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

// ---- bodies --------------------------------------------------------------

/** A valid-looking body, then sometimes a field replaced, dropped or added, or the whole body replaced. */
function body(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    {
      weight: 3,
      arbitrary: fc.tuple(valid, fc.nat(), weird).map(([b, i, w]) => {
        const keys = Object.keys(b);
        return keys.length ? { ...b, [keys[i % keys.length]]: w } : b;
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([b, i]) => {
        const keys = Object.keys(b);
        const out = { ...b };
        if (keys.length) delete out[keys[i % keys.length]];
        return out;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(valid, fc.string({ maxLength: 10 }), weird).map(([b, k, w]) => ({ ...b, [k]: w })) },
    { weight: 1, arbitrary: weird },
  );
}

const cidrEntry = (ranges: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: cidrish },
    { weight: 2, arbitrary: fc.record({ range: fc.constantFrom(...ranges), prefixLength }, { requiredKeys: ['range'] }) },
    { weight: 1, arbitrary: weird },
  );

// ---- the test ------------------------------------------------------------

interface Fixtures {
  domains: string[];
  ranges: string[];
  rangeNames: string[];
  reservations: string[];
  clusters: string[];
  nodes: string[];
  services: string[];
  tokens: string[];
  secrets: string[];
}

describe('Fuzzing every route', () => {
  let t: TestApp;
  const fx: Fixtures = {
    domains: [],
    ranges: [],
    rangeNames: [],
    reservations: [],
    clusters: [],
    nodes: [],
    services: [],
    tokens: [],
    secrets: [],
  };

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    const post = async (path: string, b: object) =>
      (await t.http.post(path).set(t.auth).send(b).expect(201)).body as { id: string; secret?: string };
    fx.domains.push((await post('/v1/domains', { name: 'fz' })).id, 'default', 'fz');
    for (const [name, cidr] of [
      ['pods', '10.0.0.0/12'],
      ['svc', '10.96.0.0/12'],
      ['v6', 'fd00::/32'],
    ]) {
      fx.ranges.push((await post('/v1/ranges', { name, cidr, defaultPrefixLength: name === 'v6' ? 56 : 16 })).id);
      fx.rangeNames.push(name);
    }
    fx.reservations.push((await post(`/v1/ranges/${fx.ranges[0]}/reservations`, { cidr: '10.15.0.0/16' })).id);
    const clusters: object[] = [
      { name: 'v4', podCidrs: [{ range: 'pods' }], serviceCidrs: [{ range: 'svc' }] },
      { name: 'dual', podCidrs: [{ range: 'pods' }, { range: 'v6' }], serviceCidrs: [{ range: 'svc' }, 'fd00:ffff::/112'] },
      { name: 'v6', podCidrs: ['fd01::/48'], serviceCidrs: ['fd02::/108'] },
    ];
    for (const c of clusters) {
      const id = (await post('/v1/clusters', c)).id;
      fx.clusters.push(id);
      fx.nodes.push((await post(`/v1/clusters/${id}/nodes`, { name: 'n1' })).id);
      fx.services.push(
        (await post(`/v1/clusters/${id}/services`, { namespace: 'default', name: 'web', ipFamilyPolicy: 'PreferDualStack' })).id,
      );
    }
    for (const role of ['reader', 'writer']) {
      const token = await post('/v1/tokens', { name: `fz-${role}`, role, ...(role === 'writer' ? { clusters: [fx.clusters[0]] } : {}) });
      fx.tokens.push(token.id);
      fx.secrets.push(token.secret!);
    }
  });
  afterAll(() => t.close());

  function requests(): FuzzRequest[] {
    const id = (xs: string[]) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...xs) },
        { weight: 1, arbitrary: fc.uuid().map(String) },
        { weight: 1, arbitrary: fc.constantFrom(...xs).map((x) => x.toUpperCase()) },
        {
          weight: 2,
          arbitrary: fc
            .oneof(
              fc.string({ unit: 'binary', maxLength: 30 }),
              fc.constantFrom('0', '-1', 'null', '..', '%', '%zz', '%00', 'a'.repeat(300), '😀', "' OR 1=1 --", '{{x}}'),
            )
            .map((s) => (s.startsWith('%') ? s : encodeURIComponent(s))),
        },
      );
    const cluster = id(fx.clusters);
    const rangeRef = fc.oneof({ weight: 4, arbitrary: id(fx.ranges) }, { weight: 1, arbitrary: fc.constantFrom(...fx.rangeNames) });
    const domainRef = fc.oneof(id(fx.domains), fc.constantFrom('default', 'fz'));
    const q = (entries: Record<string, fc.Arbitrary<unknown>>) =>
      fc
        .tuple(fc.record(entries, { requiredKeys: [] }), rarely(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }))))
        .map(([known, extra]) => {
          const params = new URLSearchParams();
          for (const [k, v] of Object.entries({ ...known, ...extra })) {
            if (v === undefined) continue;
            if (Array.isArray(v)) for (const x of v) params.append(k, String(x));
            else params.append(k, typeof v === 'string' ? v : JSON.stringify(v));
          }
          const s = params.toString();
          return s ? `?${s}` : '';
        });
    const page = {
      limit: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 50 }) },
        { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -5, max: 1200 }), fc.constantFrom('abc', '1e3', '', '0x10', '2.5')) },
      ),
      cursor: rarely(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.jsonValue({ maxDepth: 1 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
          fc
            .tuple(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ maxLength: 40 }), fc.integer()))
            .map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
          fc.tuple(fc.string(), fc.string(), fc.string()).map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
          // well-formed keys of each list's shape, pointing anywhere
          fc
            .tuple(fc.oneof(names, cidrish, fc.uuid().map(String)), fc.uuid().map(String))
            .map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
          fc.tuple(names, names, fc.uuid().map(String)).map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
          fc
            .tuple(
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
              fc.bigInt({ min: 0n, max: 10n ** 19n }).map(String),
            )
            .map((k) => Buffer.from(JSON.stringify(k)).toString('base64url')),
        ),
      ),
    };
    const labelSelector = fc.oneof(
      fc.constantFrom('env=prod', 'env!=prod', 'env', '!env', 'env in (a,b)', 'a=b,c=d', '=', 'env=', ',,', 'a b'),
      fc.string({ maxLength: 30 }),
    );

    type R = Omit<FuzzRequest, 'headers' | 'payload'> & { body?: unknown };
    const route = (method: FuzzRequest['method'], path: fc.Arbitrary<string>, b?: fc.Arbitrary<unknown>): fc.Arbitrary<R> =>
      b ? fc.tuple(path, b).map(([url, x]) => ({ method, url, body: x })) : path.map((url) => ({ method, url }));
    const p = (strings: TemplateStringsArray, ...parts: fc.Arbitrary<string>[]) =>
      fc.tuple(...parts).map((xs) => strings.reduce((acc, s, i) => acc + s + (i < xs.length ? xs[i] : ''), ''));

    const clusterFuzzy = fc.record(
      {
        name: names,
        domain: domainRef,
        podCidrs: fc.array(cidrEntry(fx.rangeNames), { maxLength: 3 }),
        serviceCidrs: fc.array(cidrEntry(fx.rangeNames), { maxLength: 3 }),
        nodeMaskSizeIPv4: prefixLength,
        nodeMaskSizeIPv6: prefixLength,
        kubernetesVersion: fc.oneof(
          fc.constantFrom('1.29', '1.33.2', 'v1.34.0', '1.34', '2.0', 'latest', ''),
          fc.string({ maxLength: 12 }),
        ),
        labels,
        allowConflicts: fc.boolean(),
      },
      { requiredKeys: ['name', 'podCidrs', 'serviceCidrs'] },
    );
    const serviceFuzzy = fc.record(
      {
        namespace: fc.oneof(fc.constantFrom('default', 'kube-system', 'prod'), names),
        name: names,
        type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Headless', ''),
        selector: fc.oneof(fc.constant(null), labels),
        clusterIP: fc.oneof(addressish, fc.constantFrom('None', '', 'none')),
        clusterIPs: fc.array(fc.oneof(addressish, fc.constant('None')), { maxLength: 3 }),
        ipFamilyPolicy: fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack', 'Dual', ''),
        ipFamilies: fc.array(fc.constantFrom('IPv4', 'IPv6', 'IPv5'), { maxLength: 3 }),
        labels,
      },
      { requiredKeys: ['namespace', 'name'] },
    );
    const rangeFuzzy = fc.record(
      {
        name: names,
        cidr: cidrish,
        domain: domainRef,
        parent: rangeRef,
        purpose: fc.constantFrom('pod', 'service', 'any', 'other'),
        minPrefixLength: prefixLength,
        maxPrefixLength: prefixLength,
        defaultPrefixLength: prefixLength,
        labels,
        description: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: ['name', 'cidr'] },
    );
    const nodeFuzzy = fc.record(
      {
        name: names,
        labels,
        podCidrs: fc.array(cidrish, { maxLength: 3 }),
        addresses: fc.array(fc.record({ type: fc.constantFrom('InternalIP', 'ExternalIP', 'Hostname'), address: addressish }), {
          maxLength: 3,
        }),
      },
      { requiredKeys: ['name'] },
    );
    // plausible, mostly valid bodies: the allocation paths must run too, not only validation
    const validName = fc
      .tuple(fc.constantFrom('a', 'b', 'web', 'api', 'edge', 'prod'), fc.integer({ min: 0, max: 40 }))
      .map(([n, i]) => `${n}-${i}`);
    const validLabels = fc.dictionary(fc.constantFrom('env', 'team', 'zone'), fc.constantFrom('prod', 'dev', 'a', 'b'), { maxKeys: 2 });
    const v4Block = (min: number, max: number, second: [number, number]) =>
      fc
        .tuple(fc.integer({ min: second[0], max: second[1] }), fc.integer({ min: 0, max: 255 }), fc.integer({ min, max }))
        .map(([b, c, len]) => {
          const v = ((10 << 24) | (b << 16) | (c << 8)) >>> 0;
          const masked = ((v >>> (32 - len)) << (32 - len)) >>> 0;
          return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
        });
    const v6Block = (lens: number[]) =>
      fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(...lens)).map(([n, l]) => `fd10:${n.toString(16)}::/${l}`);
    const pod4 = fc.oneof(
      v4Block(14, 22, [16, 90]),
      fc.record({ range: fc.constant('pods'), prefixLength: fc.integer({ min: 14, max: 24 }) }),
      fc.constant({ range: 'pods' }),
    );
    const svc4 = fc.oneof(
      v4Block(20, 28, [96, 111]),
      fc.record({ range: fc.constant('svc'), prefixLength: fc.integer({ min: 18, max: 28 }) }),
    );
    const pod6 = fc.oneof(v6Block([48, 56, 64]), fc.record({ range: fc.constant('v6'), prefixLength: fc.constantFrom(48, 56, 64) }));
    const svc6 = v6Block([108, 112, 120]);
    const clusterValid = fc
      .record({
        name: validName,
        stack: fc.constantFrom('v4', 'v4', 'v6', 'dual', 'dual6'),
        pod4,
        svc4,
        pod6,
        svc6,
        labels: validLabels,
        kubernetesVersion: fc.constantFrom(undefined, '1.33', '1.34'),
        allowConflicts: fc.constantFrom(undefined, false, true),
      })
      .map(({ stack, pod4: p4, svc4: s4, pod6: p6, svc6: s6, ...rest }) => ({
        ...rest,
        podCidrs: stack === 'v4' ? [p4] : stack === 'v6' ? [p6] : stack === 'dual' ? [p4, p6] : [p6, p4],
        serviceCidrs: stack === 'v4' ? [s4] : stack === 'v6' ? [s6] : stack === 'dual' ? [s4, s6] : [s6, s4],
      }));
    const clusterBody = fc.oneof({ weight: 3, arbitrary: clusterValid }, { weight: 1, arbitrary: clusterFuzzy }) as fc.Arbitrary<
      Record<string, unknown>
    >;
    const serviceValid = fc.record(
      {
        namespace: fc.constantFrom('default', 'prod'),
        name: validName,
        ipFamilyPolicy: fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack'),
        ipFamilies: fc.constantFrom(['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4']),
        clusterIP: fc.oneof(
          fc.integer({ min: 1, max: 4000 }).map((n) => `10.96.${n >> 8}.${n & 255}`),
          fc.constant('None'),
        ),
        selector: validLabels,
        labels: validLabels,
      },
      { requiredKeys: ['namespace', 'name'] },
    );
    const serviceBody = fc.oneof(
      { weight: 2, arbitrary: fc.record({ namespace: fc.constantFrom('default', 'prod'), name: validName }) },
      { weight: 3, arbitrary: serviceValid },
      { weight: 1, arbitrary: serviceFuzzy },
    ) as fc.Arbitrary<Record<string, unknown>>;
    const rangeValid = fc.record(
      {
        name: validName,
        cidr: fc.oneof(v4Block(12, 24, [16, 200]), v6Block([32, 40, 48])),
        purpose: fc.constantFrom('pod', 'service', 'any'),
        labels: validLabels,
      },
      { requiredKeys: ['name', 'cidr'] },
    );
    const rangeBody = fc.oneof({ weight: 3, arbitrary: rangeValid }, { weight: 1, arbitrary: rangeFuzzy }) as fc.Arbitrary<
      Record<string, unknown>
    >;
    const nodeValid = fc.record(
      {
        name: validName,
        labels: validLabels,
        addresses: fc.constantFrom([], [{ type: 'InternalIP', address: '192.168.0.10' }], [{ type: 'InternalIP', address: 'fd99::10' }]),
      },
      { requiredKeys: ['name'] },
    );
    const nodeBody = fc.oneof({ weight: 3, arbitrary: nodeValid }, { weight: 1, arbitrary: nodeFuzzy }) as fc.Arbitrary<
      Record<string, unknown>
    >;
    const manifest = fc.record(
      {
        apiVersion: fc.constantFrom('v1', 'v2', ''),
        kind: fc.constantFrom('Service', 'Pod'),
        metadata: fc.oneof(fc.record({ name: names, namespace: names, labels }, { requiredKeys: ['name'] }), weird),
        spec: fc.oneof(
          serviceBody.map(({ namespace: _n, name: _m, labels: _l, ...spec }) => spec),
          weird,
        ),
      },
      { requiredKeys: ['kind', 'metadata'] },
    );

    const rest: fc.Arbitrary<R> = fc.oneof(
      // domains
      route(
        'POST',
        fc.constant('/v1/domains'),
        body(fc.record({ name: names, description: fc.string({ maxLength: 30 }) }, { requiredKeys: ['name'] })),
      ),
      route('GET', p`/v1/domains${q({ name: names, ...page })}`),
      route('GET', p`/v1/domains/${domainRef}`),
      route('PATCH', p`/v1/domains/${domainRef}`, body(fc.record({ description: fc.string({ maxLength: 30 }) }))),
      route('DELETE', p`/v1/domains/${domainRef}`),
      // ranges and reservations
      route('POST', fc.constant('/v1/ranges'), body(rangeBody)),
      route(
        'GET',
        p`/v1/ranges${q({ domain: domainRef, name: names, family: fc.constantFrom('IPv4', 'IPv6', 'IPv7'), purpose: fc.string(), parent: rangeRef, label: labelSelector, ...page })}`,
      ),
      route('GET', p`/v1/ranges/${rangeRef}`),
      route('GET', p`/v1/ranges/${rangeRef}/usage`),
      route('PATCH', p`/v1/ranges/${rangeRef}`, body(fc.record({ labels, description: fc.string({ maxLength: 30 }) }))),
      route('DELETE', p`/v1/ranges/${rangeRef}`),
      route(
        'POST',
        p`/v1/ranges/${rangeRef}/reservations`,
        body(fc.record({ cidr: cidrish, reason: fc.string({ maxLength: 20 }) }, { requiredKeys: ['cidr'] })),
      ),
      route('GET', p`/v1/ranges/${rangeRef}/reservations${q(page)}`),
      route('GET', p`/v1/ranges/${rangeRef}/reservations/${id(fx.reservations)}`),
      route(
        'PATCH',
        p`/v1/ranges/${rangeRef}/reservations/${id(fx.reservations)}`,
        body(fc.record({ reason: fc.string({ maxLength: 20 }) })),
      ),
      route('DELETE', p`/v1/ranges/${rangeRef}/reservations/${id(fx.reservations)}`),
      // clusters
      route('POST', fc.constant('/v1/clusters'), body(clusterBody)),
      route('POST', fc.constant('/v1/clusters'), body(clusterBody)),
      route('POST', fc.constant('/v1/clusters'), body(clusterBody)),
      route(
        'GET',
        p`/v1/clusters${q({ domain: domainRef, name: names, stack: fc.constantFrom('IPv4', 'IPv6', 'DualStack', 'x'), label: labelSelector, ...page })}`,
      ),
      route('GET', p`/v1/clusters/${cluster}`),
      route('GET', p`/v1/clusters/${cluster}/config${q({ format: fc.constantFrom('json', 'text', 'yaml', 'xml') })}`),
      route('GET', p`/v1/clusters/${cluster}/capacity`),
      route(
        'PATCH',
        p`/v1/clusters/${cluster}`,
        body(
          fc.record({
            labels,
            kubernetesVersion: fc.constantFrom('1.29', '1.35', 'x'),
            allowConflicts: fc.boolean(),
            podCidrs: fc.array(cidrEntry(fx.rangeNames), { maxLength: 3 }),
            serviceCidrs: fc.array(cidrEntry(fx.rangeNames), { maxLength: 3 }),
            name: names,
            nodeMaskSizeIPv4: prefixLength,
          }),
        ),
      ),
      route('DELETE', p`/v1/clusters/${cluster}`),
      // nodes
      route('POST', p`/v1/clusters/${cluster}/nodes`, body(nodeBody)),
      route('POST', p`/v1/clusters/${cluster}/nodes`, body(nodeBody)),
      route('POST', p`/v1/clusters/${cluster}/nodes`, body(nodeBody)),
      route('GET', p`/v1/clusters/${cluster}/nodes${q({ name: names, label: labelSelector, ...page })}`),
      route('GET', p`/v1/clusters/${cluster}/nodes/${id(fx.nodes)}`),
      route(
        'PATCH',
        p`/v1/clusters/${cluster}/nodes/${id(fx.nodes)}`,
        body(
          fc.record({
            labels,
            addresses: fc.array(fc.record({ type: fc.constant('InternalIP'), address: addressish })),
            name: names,
            podCidrs: fc.array(cidrish),
          }),
        ),
      ),
      route('DELETE', p`/v1/clusters/${cluster}/nodes/${id(fx.nodes)}`),
      // services
      route('POST', p`/v1/clusters/${cluster}/services`, body(serviceBody)),
      route('POST', p`/v1/clusters/${cluster}/services`, body(serviceBody)),
      route('POST', p`/v1/clusters/${cluster}/services`, body(serviceBody)),
      route('POST', p`/v1/clusters/${cluster}/services:apply`, body(manifest)),
      route('GET', p`/v1/clusters/${cluster}/services${q({ namespace: names, name: names, label: labelSelector, ...page })}`),
      route('GET', p`/v1/clusters/${cluster}/services/${id(fx.services)}`),
      route(
        'PATCH',
        p`/v1/clusters/${cluster}/services/${id(fx.services)}`,
        body(serviceBody.map(({ name: _n, namespace: _m, ...rest }) => rest)),
      ),
      route('DELETE', p`/v1/clusters/${cluster}/services/${id(fx.services)}`),
      // leases, whois, conflicts
      route(
        'GET',
        p`/v1/leases${q({ contains: addressish, within: cidrish, holderKind: fc.constantFrom('cluster', 'node', 'service', 'x'), holderId: id(fx.nodes), rangeId: id(fx.ranges), clusterId: cluster, ...page })}`,
      ),
      route('GET', p`/v1/whois${q({ address: addressish })}`),
      route('GET', p`/v1/conflicts${q({ domain: domainRef, clusterId: cluster, ...page })}`),
      // tokens and audit
      route(
        'POST',
        fc.constant('/v1/tokens'),
        body(
          fc.record(
            {
              name: names,
              role: fc.constantFrom('reader', 'writer', 'admin', 'root'),
              clusters: fc.array(cluster, { maxLength: 3 }),
              expiresAt: fc.oneof(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string({ maxLength: 25 }),
                fc.constantFrom('2999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:59.999Z'),
              ),
            },
            { requiredKeys: ['name', 'role'] },
          ),
        ),
      ),
      route('GET', p`/v1/tokens${q(page)}`),
      route('GET', p`/v1/tokens/${id(fx.tokens)}`),
      route('DELETE', p`/v1/tokens/${fc.oneof(fc.uuid().map(String), fc.string({ maxLength: 10 }).map(encodeURIComponent))}`),
      route(
        'GET',
        p`/v1/audit${q({
          resource: fc.constantFrom('cluster', 'node', 'x'),
          resourceId: fc.string({ maxLength: 40 }),
          clusterId: cluster,
          actor: names,
          action: fc.constantFrom('create', 'nope'),
          since: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string({ maxLength: 25 }),
            fc.constantFrom('0001-01-01T00:00:00Z', '+275760-09-13T00:00:00Z'),
          ),
          until: fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string({ maxLength: 25 }),
          ),
          ...page,
        })}`,
      ),
      // routes that do not exist, methods that are not allowed
      route('PUT', p`/v1/clusters/${cluster}`, body(clusterBody)),
      route('GET', p`/v1/${fc.string({ maxLength: 20 }).map(encodeURIComponent)}`),
      route('OPTIONS', fc.constant('/v1/domains')),
      route('HEAD', p`/v1/clusters/${cluster}`),
    );

    // GraphQL
    const gqlDocs: [string, fc.Arbitrary<Record<string, unknown>>][] = [
      [
        'query($first: Int, $after: String) { clusters(first: $first, after: $after) { nodes { id name podCidrs { cidr } nodes { nodes { podCidrs { cidr } } } services { nodes { clusterIP } } } pageInfo { endCursor } } }',
        fc.record({ first: mostly(fc.integer({ min: -3, max: 600 })), after: mostly(page.cursor) }, { requiredKeys: [] }),
      ],
      ['query($id: ID!) { cluster(id: $id) { id config { text } capacity { maxNodes } } }', fc.record({ id: mostly(cluster) })],
      [
        'query($name: String, $domain: String) { cluster(name: $name, domain: $domain) { id } }',
        fc.record({ name: mostly(names), domain: mostly(domainRef) }, { requiredKeys: [] }),
      ],
      ['query($a: String!) { whoIs(address: $a) { address leases { cidr holder { kind name } } } }', fc.record({ a: mostly(addressish) })],
      [
        'query($c: String!, $d: String) { checkCidr(cidr: $c, domain: $d) { __typename } }',
        fc.record({ c: mostly(cidrish), d: mostly(domainRef) }, { requiredKeys: ['c'] }),
      ],
      [
        'query($d: String, $c: ID, $f: Int) { conflicts(domain: $d, clusterId: $c, first: $f) { __typename } }',
        fc.record({ d: domainRef, c: cluster, f: fc.integer({ min: -2, max: 5000 }) }, { requiredKeys: [] }),
      ],
      [
        'query($f: Int, $a: String) { ranges(first: $f, after: $a) { nodes { id cidr usage { free } children { id } reservations { cidr } } } domains { nodes { id } } }',
        fc.record({ f: fc.integer({ min: -2, max: 600 }), a: page.cursor }, { requiredKeys: [] }),
      ],
      ['query($id: ID!) { range(id: $id) { id } domain(id: $id) { id } }', fc.record({ id: mostly(fc.oneof(rangeRef, domainRef)) })],
      [
        'query($f: AuditFilter, $n: Int, $a: String) { audit(filter: $f, first: $n, after: $a) { nodes { id before after } } }',
        fc.record(
          {
            f: fc.oneof(
              fc.record(
                { resource: fc.string({ maxLength: 8 }), clusterId: cluster, since: fc.string({ maxLength: 25 }) },
                { requiredKeys: [] },
              ),
              weird,
            ),
            n: fc.integer({ min: -2, max: 600 }),
            a: page.cursor,
          },
          { requiredKeys: [] },
        ),
      ],
      [
        'mutation($i: CreateDomainInput!) { createDomain(input: $i) { id } }',
        fc.record({ i: body(fc.record({ name: names, description: fc.string({ maxLength: 10 }) }, { requiredKeys: ['name'] })) }),
      ],
      ['mutation($i: CreateRangeInput!) { createRange(input: $i) { id } }', fc.record({ i: body(rangeBody) })],
      [
        'mutation($i: CreateReservationInput!) { createReservation(input: $i) { id } }',
        fc.record({
          i: body(
            fc.record({ rangeId: rangeRef, cidr: cidrish, reason: fc.string({ maxLength: 5 }) }, { requiredKeys: ['rangeId', 'cidr'] }),
          ),
        }),
      ],
      [
        'mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }',
        fc.record({ i: body(clusterBody.map((c) => ({ ...c, podCidrs: asInputs(c.podCidrs), serviceCidrs: asInputs(c.serviceCidrs) }))) }),
      ],
      [
        'mutation($id: ID!, $i: UpdateClusterInput!) { updateCluster(id: $id, input: $i) { id } }',
        fc.record({ id: cluster, i: body(fc.record({ labels, kubernetesVersion: fc.string({ maxLength: 6 }) })) }),
      ],
      [
        'mutation($c: ID!, $i: CreateNodeInput!) { createNode(clusterId: $c, input: $i) { id podCidrs { cidr } } }',
        fc.record({ c: cluster, i: body(nodeBody) }),
      ],
      [
        'mutation($c: ID!, $i: CreateServiceInput!) { createService(clusterId: $c, input: $i) { id clusterIPs { address } } }',
        fc.record({ c: cluster, i: body(serviceBody) }),
      ],
      [
        'mutation($c: ID!, $id: ID!, $p: IPFamilyPolicy!, $f: [IPFamily!]) { updateServiceFamilyPolicy(clusterId: $c, id: $id, ipFamilyPolicy: $p, ipFamilies: $f) { id } }',
        fc.record({
          c: cluster,
          id: id(fx.services),
          p: fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack', 'x'),
          f: fc.array(fc.constantFrom('IPv4', 'IPv6', 'x'), { maxLength: 3 }),
        }),
      ],
      [
        'mutation($c: ID!, $id: ID!) { deleteService(clusterId: $c, id: $id) deleteNode(clusterId: $c, id: $id) }',
        fc.record({ c: cluster, id: fc.oneof(id(fx.services), id(fx.nodes)) }),
      ],
      [
        'mutation($id: ID!, $r: ID!) { deleteReservation(rangeId: $r, id: $id) deleteRange(id: $r) deleteDomain(id: $id) deleteCluster(id: $id) }',
        fc.record({ id: fc.oneof(cluster, domainRef, id(fx.reservations)), r: rangeRef }),
      ],
    ];
    const deep = fc
      .integer({ min: 5, max: 40 })
      .map((n) => `{ clusters { nodes { ${'domain { id } '.repeat(1)}${'x { '.repeat(n)}id${' }'.repeat(n)} } } }`);
    const gql: fc.Arbitrary<R> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .constantFrom(...gqlDocs)
          .chain(([query, vars]) => vars.map((variables) => ({ method: 'POST' as const, url: '/graphql', body: { query, variables } }))),
      },
      {
        weight: 2,
        arbitrary: mutated(fc.constantFrom(...gqlDocs.map(([d]) => d))).map((query) => ({
          method: 'POST' as const,
          url: '/graphql',
          body: { query },
        })),
      },
      { weight: 1, arbitrary: deep.map((query) => ({ method: 'POST' as const, url: '/graphql', body: { query } })) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => ({
          method: 'POST' as const,
          url: '/graphql',
          body: { query: `{ clusters(first: ${n}) { nodes { nodes(first: ${n}) { nodes { id } } } } }` },
        })),
      },
      { weight: 1, arbitrary: weird.map((b) => ({ method: 'POST' as const, url: '/graphql', body: b })) },
      // strings that are JSON, not GraphQL (some servers take them for parsed documents)
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.jsonValue({ maxDepth: 2 }), fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: undefined }))
          .map(([v, operationName]) => ({ method: 'POST' as const, url: '/graphql', body: { query: JSON.stringify(v), operationName } })),
      },
      {
        weight: 1,
        arbitrary: fc
          .record(
            {
              query: fc.oneof(fc.string({ maxLength: 60 }), weird),
              variables: weird,
              operationName: fc.oneof(fc.string({ maxLength: 10 }), weird),
            },
            { requiredKeys: [] },
          )
          .map((b) => ({ method: 'POST' as const, url: '/graphql', body: b })),
      },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom(...gqlDocs.map(([d]) => d))
          .map((d) => ({ method: 'GET' as const, url: `/graphql?query=${encodeURIComponent(d)}` })),
      },
    );

    // headers and encodings
    const auth = fc.oneof(
      { weight: 12, arbitrary: fc.constant<string | undefined>(t.auth.Authorization) },
      { weight: 1, arbitrary: fc.constantFrom(...fx.secrets).map((s): string | undefined => `Bearer ${s}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<string | undefined>(
          undefined,
          '',
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `bearer ${t.auth.Authorization.slice(7)}`,
          `Bearer ${'x'.repeat(600)}`,
          'Bearer a b',
          'Bearer \u00e9',
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s): string | undefined => `Bearer ${s}`) },
    );
    const headers = fc.record(
      {
        authorization: auth,
        'content-type': fc.oneof(
          { weight: 40, arbitrary: fc.constant('application/json') },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/yaml',
              'multipart/form-data; boundary=x',
              'application/json; charset=latin1',
              'application/merge-patch+json',
              '',
              'application/json, text/plain',
            ),
          },
          { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
        ),
        'if-match': rarely(
          fc.oneof(fc.constantFrom('*', '"1"', '"0"', 'W/"1"', '"1", "2"', ''), fc.string({ unit: 'binary-ascii', maxLength: 20 })),
        ),
        'idempotency-key': rarely(
          fc.oneof(fc.uuid().map(String), fc.string({ unit: 'binary-ascii', maxLength: 300 }), fc.constantFrom('', '""', '"a\\"b"')),
        ),
        'x-request-id': rarely(fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 200 }), fc.constant('req-1'))),
        accept: rarely(fc.constantFrom('application/json', 'text/html', 'application/yaml', '*/*', 'image/png')),
      },
      { requiredKeys: ['authorization', 'content-type'] },
    );
    const encoding = fc.oneof(
      { weight: 40, arbitrary: fc.constant('json') },
      { weight: 1, arbitrary: fc.constant('mutated-json') },
      { weight: 1, arbitrary: fc.constant('raw') },
      { weight: 1, arbitrary: fc.constant('yaml') },
    );
    const all = fc.tuple(
      fc.oneof({ weight: 4, arbitrary: rest }, { weight: 1, arbitrary: gql }),
      headers,
      encoding,
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.nat(),
    );
    const sampled = fc.sample(all, { numRuns: RUNS, seed: SEED });
    // deletions last: the fixtures stay for most of the run, so requests reach past 404
    const isDelete = ([r]: (typeof sampled)[number]) =>
      r.method === 'DELETE' || (r.url === '/graphql' && JSON.stringify(r.body ?? '').includes('delete'));
    return [...sampled.filter((x) => !isDelete(x)), ...sampled.filter(isDelete)].map(([r, h, enc, raw, n]) => {
      const hs: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (v !== undefined) hs[k] = v;
      // a content type without a body is a 400 of its own: only now and then
      if ((r.body === undefined || r.method === 'GET' || r.method === 'HEAD') && n % 10 !== 0) delete hs['content-type'];
      if (hs['content-type'] === 'application/yaml' || enc === 'yaml') hs['content-type'] = 'application/yaml';
      let payload: string | undefined;
      if (r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD') {
        const json = JSON.stringify(r.body) ?? 'null';
        if (enc === 'mutated-json') payload = json.slice(0, n % (json.length + 1)) + raw + json.slice(n % (json.length + 1));
        else if (enc === 'raw') payload = raw;
        else if (enc === 'yaml') payload = `kind: Service\nmetadata:\n  name: ${raw.replace(/\n/g, ' ')}\nspec: ${json}\n`;
        else payload = json;
      }
      // now and then a body over the 1 MiB limit
      if (n % 1000 === 7 && r.method === 'POST') payload = JSON.stringify({ name: 'big', description: 'x'.repeat(1_100_000) });
      return { method: r.method, url: r.url, headers: hs, payload };
    });
  }

  /** Why a response is not acceptable, or null. */
  function problemWith(req: FuzzRequest, res: LightMyRequestResponse): string | null {
    const status = res.statusCode;
    if (status >= 500) return `${status}`;
    if (req.method === 'HEAD' || status < 400) {
      if (req.url.startsWith('/graphql') && status === 200 && res.body) {
        const b = JSON.parse(res.body) as { errors?: { extensions?: { type?: unknown; status?: number } }[] };
        for (const e of b.errors ?? []) {
          if (typeof e.extensions?.type !== 'string') return 'GraphQL error without extensions.type';
          if ((e.extensions.status ?? 0) >= 500) return 'GraphQL error with a 5xx status';
        }
      }
      return null;
    }
    const type = String(res.headers['content-type'] ?? '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return `${status} with a body that is not JSON (${type})`;
    }
    if (type.startsWith('application/problem+json')) {
      const p = parsed as { type?: unknown; title?: unknown; status?: unknown };
      if (typeof p.type !== 'string' || typeof p.title !== 'string' || p.status !== status) return `${status} problem document malformed`;
      return null;
    }
    if (req.url.startsWith('/graphql') && type.startsWith('application/json')) {
      const errors = (parsed as { errors?: { extensions?: { type?: unknown } }[] }).errors;
      if (!Array.isArray(errors) || !errors.length) return `${status} GraphQL answer without errors`;
      if (errors.some((e) => typeof e.extensions?.type !== 'string')) return `${status} GraphQL error without extensions.type`;
      return null;
    }
    return `${status} with content-type ${type}`;
  }

  it(`answers ${RUNS} generated requests without a 5xx, every error a problem`, async () => {
    const fastify = t.app.getHttpAdapter().getInstance();
    const all = requests();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (let i = 0; i < all.length; i += CONCURRENCY) {
      await Promise.all(
        all.slice(i, i + CONCURRENCY).map(async (req) => {
          let res: LightMyRequestResponse;
          try {
            res = await fastify.inject({ method: req.method, url: req.url, headers: req.headers, payload: req.payload });
          } catch (error) {
            failures.push(`${req.method} ${req.url}: inject failed: ${(error as Error).message}`);
            return;
          }
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const problem = problemWith(req, res);
          if (problem && failures.length < 50) {
            failures.push(
              `${problem}: ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${req.payload?.slice(0, 300) ?? ''} -> ${res.body.slice(0, 300)}`,
            );
          }
        }),
      );
    }
    if (process.env.FUZZ_VERBOSE) {
      process.stdout.write(
        `fuzz: ${all.length} requests in ${Date.now() - started} ms; statuses ${JSON.stringify([...statuses].sort())}\n`,
      );
    }
    expect(failures).toEqual([]);
    // the run reached past validation: things were created, found, refused for conflicts
    for (const s of [200, 201, 204, 400, 401, 404, 409, 422]) expect(statuses.get(s) ?? 0).toBeGreaterThan(0);
  }, 180_000);

  it('still serves afterwards', async () => {
    await t.http.get('/healthz').expect(200);
    await t.http.get('/readyz').expect(200);
    await t.http.get('/v1/clusters').set(t.auth).expect(200);
    const res = await t.http.post('/graphql').set(t.auth).send({ query: '{ domains { nodes { name } } }' }).expect(200);
    expect(res.body.data.domains.nodes.length).toBeGreaterThan(0);
  });

  it('leaves the database consistent: no overlapping leases, free blocks and leases tile every pool, every holder exists', async () => {
    const overlaps = await t.sql(
      `SELECT a.id, b.id FROM lease a JOIN lease b
          ON a.pool_id = b.pool_id AND a.id < b.id AND a.cidr && b.cidr AND NOT a.overlap_allowed AND NOT b.overlap_allowed`,
    );
    expect(overlaps).toEqual([]);
    // Free blocks and leases tile each pool: every address is free or leased, no free block overlaps anything.
    // Brownfield imports (overlap_allowed) may overlap other leases, so the union is what must cover the pool.
    const pools = await t.sql<{ id: string; cidr: string }>('SELECT id::text AS id, cidr::text AS cidr FROM pool');
    const blocks = await t.sql<{ pool_id: string; cidr: string; free: boolean; overlap: boolean }>(
      `SELECT pool_id::text AS pool_id, cidr::text AS cidr, false AS free, overlap_allowed AS overlap FROM lease
       UNION ALL SELECT pool_id::text, cidr::text, true, false FROM free_block`,
    );
    const untiled: string[] = [];
    for (const pool of pools) {
      const whole = Prefix.parseAddressOrCidr(pool.cidr);
      const items = blocks
        .filter((b) => b.pool_id === pool.id)
        .map((b) => ({ ...b, p: Prefix.parseAddressOrCidr(b.cidr) }))
        .sort((a, b) => (a.p.firstValue < b.p.firstValue ? -1 : a.p.firstValue > b.p.firstValue ? 1 : a.p.length - b.p.length));
      let next = whole.firstValue; // the first address not yet covered
      let previous: (typeof items)[number] | undefined;
      for (const item of items) {
        if (!whole.contains(item.p)) untiled.push(`${pool.cidr}: ${item.cidr} is outside the pool`);
        if (item.p.firstValue > next) untiled.push(`${pool.cidr}: hole before ${item.cidr}`);
        if (previous && item.p.firstValue <= previous.p.lastValue && (item.free || previous.free)) {
          untiled.push(`${pool.cidr}: free block overlaps: ${previous.cidr} and ${item.cidr}`);
        }
        if (!previous || item.p.lastValue > previous.p.lastValue) previous = item;
        if (item.p.lastValue + 1n > next) next = item.p.lastValue + 1n;
      }
      if (next !== whole.lastValue + 1n) untiled.push(`${pool.cidr}: not covered to its end`);
    }
    expect(untiled).toEqual([]);
    const orphans = await t.sql(
      `SELECT l.id, l.holder_kind::text AS kind, l.holder_id FROM lease l
        WHERE NOT CASE l.holder_kind
          WHEN 'cluster' THEN EXISTS (SELECT 1 FROM cluster c WHERE c.id = l.holder_id)
          WHEN 'node' THEN EXISTS (SELECT 1 FROM node n WHERE n.id = l.holder_id)
          WHEN 'service' THEN EXISTS (SELECT 1 FROM service s WHERE s.id = l.holder_id)
          WHEN 'range' THEN EXISTS (SELECT 1 FROM range r WHERE r.id = l.holder_id)
          WHEN 'reservation' THEN EXISTS (SELECT 1 FROM reservation r WHERE r.id = l.holder_id)
          WHEN 'system' THEN EXISTS (SELECT 1 FROM cluster_cidr cc WHERE cc.id = l.holder_id)
        END`,
    );
    expect(orphans).toEqual([]);
    // and the run did change things: the pools are not just the fixtures
    const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM audit_record');
    expect(n).toBeGreaterThan(50);
  });
});

/** REST cluster CIDR entries as GraphQL CidrEntryInput objects. */
function asInputs(entries: unknown): unknown {
  if (!Array.isArray(entries)) return entries;
  return entries.map((e) => (typeof e === 'string' ? { cidr: e } : e));
}
