import { jsonNestsDeeperThan, valueNestsDeeperThan, yamlNestsDeeperThan } from './body-depth';

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":{}}', 1, true],
    ['[[],[],{"a":[]}]', 3, false],
    ['[[],[],{"a":[[]]}]', 3, true],
    // brackets inside strings, escaped quotes and backslashes do not count
    ['{"a":"[[[[{{{{"}', 1, false],
    ['{"a":"\\"[[[[","b":"\\\\"}', 1, false],
    ['{"a":"\\\\","b":[[]]}', 2, true],
  ])('%s with max %d: %s', (text, max, expected) => {
    expect(jsonNestsDeeperThan(text, max)).toBe(expected);
  });

  it('agrees with the parsed value', () => {
    const text = JSON.stringify({ a: [{ b: [1, { c: 'x]' }] }], d: '{' });
    for (let max = 1; max < 8; max++) expect(jsonNestsDeeperThan(text, max)).toBe(valueNestsDeeperThan(JSON.parse(text), max));
  });
});

describe('valueNestsDeeperThan', () => {
  it('counts the top-level value as 1 and scalars as nothing', () => {
    expect(valueNestsDeeperThan('x', 0)).toBe(false);
    expect(valueNestsDeeperThan({ a: 1 }, 1)).toBe(false);
    expect(valueNestsDeeperThan({ a: [] }, 1)).toBe(true);
  });

  it('finds a cycle too deep, and walks shared parts at their deepest', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(valueNestsDeeperThan(cycle, 1000)).toBe(true);
    const shared = [[[]]];
    expect(valueNestsDeeperThan({ a: shared, b: { c: { d: shared } } }, 5)).toBe(true);
    expect(valueNestsDeeperThan({ a: shared, b: { c: shared } }, 5)).toBe(false);
  });
});

describe('yamlNestsDeeperThan', () => {
  it.each([
    ['a: 1', 1, false],
    ['a:\n  b: 1', 1, true],
    ['a: [b, {c: d}]', 3, false],
    ['a: [b, {c: [d]}]', 3, true],
    ['- - - x', 3, false],
    ['- - - - x', 3, true],
    ['"[[[[": x', 1, false],
    ['--- {a: 1}\n--- {a: {b: 1}}', 1, true],
  ])('%j with max %d: %s', (text, max, expected) => {
    expect(yamlNestsDeeperThan(text, max)).toBe(expected);
  });
});
