/** @kipam/cidr: pure IPv4/IPv6 prefix arithmetic on bigints; no I/O, no address enumeration. */
export { CidrError, InvalidAddressError, InvalidCidrError } from './errors';
export type { CidrErrorCode } from './errors';
export { familyBits, isIPFamily } from './family';
export type { IPFamily } from './family';
export { Address, MAX_INPUT_LENGTH } from './address';
export { Prefix } from './prefix';
export type { PrefixParseOptions, PrefixRelation } from './prefix';
export {
  MAX_NODE_MASK_DIFF,
  MAX_SERVICE_CIDR_BITS,
  MIN_IPV6_SERVICE_CIDR_LENGTH,
  MIN_SERVICE_CIDR_ADDRESSES,
  SERVICE_CIDR_CAP_LIFTED_IN,
  dynamicBandStart,
  isUsableClusterIp,
  parseKubernetesVersion,
  serviceIpRange,
  staticBandSize,
  validateNodeMask,
  validateServiceCidr,
} from './kubernetes';
export type { KubernetesVersion, ServiceIpRange } from './kubernetes';
