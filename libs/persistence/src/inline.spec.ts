import { inlineParams } from './inline';

describe('inlineParams', () => {
  it('replaces placeholders with quoted literals, as pg would convert the values', () => {
    expect(inlineParams('SELECT $1, $2, $3, $4, $5', ['a', 42, true, null, undefined])).toBe("SELECT 'a', '42', 'true', NULL, NULL");
  });

  it('quotes quotes and backslashes so that no value can end its literal', () => {
    expect(inlineParams('SELECT $1', ["it's"])).toBe("SELECT 'it''s'");
    expect(inlineParams('SELECT $1', ['a\\b'])).toBe("SELECT  E'a\\\\b'"); // pg's escapeLiteral: E'' with doubled backslashes
    expect(inlineParams('SELECT $1', ["'); DROP TABLE lease; --"])).toBe("SELECT '''); DROP TABLE lease; --'");
  });

  it('writes arrays and objects the way pg sends them', () => {
    expect(inlineParams('SELECT $1::text[], $2::jsonb', [['IPv4', 'IPv6'], { a: 1 }])).toBe(
      `SELECT '{"IPv4","IPv6"}'::text[], '{"a":1}'::jsonb`,
    );
  });

  it('keeps $10 apart from $1', () => {
    const params = Array.from({ length: 10 }, (_, i) => String(i + 1));
    expect(inlineParams('SELECT $1, $10', params)).toBe("SELECT '1', '10'");
  });

  it('gives up on what SQL text cannot carry, and on placeholders without a value', () => {
    expect(inlineParams('SELECT $1', ['a\0b'])).toBeUndefined();
    expect(inlineParams('SELECT $1', [Buffer.from('ab')])).toBeUndefined();
    expect(inlineParams('SELECT $1, $2', ['a'])).toBeUndefined();
  });
});
