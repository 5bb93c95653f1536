import { decode, encode, ExtData } from '@msgpack/msgpack';
import { fromDynamic, isWhollyKnown, sameValue, toDynamic, UNKNOWN } from './values';

describe('DynamicValue', () => {
  it.each([
    ['unrefined unknown (extension 0)', new ExtData(0, new Uint8Array([0]))],
    ['refined unknown (extension 12, not null)', new ExtData(12, encode({ 1: false }))],
    ['an extension code yet to be defined', new ExtData(42, new Uint8Array([]))],
  ])('reads %s as unknown', (_, ext) => {
    expect(fromDynamic({ msgpack: Buffer.from(encode({ a: ext, b: 'x' })) })).toEqual({ a: UNKNOWN, b: 'x' });
  });

  it('writes unknown as extension 0 and round-trips everything else', () => {
    const value = { id: UNKNOWN, labels: { a: 'b' }, list: ['x', null], n: 16, ok: true };
    const bytes = toDynamic(value).msgpack;
    const raw = decode(bytes) as Record<string, unknown>;
    expect(raw.id).toBeInstanceOf(ExtData);
    expect((raw.id as ExtData).type).toBe(0);
    expect(fromDynamic({ msgpack: bytes })).toEqual(value);
  });

  it('falls back to JSON, and reads an empty value as null', () => {
    expect(fromDynamic({ json: Buffer.from('{"a":1}') })).toEqual({ a: 1 });
    expect(fromDynamic({})).toBeNull();
    expect(fromDynamic(undefined)).toBeNull();
  });

  it('compares values deeply; unknown equals nothing known', () => {
    expect(sameValue({ a: [1, { b: 'c' }] }, { a: [1, { b: 'c' }] })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameValue(UNKNOWN, 'x')).toBe(false);
    expect(isWhollyKnown({ a: [1, UNKNOWN] })).toBe(false);
    expect(isWhollyKnown({ a: [1, null] })).toBe(true);
  });
});
