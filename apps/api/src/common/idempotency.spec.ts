import { BadRequestError } from './errors';
import { idempotencyRecordKey, parseIdempotencyKey, requestFingerprint } from './idempotency';

describe(parseIdempotencyKey.name, () => {
  it.each([
    [undefined, undefined],
    ['8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"8e03978e-40d5-43e8-bc93-6894a57f9324"', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"with space and \\"quote\\""', 'with space and "quote"'],
    ['  padded  ', 'padded'],
  ])('reads %p as %p', (header, key) => {
    expect(parseIdempotencyKey(header)).toBe(key);
  });

  it.each([[''], ['""'], ['has space'], ['"unterminated'], ['x'.repeat(256)], [['a', 'b']], ['ünïcode']])(
    'refuses %p with 400',
    (header) => {
      expect(() => parseIdempotencyKey(header)).toThrow(BadRequestError);
    },
  );
});

describe(requestFingerprint.name, () => {
  it('ignores key order and content-type parameters, not values, media types or queries', () => {
    const base = requestFingerprint('application/json', '', { a: 1, b: { c: [1, 2], d: null } });
    expect(requestFingerprint('application/json; charset=utf-8', '', { b: { d: null, c: [1, 2] }, a: 1 })).toBe(base);
    expect(requestFingerprint('application/json', '', { a: 1, b: { c: [2, 1], d: null } })).not.toBe(base);
    expect(requestFingerprint('application/yaml', '', { a: 1, b: { c: [1, 2], d: null } })).not.toBe(base);
    expect(requestFingerprint('application/json', 'x=1', { a: 1, b: { c: [1, 2], d: null } })).not.toBe(base);
  });
});

describe(idempotencyRecordKey.name, () => {
  it('scopes a key to its token, method and path', () => {
    const key = idempotencyRecordKey('token-1', 'POST', '/v1/domains', 'k');
    expect(idempotencyRecordKey('token-1', 'post', '/v1/domains', 'k')).toBe(key);
    expect(idempotencyRecordKey('token-2', 'POST', '/v1/domains', 'k')).not.toBe(key);
    expect(idempotencyRecordKey('token-1', 'POST', '/v1/ranges', 'k')).not.toBe(key);
    expect(idempotencyRecordKey('token-1', 'POST', '/v1/domains', 'k2')).not.toBe(key);
  });
});
