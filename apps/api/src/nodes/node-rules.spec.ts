import { Prefix } from '@kipam/cidr';
import { fieldErrorsOf } from '../../test/setup/refusals';
import type { NodeAddressDto } from './dto/node.dto';
import { normalizeAddresses, requestedBlocks, type PodFamily } from './node-rules';

const P = (text: string) => Prefix.parse(text);

const DUAL: PodFamily[] = [
  { family: 'IPv4', cidr: P('10.244.0.0/16'), poolId: '1', mask: 24 },
  { family: 'IPv6', cidr: P('fd00:10::/56'), poolId: '2', mask: 64 },
];

describe('node rules', () => {
  describe(requestedBlocks.name, () => {
    it('takes one block per family, by family', () => {
      const wanted = requestedBlocks('c1', DUAL, [P('fd00:10:0:7::/64'), P('10.244.7.0/24')]);
      expect([...wanted.entries()].map(([f, b]) => `${f} ${b.block}`)).toEqual(['IPv6 fd00:10:0:7::/64', 'IPv4 10.244.7.0/24']);
      expect(requestedBlocks('c1', DUAL, []).size).toBe(0);
    });

    it.each<[string, PodFamily[], string[], string, RegExp]>([
      [
        'a family the cluster lacks',
        DUAL.slice(0, 1),
        ['fd00:10::/64'],
        'podCidrs[0]',
        /cluster c1 has no IPv6 pod CIDR \(its pod CIDRs: 10\.244\.0\.0\/16\)/,
      ],
      ['two blocks of one family', DUAL, ['10.244.7.0/24', '10.244.8.0/24'], 'podCidrs[1]', /a second IPv4 block/],
      [
        'another length than the node mask',
        DUAL,
        ['10.244.8.0/23'],
        'podCidrs[0]',
        /must be a \/24 block: the cluster's IPv4 node mask size is 24/,
      ],
      ['a block outside the pod CIDR', DUAL, ['10.245.0.0/24'], 'podCidrs[0]', /not inside the cluster's IPv4 pod CIDR 10\.244\.0\.0\/16/],
    ])('refuses %s', (_case, families, blocks, field, message) => {
      expect(fieldErrorsOf(() => requestedBlocks('c1', families, blocks.map(P)))).toEqual([
        { field, message: expect.stringMatching(message) },
      ]);
    });
  });

  describe(normalizeAddresses.name, () => {
    it('gives the canonical text of each address', () => {
      expect(
        normalizeAddresses([
          { type: 'InternalIP', address: '10.0.0.7' },
          { type: 'InternalIP', address: 'FD00:0:0::7' },
          { type: 'ExternalIP', address: '203.0.113.7' },
        ] as NodeAddressDto[]),
      ).toEqual([
        { type: 'InternalIP', address: '10.0.0.7' },
        { type: 'InternalIP', address: 'fd00::7' },
        { type: 'ExternalIP', address: '203.0.113.7' },
      ]);
    });

    it('refuses a second address of one family and type', () => {
      const dtos = [
        { type: 'InternalIP', address: '10.0.0.7' },
        { type: 'InternalIP', address: '10.0.0.8' },
      ] as NodeAddressDto[];
      expect(fieldErrorsOf(() => normalizeAddresses(dtos))).toEqual([
        { field: 'addresses[1]', message: expect.stringMatching(/a second IPv4 InternalIP \(addresses\[0\] is one\)/) },
      ]);
    });
  });
});
