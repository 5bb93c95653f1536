import * as api from './index';

describe('@kipam/cidr entry point', () => {
  it.each([
    'CidrError',
    'InvalidAddressError',
    'InvalidCidrError',
    'familyBits',
    'isIPFamily',
    'Address',
    'MAX_INPUT_LENGTH',
    'Prefix',
    'serviceIpRange',
    'isUsableClusterIp',
    'staticBandSize',
    'dynamicBandStart',
    'MAX_SERVICE_CIDR_BITS',
    'MIN_SERVICE_CIDR_ADDRESSES',
    'MIN_IPV6_SERVICE_CIDR_LENGTH',
    'MAX_NODE_MASK_DIFF',
    'SERVICE_CIDR_CAP_LIFTED_IN',
    'validateServiceCidr',
    'validateNodeMask',
    'parseKubernetesVersion',
  ])('exports %s', (name) => expect(api).toHaveProperty(name));

  it('exports nothing internal', () => {
    expect(Object.keys(api)).not.toEqual(expect.arrayContaining(['precheckText']));
    expect(Object.keys(api)).not.toContain('assertPrefix');
    expect(Object.keys(api)).not.toContain('quote');
    // the free-space reference model is test code (libs/cidr/test/free-space.ts)
    expect(Object.keys(api)).not.toContain('freeBlocks');
  });

  it('works end to end', () => {
    const parent = api.Prefix.parse('10.244.0.0/16');
    expect(parent.subnetCount(24)).toBe(256n);
    expect(api.familyBits('IPv6')).toBe(128);
  });
});
