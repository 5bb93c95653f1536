import { CidrError, InvalidAddressError, describeValue, quote } from './errors';
import { IPFamily, assertFamily, familyBits, maxValue } from './family';

/**
 * The longest standard text form is 49 characters ("ffff:…:255.255.255.255/128"), so anything
 * longer is rejected before any parsing work, which bounds the cost of hostile input.
 */
export const MAX_INPUT_LENGTH = 64;

/** Outcome of parsing text; a reason instead of an exception so Prefix can wrap it in its own error. */
export type ParseResult = { ok: true; family: IPFamily; value: bigint } | { ok: false; reason: string };

const fail = (reason: string): ParseResult => ({ ok: false, reason });

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Checks shared by addresses and CIDRs, done before any grammar: they catch the inputs that
 * lenient parsers (ipaddr.js, inet_aton) would quietly accept or reinterpret.
 */
export function precheckText(text: string): string | null {
  if (text.length === 0) return 'it is empty';
  if (text.length > MAX_INPUT_LENGTH) {
    return `it is ${text.length} characters long; no address or CIDR is longer than ${MAX_INPUT_LENGTH}`;
  }
  const space = /\s/.exec(text);
  if (space) {
    const where = space.index === 0 ? 'leading' : space.index === text.length - 1 ? 'trailing' : 'inner';
    return `it contains ${where} whitespace; remove it`;
  }
  const odd = /[^\x21-\x7e]/.exec(text);
  if (odd) {
    const cp = text.codePointAt(odd.index) as number;
    const ch = String.fromCodePoint(cp);
    const code = `U+${hex4(cp)}`;
    if (cp < 0x20 || cp === 0x7f) return `it contains the control character ${code}`;
    if (/\p{Nd}/u.test(ch)) return `it contains the non-ASCII digit ${JSON.stringify(ch)} (${code}); use ASCII digits 0-9`;
    return `it contains the non-ASCII character ${JSON.stringify(ch)} (${code})`;
  }
  if (text.includes('%')) return 'zone IDs ("%eth0") are not allowed; drop the "%" suffix';
  if (text.includes('[') || text.includes(']')) return 'brackets are not allowed; write the bare address without [ ]';
  return null;
}

function parseIPv4(text: string): ParseResult {
  const parts = text.split('.');
  if (parts.length !== 4) {
    if (parts.length === 1) {
      if (/^[0-9]+$/.test(text)) return fail('a bare integer is not an IP address; write IPv4 as a dotted quad like 10.0.0.1');
      return fail('it is neither a dotted-quad IPv4 address nor an IPv6 address');
    }
    return fail(`an IPv4 address has exactly four dot-separated parts; this has ${parts.length}`);
  }
  let value = 0n;
  for (const [i, part] of parts.entries()) {
    const ordinal = ['first', 'second', 'third', 'fourth'][i];
    if (part === '') return fail(`the ${ordinal} part is empty`);
    if (/^0[xX]/.test(part)) return fail(`part ${JSON.stringify(part)} is hexadecimal; only decimal parts are allowed`);
    if (!/^[0-9]+$/.test(part)) return fail(`part ${JSON.stringify(part)} is not a decimal number`);
    if (part.length > 1 && part.startsWith('0')) {
      // inet_aton reads "010" as octal 8, other parsers as 10; refusing it is the only safe answer.
      return fail(
        `part ${JSON.stringify(part)} has a leading zero, which some parsers read as octal; write ${JSON.stringify(part.replace(/^0+(?=.)/, ''))}`,
      );
    }
    const n = Number(part);
    if (n > 255) return fail(`part ${part} is out of range (0-255)`);
    value = (value << 8n) | BigInt(n);
  }
  return { ok: true, family: 'IPv4', value };
}

function parseGroup(group: string): number | string {
  if (/^[0-9a-fA-F]{1,4}$/.test(group)) return parseInt(group, 16);
  if (/^[0-9a-fA-F]+$/.test(group)) return `group ${JSON.stringify(group)} has more than four hex digits`;
  return `group ${JSON.stringify(group)} is not hexadecimal`;
}

/** RFC 4291 §2.2 text forms: eight groups, one optional "::", optional dotted quad in the last 32 bits. */
function parseIPv6(text: string): ParseResult {
  if (text.includes(':::')) return fail('it contains ":::"; use "::" once to skip zero groups');
  const first = text.indexOf('::');
  const compressed = first !== -1;
  if (compressed && text.indexOf('::', first + 1) !== -1) return fail('"::" may appear only once');
  if (!compressed && text.startsWith(':')) return fail('it starts with a single ":"; only "::" may start an address');
  if (!compressed && text.endsWith(':')) return fail('it ends with a single ":"; only "::" may end an address');

  const [headText, tailText] = compressed ? [text.slice(0, first), text.slice(first + 2)] : [text, ''];
  const head = headText === '' ? [] : headText.split(':');
  const tail = tailText === '' ? [] : tailText.split(':');
  if (head[0] === '') return fail('it starts with a single ":"; only "::" may start an address');
  if (tail.length > 0 && tail[tail.length - 1] === '') return fail('it ends with a single ":"; only "::" may end an address');

  const all = [...head, ...tail];
  const last = compressed ? (tail.length > 0 ? tail[tail.length - 1] : undefined) : head[head.length - 1];
  let embedded: bigint | undefined;
  if (last !== undefined && last.includes('.')) {
    const v4 = parseIPv4(last);
    if (!v4.ok) return fail(`the embedded IPv4 part ${JSON.stringify(last)} is invalid: ${v4.reason}`);
    embedded = v4.value;
  }
  const hexGroups = embedded === undefined ? all : all.slice(0, -1);
  const words: number[] = [];
  for (const group of hexGroups) {
    if (group.includes('.')) return fail('an embedded IPv4 address may only appear in the last 32 bits');
    const word = parseGroup(group);
    if (typeof word === 'string') return fail(word);
    words.push(word);
  }
  const groupCount = hexGroups.length + (embedded === undefined ? 0 : 2);
  if (!compressed && groupCount !== 8) {
    return fail(`it has ${groupCount} groups; an IPv6 address without "::" needs exactly 8`);
  }
  if (compressed && groupCount > 7) {
    return fail(`it has ${groupCount} groups besides "::", which must stand for at least one zero group; at most 7 are allowed`);
  }

  const headWords = words.slice(0, head.length);
  const tailWords = words.slice(head.length);
  const zeros = 8 - groupCount;
  let value = 0n;
  for (const w of [...headWords, ...new Array<number>(zeros).fill(0), ...tailWords]) value = (value << 16n) | BigInt(w);
  if (embedded !== undefined) value = (value << 32n) | embedded;
  return { ok: true, family: 'IPv6', value };
}

/** Parse one bare address; never throws. */
export function parseAddressText(text: unknown): ParseResult {
  if (typeof text !== 'string') return fail(`expected a string, got ${describeValue(text)}`);
  const problem = precheckText(text);
  if (problem) return fail(problem);
  if (text.includes('/')) return fail('it is a CIDR (it has a "/"), not a single address');
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

/** RFC 5952 §4: lower case, no leading zeros, the longest (leftmost on a tie) run of >= 2 zero groups as "::". */
function formatIPv6(value: bigint): string {
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad so they read as the IPv4 address they carry.
  if (value >> 32n === 0xffffn) return `::ffff:${formatIPv4(value & 0xffffffffn)}`;
  const words: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) words.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart === -1) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Canonical text of a value already known to be in range. */
export function formatAddress(family: IPFamily, value: bigint): string {
  return family === 'IPv4' ? formatIPv4(value) : formatIPv6(value);
}

/** An IPv4 or IPv6 address held as a bigint; immutable. */
export class Address {
  readonly family: IPFamily;
  readonly value: bigint;

  private constructor(family: IPFamily, value: bigint) {
    this.family = family;
    this.value = value;
    Object.freeze(this);
  }

  /** Strict parse of one standard text form; throws InvalidAddressError with the reason. */
  static parse(text: unknown): Address {
    const parsed = parseAddressText(text);
    if (!parsed.ok) {
      const what = typeof text === 'string' ? ` ${quote(text)}` : '';
      throw new InvalidAddressError(`invalid IP address${what}: ${parsed.reason}`, text);
    }
    return new Address(parsed.family, parsed.value);
  }

  /** Like parse, but null instead of an error (for filters and guards). */
  static tryParse(text: unknown): Address | null {
    const parsed = parseAddressText(text);
    return parsed.ok ? new Address(parsed.family, parsed.value) : null;
  }

  static fromBigInt(family: IPFamily, value: bigint): Address {
    assertFamily(family);
    if (typeof value !== 'bigint') {
      throw new InvalidAddressError(`invalid ${family} address value: expected a bigint, got ${describeValue(value)}`, value);
    }
    if (value < 0n || value > maxValue(family)) {
      throw new InvalidAddressError(`invalid ${family} address value ${value}: it must be between 0 and 2^${familyBits(family)}-1`, value);
    }
    return new Address(family, value);
  }

  get bits(): 32 | 128 {
    return familyBits(this.family);
  }

  toString(): string {
    return formatAddress(this.family, this.value);
  }

  toJSON(): string {
    return this.toString();
  }

  equals(o: Address): boolean {
    return o instanceof Address && o.family === this.family && o.value === this.value;
  }

  /** IPv4 before IPv6, then by value; for sorting. */
  compare(o: Address): number {
    if (this.family !== o.family) return this.family === 'IPv4' ? -1 : 1;
    return this.value < o.value ? -1 : this.value > o.value ? 1 : 0;
  }
}

/** Reject anything that is not an Address instance with a CidrError, not a TypeError later. */
export function assertAddress(value: unknown, what: string): asserts value is Address {
  if (!(value instanceof Address)) {
    throw new CidrError('invalid-address', `${what} must be an Address, got ${describeValue(value)}`, value);
  }
}
