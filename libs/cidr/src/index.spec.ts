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
    'freeBlocks',
    'subtract',
    'coverRange',
    'largestFreeBlock',
    'freeAddressCount',
    'carve',
    'mergeBuddies',
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
  });

  it('works end to end', () => {
    const parent = api.Prefix.parse('10.244.0.0/16');
    const leased = ['10.244.0.0/24', '10.244.1.0/24'].map((t) => api.Prefix.parse(t));
    expect(api.freeBlocks(parent, leased, 24).map(String)).toEqual(['10.244.2.0/24']);
    expect(api.familyBits('IPv6')).toBe(128);
  });
});
