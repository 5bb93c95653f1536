import { decode, encode, ExtData, ExtensionCodec } from '@msgpack/msgpack';

/**
 * Terraform values as the provider handles them: JSON-like data where a value
 * not known until apply is `UNKNOWN`. On the wire (DynamicValue.msgpack) an
 * unknown is a msgpack extension: Terraform sends code 0 (unrefined) or 12
 * (refined; the refinements are ignored here, which the protocol allows), and
 * any other code must be read as unknown too. Unknowns are written as code 0.
 */
export class Unknown {
  private constructor() {}
  static readonly value = new Unknown();
  toJSON(): string {
    return '(known after apply)';
  }
}

export const UNKNOWN = Unknown.value;

export type Value = null | string | number | boolean | Unknown | Value[] | { [key: string]: Value };
export type ObjectValue = { [key: string]: Value };

class TerraformExtensions extends ExtensionCodec {
  override tryToEncode(object: unknown, context: undefined): ExtData | null {
    if (object === UNKNOWN) return new ExtData(0, new Uint8Array([0]));
    return super.tryToEncode(object, context);
  }

  override decode(): unknown {
    return UNKNOWN;
  }
}

const extensionCodec = new TerraformExtensions();

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/** Known all the way down (no unknown inside). */
export function isWhollyKnown(value: Value): boolean {
  if (isUnknown(value)) return false;
  if (Array.isArray(value)) return value.every(isWhollyKnown);
  if (value !== null && typeof value === 'object') return Object.values(value).every(isWhollyKnown);
  return true;
}

export interface DynamicValue {
  msgpack?: Uint8Array | Buffer;
  json?: Uint8Array | Buffer;
}

/** Reads a DynamicValue (msgpack, or JSON when only that is set); null when empty. */
export function fromDynamic(value: DynamicValue | null | undefined): Value {
  if (value?.msgpack && value.msgpack.length > 0) return decode(value.msgpack, { extensionCodec }) as Value;
  if (value?.json && value.json.length > 0) return JSON.parse(Buffer.from(value.json).toString('utf8')) as Value;
  return null;
}

export function toDynamic(value: Value): { msgpack: Buffer } {
  return { msgpack: Buffer.from(encode(value, { extensionCodec, ignoreUndefined: false })) };
}

export function isObject(value: Value | undefined): value is ObjectValue {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value) && !isUnknown(value);
}

/** Deep equality of two values (unknown equals only unknown). */
export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (isUnknown(a) || isUnknown(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && sameValue(a[k], b[k]));
  }
  return false;
}
