import { Prefix } from '@kipam/cidr';
import type { FieldError } from '../common/errors';
import { fieldErrorsOf } from '../../test/setup/refusals';
import {
  addedEntries,
  DEFAULT_NODE_MASK,
  familyAdditionProblem,
  leasedOverlapProblem,
  planCarve,
  planDeclared,
  plannedFromStored,
  planProblems,
  reservedServiceAddresses,
  stackOf,
  versionProblem,
  type CarveRange,
  type LeasedCidr,
  type PlannedCidr,
  type StoredCidr,
} from './cluster-cidr-rules';
import type { CidrEntry } from './dto/cidr-entry';

const P = (text: string) => Prefix.parse(text);

const range = (more: Partial<CarveRange> = {}): CarveRange => ({
  id: 'r1',
  name: 'pods',
  cidr: '10.0.0.0/8',
  pool_id: '1',
  purpose: 'any',
  min_prefix_length: null,
  max_prefix_length: null,
  default_prefix_length: 16,
  ...more,
});

/** A plan of declared CIDRs: `pod:10.244.0.0/16`, `service:10.96.0.0/16`, in order per kind. */
function declared(...entries: string[]): PlannedCidr[] {
  const positions = { pod: 0, service: 0 };
  return entries.map((e) => {
    const kind = e.slice(0, e.indexOf(':')) as 'pod' | 'service';
    const cidr = e.slice(e.indexOf(':') + 1);
    return planDeclared(kind, positions[kind]++, cidr);
  });
}

describe('cluster CIDR rules', () => {
  describe(planDeclared.name, () => {
    it('takes the family and length of the CIDR, and names the entry', () => {
      expect(planDeclared('service', 1, 'fd00:96::/112')).toEqual({
        kind: 'service',
        position: 1,
        field: 'serviceCidrs[1]',
        family: 'IPv6',
        declared: P('fd00:96::/112'),
        length: 112,
      });
    });
  });

  describe(planCarve.name, () => {
    it.each<[string, { prefixLength?: number }, CarveRange | undefined, string, RegExp]>([
      ['no such range', {}, undefined, 'podCidrs[0].range', /no range pods in domain default/],
      ['a range for service CIDRs', {}, range({ purpose: 'service' }), 'podCidrs[0].range', /is for service CIDRs, not pod CIDRs/],
      ['no length and no default', {}, range({ default_prefix_length: null }), 'podCidrs[0].prefixLength', /is required/],
      ['shorter than the range', { prefixLength: 7 }, range(), 'podCidrs[0].prefixLength', /between 8 and 32/],
      ['longer than an address', { prefixLength: 33 }, range(), 'podCidrs[0].prefixLength', /between 8 and 32/],
      ['below the minimum', { prefixLength: 12 }, range({ min_prefix_length: 14 }), 'podCidrs[0].prefixLength', /\/14 or longer/],
      ['above the maximum', { prefixLength: 20 }, range({ max_prefix_length: 18 }), 'podCidrs[0].prefixLength', /\/18 or shorter/],
    ])('refuses %s with 422 naming the field', (_case, request, r, field, message) => {
      expect(fieldErrorsOf(() => planCarve('pod', 0, { range: 'pods', ...request }, r, 'default'))).toEqual([
        { field, message: expect.stringMatching(message) },
      ]);
    });

    it.each([
      ['the range default', {}, 16],
      ['the length asked for', { prefixLength: 20 }, 20],
    ])('carves %s', (_case, request, length) => {
      const r = range();
      expect(planCarve('pod', 1, { range: 'pods', ...request }, r, 'default')).toEqual({
        kind: 'pod',
        position: 1,
        field: 'podCidrs[1]',
        family: 'IPv4',
        length,
        range: r,
      });
    });
  });

  describe(planProblems.name, () => {
    const masks = DEFAULT_NODE_MASK;
    it.each<[string, PlannedCidr[], string | null, FieldError[]]>([
      [
        'a valid dual-stack cluster',
        declared('pod:10.244.0.0/16', 'pod:fd00:10::/56', 'service:10.96.0.0/16', 'service:fd00:96::/112'),
        null,
        [],
      ],
      [
        'two pod CIDRs of one family',
        declared('pod:10.244.0.0/16', 'pod:10.245.0.0/16', 'service:10.96.0.0/16'),
        null,
        [{ field: 'podCidrs', message: expect.stringMatching(/both entries are IPv4/) }],
      ],
      [
        'service families other than the pod families',
        declared('pod:10.244.0.0/16', 'service:fd00:96::/112'),
        null,
        [{ field: 'serviceCidrs', message: 'families (IPv6) must match the pod CIDR families (IPv4)' }],
      ],
      [
        'a pod CIDR longer than the node mask',
        declared('pod:10.244.0.0/25', 'service:10.96.0.0/16'),
        null,
        [
          {
            field: 'nodeMaskSizeIPv4',
            message: expect.stringMatching(/node mask \/24 is shorter than pod CIDR .*\(podCidrs\[0\] is \/25\)/),
          },
        ],
      ],
      [
        'more than 2^16 node blocks',
        declared('pod:10.0.0.0/7', 'service:172.16.0.0/16'),
        null,
        [{ field: 'nodeMaskSizeIPv4', message: expect.stringMatching(/17 bits longer/) }],
      ],
      [
        'a service CIDR over 2^20 addresses before 1.34',
        declared('pod:10.244.0.0/16', 'service:10.0.0.0/11'),
        '1.33',
        [{ field: 'serviceCidrs[0]', message: expect.stringMatching(/below 1\.34 allows at most 2\^20/) }],
      ],
      ['the same service CIDR from 1.34', declared('pod:10.244.0.0/16', 'service:10.0.0.0/11'), '1.34', []],
      [
        'declared pod and service CIDRs that overlap',
        declared('pod:10.0.0.0/16', 'service:10.0.96.0/24'),
        null,
        [{ field: 'serviceCidrs[0]', message: 'service CIDR 10.0.96.0/24 overlaps pod CIDR 10.0.0.0/16: they must not overlap' }],
      ],
    ])('%s', (_case, plan, version, problems) => {
      expect(planProblems(plan, masks, version)).toEqual(problems);
    });

    it('checks a carve request as the first block of its length in its range', () => {
      const carve = planCarve('service', 0, { range: 'svc', prefixLength: 11 }, range({ cidr: '172.0.0.0/8' }), 'default');
      expect(planProblems([...declared('pod:10.244.0.0/16'), carve], masks, null)).toEqual([
        { field: 'serviceCidrs[0]', message: expect.stringMatching(/service CIDR 172\.0\.0\.0\/11 holds 2\^21/) },
      ]);
    });
  });

  describe(leasedOverlapProblem.name, () => {
    const leased = (plan: PlannedCidr, cidr: string): LeasedCidr => ({
      ...plan,
      cidr: P(cidr),
      leaseId: null,
      rangeId: null,
      overlapAllowed: false,
    });
    it.each([
      ['apart', '10.244.0.0/16', '10.96.0.0/16', undefined],
      ['a service CIDR carved inside the pod CIDR', '10.0.0.0/8', '10.96.0.0/16', 'service CIDR 10.96.0.0/16 overlaps pod CIDR 10.0.0.0/8'],
    ])('%s', (_case, pod, service, message) => {
      const [p, s] = declared(`pod:${pod}`, `service:${service}`);
      const problem = leasedOverlapProblem([leased(p, pod), leased(s, service)]);
      expect(problem?.message.startsWith(message ?? '-') ?? false).toBe(message !== undefined);
    });
  });

  describe(addedEntries.name, () => {
    const stored: StoredCidr[] = [
      { kind: 'pod', position: 0, cidr: '10.244.0.0/16', range_id: 'r1', range_name: 'pods' },
      { kind: 'service', position: 0, cidr: '10.96.0.0/16', range_id: null, range_name: null },
    ];
    it.each<[string, CidrEntry[] | undefined, CidrEntry[]]>([
      ['nothing when the patch leaves them out', undefined, []],
      ['nothing when they come back as they are', ['10.244.0.0/16'], []],
      ['nothing when they come back as the carve request, by range name', [{ range: 'pods' }], []],
      ['nothing when they come back as the carve request, by range id and length', [{ range: 'r1', prefixLength: 16 }], []],
      ['the new family', ['10.244.0.0/16', 'fd00:10::/56'], ['fd00:10::/56']],
    ])('gives %s', (_case, entries, added) => {
      expect(addedEntries('pod', stored, entries)).toEqual(added);
    });

    it.each<[string, 'pod' | 'service', CidrEntry[], string, RegExp]>([
      ['removing a family', 'pod', [], 'podCidrs', /removing a family is not supported/],
      ['another CIDR', 'pod', ['10.245.0.0/16'], 'podCidrs[0]', /existing pod CIDR 10\.244\.0\.0\/16 cannot be changed/],
      ['another length', 'pod', [{ range: 'pods', prefixLength: 20 }], 'podCidrs[0]', /cannot be changed/],
      ['a carve request for a declared CIDR', 'service', [{ range: 'svc' }], 'serviceCidrs[0]', /cannot be changed/],
    ])('refuses %s', (_case, kind, entries, field, message) => {
      expect(fieldErrorsOf(() => addedEntries(kind, stored, entries))).toEqual([{ field, message: expect.stringMatching(message) }]);
    });

    it('plans the stored CIDRs as declared entries', () => {
      expect(plannedFromStored(stored).map((p) => [p.field, p.declared?.toString()])).toEqual([
        ['podCidrs[0]', '10.244.0.0/16'],
        ['serviceCidrs[0]', '10.96.0.0/16'],
      ]);
    });
  });

  describe(familyAdditionProblem.name, () => {
    it.each([
      ['nothing added', [], false],
      ['a pod and a service CIDR of one family', declared('pod:fd00:10::/56', 'service:fd00:96::/112'), false],
      ['a pod CIDR alone', declared('pod:fd00:10::/56'), true],
      ['two families', declared('pod:fd00:10::/56', 'service:10.96.0.0/16'), true],
    ])('%s', (_case, additions, refused) => {
      expect(familyAdditionProblem(additions)?.field).toBe(refused ? 'podCidrs' : undefined);
    });
  });

  describe(versionProblem.name, () => {
    it.each([
      ['a /12 on any version', '10.0.0.0/12', '1.30', false],
      ['a /11 below 1.34', '10.0.0.0/11', '1.33', true],
      ['a /11 from 1.34', '10.0.0.0/11', '1.34', false],
    ])('%s', (_case, cidr, version, refused) => {
      expect(versionProblem([P(cidr)], version)?.field).toBe(refused ? 'kubernetesVersion' : undefined);
    });
  });

  describe(reservedServiceAddresses.name, () => {
    it.each([
      ['10.96.0.0/24', ['network 10.96.0.0/32', 'broadcast 10.96.0.255/32']],
      ['10.96.0.0/30', ['network 10.96.0.0/32', 'broadcast 10.96.0.3/32']],
      ['10.96.0.0/31', []],
      ['10.96.0.1/32', []],
      ['fd00:96::/112', ['subnet-router-anycast fd00:96::/128']],
      ['fd00:96::1/128', []],
    ])('%s', (cidr, reserved) => {
      expect(reservedServiceAddresses(P(cidr)).map((r) => `${r.slot} ${r.address}`)).toEqual(reserved);
    });
  });

  it.each([
    [['IPv4'], 'IPv4'],
    [['IPv6'], 'IPv6'],
    [['IPv6', 'IPv4'], 'DualStack'],
  ] as const)('the stack of %j is %s', (families, stack) => {
    expect(stackOf(families)).toBe(stack);
  });
});
