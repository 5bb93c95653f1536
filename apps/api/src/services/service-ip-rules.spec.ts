import { Address, Prefix, type IPFamily } from '@kipam/cidr';
import type { FieldError } from '../common/errors';
import { fieldErrorsOf } from '../../test/setup/refusals';
import {
  clusterIpProblem,
  dynamicStarts,
  randomBelow,
  normalizeSelector,
  planCreate,
  planUpdate,
  type ServicePlan,
  type ServiceSpecInput,
  type ServiceState,
} from './service-ip-rules';

const DUAL: IPFamily[] = ['IPv4', 'IPv6'];
const DUAL_V6_FIRST: IPFamily[] = ['IPv6', 'IPv4'];
const V4: IPFamily[] = ['IPv4'];
const field = (name: string) => name;

/** A plan in short: policy, families, what is leased (`IPv4` dynamic, `IPv4=10.96.0.10` requested) and released. */
function summary(plan: ServicePlan) {
  return {
    policy: plan.policy,
    families: plan.families,
    headless: plan.headless,
    lease: plan.allocations.map((a) => (a.requested ? `${a.family}=${a.requested.address.toString()}` : a.family)),
    release: plan.release,
  };
}

/** The field errors of a refused plan (a plan that is not refused fails the test). */
function refusal(plan: () => ServicePlan): FieldError[] {
  const errors = fieldErrorsOf(plan);
  if (!errors.length) throw new Error('the plan was not refused');
  return errors;
}

describe('Service ClusterIP rules', () => {
  describe(planCreate.name, () => {
    it.each<[string, ServiceSpecInput, IPFamily[], ReturnType<typeof summary>]>([
      [
        'no policy: SingleStack in the primary family',
        {},
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: false, lease: ['IPv4'], release: [] },
      ],
      [
        'no policy on an IPv6-primary cluster',
        {},
        DUAL_V6_FIRST,
        { policy: 'SingleStack', families: ['IPv6'], headless: false, lease: ['IPv6'], release: [] },
      ],
      [
        'PreferDualStack on a dual-stack cluster: both families',
        { ipFamilyPolicy: 'PreferDualStack' },
        DUAL,
        { policy: 'PreferDualStack', families: ['IPv4', 'IPv6'], headless: false, lease: ['IPv4', 'IPv6'], release: [] },
      ],
      [
        'PreferDualStack on a single-stack cluster: one family',
        { ipFamilyPolicy: 'PreferDualStack' },
        V4,
        { policy: 'PreferDualStack', families: ['IPv4'], headless: false, lease: ['IPv4'], release: [] },
      ],
      [
        'ipFamilies order the families: IPv6 first',
        { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] },
        DUAL,
        { policy: 'PreferDualStack', families: ['IPv6', 'IPv4'], headless: false, lease: ['IPv6', 'IPv4'], release: [] },
      ],
      [
        'a requested clusterIP',
        { clusterIP: '10.96.0.10' },
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: false, lease: ['IPv4=10.96.0.10'], release: [] },
      ],
      [
        'a requested secondary-family address gives its family',
        { clusterIPs: ['fd00:96::10'] },
        DUAL,
        { policy: 'SingleStack', families: ['IPv6'], headless: false, lease: ['IPv6=fd00:96::10'], release: [] },
      ],
      [
        'both addresses requested',
        { ipFamilyPolicy: 'RequireDualStack', clusterIPs: ['fd00:96::10', '10.96.0.10'] },
        DUAL,
        {
          policy: 'RequireDualStack',
          families: ['IPv6', 'IPv4'],
          headless: false,
          lease: ['IPv6=fd00:96::10', 'IPv4=10.96.0.10'],
          release: [],
        },
      ],
      [
        'headless with a selector: SingleStack, nothing leased',
        { clusterIP: 'None', selector: { app: 'db' } },
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: true, lease: [], release: [] },
      ],
      [
        'headless without a selector: RequireDualStack, primary first',
        { clusterIP: 'None' },
        DUAL_V6_FIRST,
        { policy: 'RequireDualStack', families: ['IPv6', 'IPv4'], headless: true, lease: [], release: [] },
      ],
      [
        'headless without a selector, even on a single-stack cluster',
        { clusterIP: 'None' },
        V4,
        { policy: 'RequireDualStack', families: ['IPv4', 'IPv6'], headless: true, lease: [], release: [] },
      ],
      [
        'ExternalName: no policy, no family',
        { type: 'ExternalName' },
        DUAL,
        { policy: null, families: [], headless: false, lease: [], release: [] },
      ],
    ])('%s', (_case, spec, cluster, expected) => {
      expect(summary(planCreate(spec, cluster, field))).toEqual(expected);
    });

    it.each<[string, ServiceSpecInput, IPFamily[], string, RegExp]>([
      [
        'RequireDualStack on a single-stack cluster',
        { ipFamilyPolicy: 'RequireDualStack' },
        V4,
        'ipFamilyPolicy',
        /needs a dual-stack cluster/,
      ],
      ['a family the cluster lacks', { ipFamilies: ['IPv6'] }, V4, 'ipFamilies[0]', /IPv6 is not configured on this cluster/],
      ['an address of a family the cluster lacks', { clusterIP: 'fd00::1' }, V4, 'clusterIP', /IPv6 is not configured/],
      ['three clusterIPs', { clusterIPs: ['10.96.0.1', 'fd00::1', '10.96.0.2'] }, DUAL, 'clusterIPs', /at most two/],
      [
        '"None" with a second value',
        { clusterIPs: ['None', 'fd00::1'], ipFamilyPolicy: 'PreferDualStack' },
        DUAL,
        'clusterIPs[0]',
        /only value/,
      ],
      ['not an address', { clusterIP: '10.96.0' }, DUAL, 'clusterIP', /is not an IP address/],
      [
        'two addresses of one family',
        { clusterIPs: ['10.96.0.1', '10.96.0.2'], ipFamilyPolicy: 'PreferDualStack' },
        DUAL,
        'clusterIPs[1]',
        /at most one ClusterIP per family/,
      ],
      [
        'clusterIP other than clusterIPs[0]',
        { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.2'] },
        DUAL,
        'clusterIP',
        /must equal clusterIPs\[0\]/,
      ],
      [
        'a family listed twice',
        { ipFamilies: ['IPv4', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' },
        DUAL,
        'ipFamilies[1]',
        /duplicates ipFamilies\[0\]/,
      ],
      [
        'an address of another family than ipFamilies says',
        { clusterIPs: ['fd00::1'], ipFamilies: ['IPv4'] },
        DUAL,
        'clusterIPs[0]',
        /is an IPv6 address but ipFamilies\[0\] is IPv4/,
      ],
      ['two clusterIPs with SingleStack', { clusterIPs: ['10.96.0.1', 'fd00::1'] }, DUAL, 'ipFamilyPolicy', /two clusterIPs/],
      ['two ipFamilies with SingleStack', { ipFamilies: ['IPv4', 'IPv6'] }, DUAL, 'ipFamilyPolicy', /two ipFamilies/],
      ['a clusterIP for ExternalName', { type: 'ExternalName', clusterIP: '10.96.0.1' }, DUAL, 'clusterIP', /ExternalName/],
      ['a policy for ExternalName', { type: 'ExternalName', ipFamilyPolicy: 'SingleStack' }, DUAL, 'ipFamilyPolicy', /ExternalName/],
    ])('refuses %s, naming the field', (_case, spec, cluster, name, message) => {
      expect(refusal(() => planCreate(spec, cluster, field))).toContainEqual({ field: name, message: expect.stringMatching(message) });
    });

    it('names the fields as the caller knows them (spec. in a manifest)', () => {
      expect(refusal(() => planCreate({ clusterIP: 'x' }, DUAL, (n) => `spec.${n}`))).toEqual([
        { field: 'spec.clusterIP', message: expect.any(String) },
      ]);
    });
  });

  describe(planUpdate.name, () => {
    const single: ServiceState = {
      type: 'ClusterIP',
      selector: { app: 'web' },
      policy: 'SingleStack',
      families: ['IPv4'],
      headless: false,
      addresses: { IPv4: '10.96.0.10' },
    };
    const dual: ServiceState = {
      ...single,
      policy: 'RequireDualStack',
      families: ['IPv4', 'IPv6'],
      addresses: { IPv4: '10.96.0.10', IPv6: 'fd00:96::10' },
    };
    const external: ServiceState = { type: 'ExternalName', selector: null, policy: null, families: [], headless: false, addresses: {} };

    it.each<[string, ServiceState, ServiceSpecInput, IPFamily[], ReturnType<typeof summary>]>([
      [
        'nothing given: nothing changes',
        single,
        {},
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: false, lease: [], release: [] },
      ],
      [
        'single to PreferDualStack: the missing family is added, the ClusterIP stays',
        single,
        { ipFamilyPolicy: 'PreferDualStack' },
        DUAL,
        { policy: 'PreferDualStack', families: ['IPv4', 'IPv6'], headless: false, lease: ['IPv6'], release: [] },
      ],
      [
        'dual to SingleStack: only clusterIPs[0] stays',
        dual,
        { ipFamilyPolicy: 'SingleStack' },
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: false, lease: [], release: ['IPv6'] },
      ],
      [
        'a PreferDualStack Service is not upgraded by a change that leaves its IP fields alone',
        { ...single, policy: 'PreferDualStack' },
        { selector: { app: 'other' } },
        DUAL,
        { policy: 'PreferDualStack', families: ['IPv4'], headless: false, lease: [], release: [] },
      ],
      [
        'the same clusterIP again changes nothing',
        single,
        { clusterIP: '10.96.0.10' },
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: false, lease: [], release: [] },
      ],
      [
        'to ExternalName: every ClusterIP is released',
        dual,
        { type: 'ExternalName' },
        DUAL,
        { policy: null, families: [], headless: false, lease: [], release: ['IPv4', 'IPv6'] },
      ],
      [
        'from ExternalName: ClusterIPs as on create',
        external,
        { type: 'ClusterIP' },
        DUAL,
        { policy: 'SingleStack', families: ['IPv4'], headless: false, lease: ['IPv4'], release: [] },
      ],
    ])('%s', (_case, current, spec, cluster, expected) => {
      expect(summary(planUpdate(current, spec, cluster, field))).toEqual(expected);
    });

    it.each<[string, ServiceState, ServiceSpecInput, string, RegExp]>([
      ['another clusterIP', single, { clusterIP: '10.96.0.11' }, 'clusterIP', /is immutable \(it is 10\.96\.0\.10\)/],
      ['another secondary ClusterIP', dual, { clusterIPs: ['10.96.0.10', 'fd00:96::11'] }, 'clusterIPs[1]', /immutable once set/],
      [
        'another primary family',
        single,
        { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' },
        'ipFamilies[0]',
        /primary family \(IPv4\) cannot change/,
      ],
      [
        'dropping the secondary ClusterIP without SingleStack',
        dual,
        { clusterIPs: ['10.96.0.10'] },
        'ipFamilyPolicy',
        /must be SingleStack to release/,
      ],
      [
        'dropping the secondary family without SingleStack',
        dual,
        { ipFamilies: ['IPv4'] },
        'ipFamilyPolicy',
        /must be SingleStack to release the secondary IP family/,
      ],
    ])('refuses %s', (_case, current, spec, name, message) => {
      expect(refusal(() => planUpdate(current, spec, DUAL, field))).toContainEqual({
        field: name,
        message: expect.stringMatching(message),
      });
    });
  });

  describe(clusterIpProblem.name, () => {
    it.each([
      ['10.96.0.0/24', '10.96.0.10', null],
      ['10.96.0.0/24', '10.97.0.10', /outside the cluster's IPv4 service CIDR 10\.96\.0\.0\/24/],
      ['10.96.0.0/24', '10.96.0.0', /network address/],
      ['10.96.0.0/24', '10.96.0.255', /broadcast address/],
      ['fd00:96::/112', 'fd00:96::', /subnet-router anycast address/],
      ['fd00:96::/112', 'fd00:96::ffff', null],
    ])('%s, %s', (cidr, address, problem) => {
      const found = clusterIpProblem(Prefix.parse(cidr), Address.parse(address));
      if (problem === null) expect(found).toBeNull();
      else expect(found).toMatch(problem);
    });
  });

  it.each([
    [undefined, null],
    [null, null],
    [{}, null],
    [{ app: 'web' }, { app: 'web' }],
  ])('an empty selector is no selector: %j', (selector, normalized) => {
    expect(normalizeSelector(selector)).toEqual(normalized);
  });

  describe(dynamicStarts.name, () => {
    const texts = (cidr: string, random: (n: bigint) => bigint) =>
      dynamicStarts(Prefix.parse(cidr), random).map((tier) => tier.map((a) => a.toString()));

    it('starts at a random address of the upper band, then wraps to its start, then (a second tier) the lower band', () => {
      // /24: usable .1-.254, static band 16 addresses (.1-.16), dynamic .17-.254
      expect(texts('10.96.0.0/24', () => 0n)).toEqual([
        ['10.96.0.17', '10.96.0.17'],
        ['10.96.0.1', '10.96.0.1'],
      ]);
      expect(texts('10.96.0.0/24', (n) => n - 1n)).toEqual([
        ['10.96.0.254', '10.96.0.17'],
        ['10.96.0.16', '10.96.0.1'],
      ]);
    });

    it('asks for offsets within each band', () => {
      const asked: bigint[] = [];
      dynamicStarts(Prefix.parse('10.96.0.0/24'), (n) => {
        asked.push(n);
        return 0n;
      });
      expect(asked).toEqual([238n, 16n]);
    });

    it('has no lower band in a CIDR of 16 addresses or fewer', () => {
      expect(texts('10.96.0.0/28', () => 3n)).toEqual([['10.96.0.4', '10.96.0.1']]);
    });

    it('reaches the whole IPv6 dynamic band', () => {
      const [[start]] = dynamicStarts(Prefix.parse('fd00:96::/64'), (n) => n - 1n);
      expect(start.toString()).toBe('fd00:96::ffff:ffff:ffff:ffff');
    });

    it('spreads over the band (crypto randomness)', () => {
      const seen = new Set(Array.from({ length: 50 }, () => dynamicStarts(Prefix.parse('10.96.0.0/16'))[0][0].toString()));
      expect(seen.size).toBeGreaterThan(40);
    });

    it('randomBelow stays below its bound', () => {
      for (const n of [1n, 2n, 7n, 1n << 64n]) {
        for (let i = 0; i < 20; i++) expect(randomBelow(n)).toBeLessThan(n);
      }
      expect(() => randomBelow(0n)).toThrow(RangeError);
    });
  });
});
