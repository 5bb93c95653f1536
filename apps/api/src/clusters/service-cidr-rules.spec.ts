import { Prefix } from '@kipam/cidr';
import type { PlannedCidr } from './cluster-cidr-rules';
import { serviceCidrNameProblem, serviceCidrPlanProblems, serviceCidrVersionGate, serviceCidrVersionProblem } from './service-cidr-rules';

const declared = (cidr: string, i = 0): PlannedCidr => {
  const p = Prefix.parse(cidr);
  return { kind: 'service', position: i, field: `cidrs[${i}]`, family: p.family, declared: p, length: p.length, serviceCidrName: 'x' };
};

describe('service-cidr-rules', () => {
  it.each([
    ['extra', null],
    ['extra-1.example.com', null],
    ['a'.repeat(253), null],
    ['a'.repeat(254), /no more than 253/],
    ['Extra', /lowercase RFC 1123 subdomain/],
    ['-extra', /lowercase RFC 1123 subdomain/],
    ['extra.', /lowercase RFC 1123 subdomain/],
    ['ex_tra', /lowercase RFC 1123 subdomain/],
    ['', /required/],
  ])('name %j', (name, problem) => {
    const found = serviceCidrNameProblem(name);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it.each([
    ['1.33', null],
    ['v1.33.2', null],
    ['1.34', null],
    ['2.0', null],
    ['1.32', /runs Kubernetes 1\.32: .*need 1\.33 or later/],
    ['v1.9', /runs Kubernetes v1\.9/],
    [null, /no kubernetesVersion/],
  ])('version %j', (version, problem) => {
    const found = serviceCidrVersionGate(version);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('refuses a version below 1.33 only while the cluster has extra ServiceCIDRs', () => {
    expect(serviceCidrVersionProblem([{ service_cidr_name: '' }], '1.30')).toBeUndefined();
    expect(serviceCidrVersionProblem([{ service_cidr_name: '' }, { service_cidr_name: 'extra' }], '1.30')).toEqual({
      field: 'kubernetesVersion',
      message: expect.stringMatching(/ServiceCIDR\(s\) extra/),
    });
    expect(serviceCidrVersionProblem([{ service_cidr_name: 'extra' }], '1.33')).toBeUndefined();
  });

  it('takes one CIDR per family, of families the cluster has, within the size rules', () => {
    expect(serviceCidrPlanProblems([declared('10.97.0.0/16'), declared('fd00:97::/112', 1)], ['IPv4', 'IPv6'], '1.33')).toEqual([]);
    expect(serviceCidrPlanProblems([declared('10.97.0.0/16'), declared('10.98.0.0/16', 1)], ['IPv4', 'IPv6'], '1.33')).toEqual([
      { field: 'cidrs', message: expect.stringMatching(/no more than one CIDR for each IP family/) },
    ]);
    expect(serviceCidrPlanProblems([declared('fd00:97::/112')], ['IPv4'], '1.33')).toEqual([
      { field: 'cidrs[0]', message: expect.stringMatching(/is IPv6, but the cluster has IPv4 service addresses only/) },
    ]);
    // 1.33 still caps a service CIDR at 2^20 addresses (the cap goes in 1.34)
    expect(serviceCidrPlanProblems([declared('10.64.0.0/10')], ['IPv4'], '1.33')).toEqual([
      { field: 'cidrs[0]', message: expect.stringMatching(/at most 2\^20/) },
    ]);
    expect(serviceCidrPlanProblems([declared('10.64.0.0/10')], ['IPv4'], '1.34')).toEqual([]);
    expect(serviceCidrPlanProblems([declared('10.97.0.0/30')], ['IPv4'], '1.33')).toEqual([
      { field: 'cidrs[0]', message: expect.stringMatching(/too small|only 4 addresses/) },
    ]);
  });
});
