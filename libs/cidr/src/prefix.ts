import { Address, assertAddress, formatAddress, parseAddressText, precheckText } from './address';
import { CidrError, InvalidCidrError, describeValue, quote } from './errors';
import { IPFamily, assertFamily, familyBits, maxValue } from './family';

export type PrefixRelation = 'disjoint' | 'identical' | 'contains' | 'within';

export interface PrefixParseOptions {
  /** Mask "10.244.1.7/16" down to 10.244.0.0/16 instead of rejecting it. */
  allowHostBits?: boolean;
}

const hostMask = (bits: number, length: number): bigint => (1n << BigInt(bits - length)) - 1n;

/** Why `length` is not a prefix length of `family`, or null when it is. */
function lengthProblem(family: IPFamily, length: unknown): string | null {
  const bits = familyBits(family);
  if (typeof length !== 'number') return `prefix length must be a number, got ${describeValue(length)}`;
  if (!Number.isInteger(length)) return `prefix length ${length} is not an integer`;
  if (length < 0 || length > bits) return `prefix length ${length} is out of range for ${family} (0-${bits})`;
  return null;
}

/** Decimal only, no sign, no leading zeros: "08" or "+8" are typos we refuse to guess about. */
function parseLengthText(text: string, family: IPFamily): number | string {
  const bits = familyBits(family);
  if (text === '') return 'the prefix length after "/" is empty';
  if (/^[+-]/.test(text)) return `prefix length ${JSON.stringify(text)} must be an unsigned decimal number (0-${bits})`;
  if (!/^[0-9]+$/.test(text)) return `prefix length ${JSON.stringify(text)} is not a decimal number`;
  if (text.length > 1 && text.startsWith('0')) {
    return `prefix length ${JSON.stringify(text)} has a leading zero; write ${JSON.stringify(text.replace(/^0+(?=.)/, ''))}`;
  }
  const n = text.length > 3 ? Infinity : Number(text);
  if (n > bits) return `prefix length ${text} is out of range for ${family} (0-${bits})`;
  return n;
}

/** An IPv4 or IPv6 network (host bits always zero); immutable. */
export class Prefix {
  readonly family: IPFamily;
  readonly network: bigint;
  readonly length: number;

  private constructor(family: IPFamily, network: bigint, length: number) {
    this.family = family;
    this.network = network;
    this.length = length;
    Object.freeze(this);
  }

  /** Strict "address/length"; host bits set are an error (with a suggestion) unless allowHostBits. */
  static parse(text: unknown, opts?: PrefixParseOptions): Prefix {
    const result = Prefix.parseOrError(text, opts);
    if (result instanceof InvalidCidrError) throw result;
    return result;
  }

  /** Like parse, but null instead of an error. */
  static tryParse(text: unknown, opts?: PrefixParseOptions): Prefix | null {
    const result = Prefix.parseOrError(text, opts);
    return result instanceof InvalidCidrError ? null : result;
  }

  private static parseOrError(text: unknown, opts?: PrefixParseOptions): Prefix | InvalidCidrError {
    const invalid = (reason: string) =>
      new InvalidCidrError(`invalid CIDR${typeof text === 'string' ? ` ${quote(text)}` : ''}: ${reason}`, text);
    if (typeof text !== 'string') return invalid(`expected a string, got ${describeValue(text)}`);
    const problem = precheckText(text);
    if (problem) return invalid(problem);
    const slash = text.indexOf('/');
    if (slash === -1) return invalid('it has no prefix length; write it as address/length, e.g. 10.244.0.0/16');
    if (text.indexOf('/', slash + 1) !== -1) return invalid('it contains more than one "/"');
    const address = parseAddressText(text.slice(0, slash));
    if (!address.ok) return invalid(`the address part is invalid: ${address.reason}`);
    const length = parseLengthText(text.slice(slash + 1), address.family);
    if (typeof length === 'string') return invalid(length);
    const network = address.value & ~hostMask(familyBits(address.family), length);
    if (network !== address.value && opts?.allowHostBits !== true) {
      const suggestion = `${formatAddress(address.family, network)}/${length}`;
      return new InvalidCidrError(`${text} has host bits set; did you mean ${suggestion}?`, text, 'host-bits-set', suggestion);
    }
    return new Prefix(address.family, network, length);
  }

  /**
   * A CIDR, or a bare address as its /32 or /128. PostgreSQL prints inet host values without
   * "/32", so values read back from an inet column need this.
   */
  static parseAddressOrCidr(text: unknown): Prefix {
    if (typeof text === 'string' && text.includes('/')) return Prefix.parse(text);
    const address = parseAddressText(text);
    if (!address.ok) {
      const what = typeof text === 'string' ? ` ${quote(text)}` : '';
      throw new InvalidCidrError(`invalid address or CIDR${what}: ${address.reason}`, text);
    }
    return new Prefix(address.family, address.value, familyBits(address.family));
  }

  /** Build from numbers; the network must already be aligned (host bits zero). */
  static of(family: IPFamily, network: bigint, length: number): Prefix {
    assertFamily(family);
    const problem = lengthProblem(family, length);
    if (problem) throw new InvalidCidrError(`invalid ${family} prefix: ${problem}`, { family, network, length });
    if (typeof network !== 'bigint' || network < 0n || network > maxValue(family)) {
      const shown = typeof network === 'bigint' ? network.toString() : describeValue(network);
      throw new InvalidCidrError(`invalid ${family} prefix: network value ${shown} is not between 0 and 2^${familyBits(family)}-1`, {
        family,
        network,
        length,
      });
    }
    const masked = network & ~hostMask(familyBits(family), length);
    if (masked !== network) {
      const given = `${formatAddress(family, network)}/${length}`;
      const suggestion = `${formatAddress(family, masked)}/${length}`;
      throw new InvalidCidrError(
        `${given} has host bits set; did you mean ${suggestion}?`,
        { family, network, length },
        'host-bits-set',
        suggestion,
      );
    }
    return new Prefix(family, network, length);
  }

  /** The prefix of `length` that contains `address` (host bits masked off). */
  static containing(address: Address, length: number): Prefix {
    assertAddress(address, 'Prefix.containing: address');
    const problem = lengthProblem(address.family, length);
    if (problem) throw new InvalidCidrError(`invalid ${address.family} prefix: ${problem}`, length);
    return new Prefix(address.family, address.value & ~hostMask(address.bits, length), length);
  }

  get bits(): 32 | 128 {
    return familyBits(this.family);
  }

  /** Number of addresses: 2^(bits-length). */
  get size(): bigint {
    return 1n << BigInt(this.bits - this.length);
  }

  get firstValue(): bigint {
    return this.network;
  }

  get lastValue(): bigint {
    return this.network | hostMask(this.bits, this.length);
  }

  get first(): Address {
    return Address.fromBigInt(this.family, this.firstValue);
  }

  get last(): Address {
    return Address.fromBigInt(this.family, this.lastValue);
  }

  toString(): string {
    return `${formatAddress(this.family, this.network)}/${this.length}`;
  }

  toJSON(): string {
    return this.toString();
  }

  equals(o: Prefix): boolean {
    return o instanceof Prefix && o.family === this.family && o.network === this.network && o.length === this.length;
  }

  /** Whether `o` lies entirely inside this prefix; always false across families. */
  contains(o: Prefix | Address): boolean {
    if (o instanceof Address) return o.family === this.family && o.value >= this.firstValue && o.value <= this.lastValue;
    if (!(o instanceof Prefix) || o.family !== this.family) return false;
    return o.firstValue >= this.firstValue && o.lastValue <= this.lastValue;
  }

  overlaps(o: Prefix): boolean {
    if (!(o instanceof Prefix) || o.family !== this.family) return false;
    return o.firstValue <= this.lastValue && this.firstValue <= o.lastValue;
  }

  /** Of this to o: 'contains' means this ⊃ o, 'within' means this ⊂ o. CIDRs never partially overlap. */
  relation(o: Prefix): PrefixRelation {
    if (!this.overlaps(o)) return 'disjoint';
    if (o.length === this.length) return 'identical';
    return this.length < o.length ? 'contains' : 'within';
  }

  /** One bit shorter; null at /0. */
  parent(): Prefix | null {
    if (this.length === 0) return null;
    const length = this.length - 1;
    return new Prefix(this.family, this.network & ~hostMask(this.bits, length), length);
  }

  /** The buddy: same length, differs only in the last network bit; null at /0. */
  sibling(): Prefix | null {
    if (this.length === 0) return null;
    return new Prefix(this.family, this.network ^ (1n << BigInt(this.bits - this.length)), this.length);
  }

  /** The two prefixes one bit longer; throws for a single address. */
  halves(): [Prefix, Prefix] {
    if (this.length === this.bits) {
      throw new CidrError('out-of-range', `cannot split ${this.toString()}: it is a single address`, this);
    }
    const length = this.length + 1;
    return [
      new Prefix(this.family, this.network, length),
      new Prefix(this.family, this.network | (1n << BigInt(this.bits - length)), length),
    ];
  }

  /** How many aligned subnets of `length` this prefix holds. */
  subnetCount(length: number): bigint {
    this.checkSubnetLength(length);
    return 1n << BigInt(length - this.length);
  }

  /** The index-th (0-based) aligned subnet of `length`. */
  subnet(length: number, index: bigint | number): Prefix {
    const count = this.subnetCount(length);
    const i = typeof index === 'number' && Number.isSafeInteger(index) ? BigInt(index) : index;
    if (typeof i !== 'bigint' || i < 0n || i >= count) {
      const shown = typeof i === 'bigint' ? i.toString() : describeValue(index);
      throw new CidrError(
        'out-of-range',
        `subnet index ${shown} is out of range: ${this.toString()} holds ${count} subnets of length /${length} (indices 0 to ${count - 1n})`,
        index,
      );
    }
    return new Prefix(this.family, this.network | (i << BigInt(this.bits - length)), length);
  }

  /** IPv4 before IPv6, then by network, then shorter first; for sorting. */
  compare(o: Prefix): number {
    if (this.family !== o.family) return this.family === 'IPv4' ? -1 : 1;
    if (this.network !== o.network) return this.network < o.network ? -1 : 1;
    return this.length - o.length;
  }

  private checkSubnetLength(length: number): void {
    const problem = lengthProblem(this.family, length);
    if (problem) throw new CidrError('out-of-range', `invalid subnet length for ${this.toString()}: ${problem}`, length);
    if (length < this.length) {
      throw new CidrError(
        'out-of-range',
        `a /${length} is larger than ${this.toString()}, so it cannot be a subnet of it; use a length between ${this.length} and ${this.bits}`,
        length,
      );
    }
  }
}

/** Reject anything that is not a Prefix instance with a CidrError, not a TypeError later. */
export function assertPrefix(value: unknown, what: string): asserts value is Prefix {
  if (!(value instanceof Prefix)) {
    throw new CidrError('invalid-cidr', `${what} must be a Prefix, got ${describeValue(value)}`, value);
  }
}
