import { calicoSelector, normalizeSelector, selectorMatches, selectorProblems } from './label-selector';

describe('label selectors', () => {
  it('validates as LabelSelectorAsSelector does', () => {
    expect(selectorProblems({})).toEqual([]);
    expect(selectorProblems({ matchLabels: { 'topology.kubernetes.io/zone': 'eu-1a' } })).toEqual([]);
    expect(
      selectorProblems({
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x', 'y'] },
          { key: 'b', operator: 'NotIn', values: ['x'] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist', values: [] },
        ],
      }),
    ).toEqual([]);
    const fields = (input: unknown) => selectorProblems(input).map((p) => p.field);
    expect(fields('zone=a')).toEqual(['nodeSelector']);
    expect(fields({ matchFields: [] })).toEqual(['nodeSelector']);
    expect(fields({ matchLabels: { zone: 1 } })).toEqual(['nodeSelector.matchLabels']);
    expect(fields({ matchExpressions: {} })).toEqual(['nodeSelector.matchExpressions']);
    expect(fields({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toEqual([
      'nodeSelector.matchExpressions[0].operator',
    ]);
    expect(fields({ matchExpressions: [{ key: 'a', operator: 'In' }] })).toEqual(['nodeSelector.matchExpressions[0].values']);
    expect(fields({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toEqual([
      'nodeSelector.matchExpressions[0].values',
    ]);
    expect(fields({ matchExpressions: [{ key: 'a b', operator: 'Exists' }] })).toEqual(['nodeSelector.matchExpressions[0].key']);
    expect(fields({ matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', 'not ok'] }] })).toEqual([
      'nodeSelector.matchExpressions[0].values[1]',
    ]);
    expect(fields({ matchExpressions: [{ key: 'a', operator: 'Exists', extra: 1 }] })).toEqual(['nodeSelector.matchExpressions[0]']);
  });

  it('matches like labels.Selector: ANDed, NotIn and DoesNotExist true without the key, null and empty select all', () => {
    const s = normalizeSelector({
      matchLabels: { zone: 'a' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['gpu'] },
        { key: 'pool', operator: 'Exists' },
        { key: 'spot', operator: 'DoesNotExist' },
        { key: 'arch', operator: 'In', values: ['amd64', 'arm64'] },
      ],
    });
    expect(selectorMatches(s, { zone: 'a', pool: '', arch: 'arm64' })).toBe(true);
    expect(selectorMatches(s, { zone: 'a', pool: '', arch: 'arm64', tier: 'web' })).toBe(true);
    expect(selectorMatches(s, { zone: 'a', pool: '', arch: 'arm64', tier: 'gpu' })).toBe(false);
    expect(selectorMatches(s, { zone: 'b', pool: '', arch: 'arm64' })).toBe(false);
    expect(selectorMatches(s, { zone: 'a', arch: 'arm64' })).toBe(false);
    expect(selectorMatches(s, { zone: 'a', pool: '', arch: 'arm64', spot: 'true' })).toBe(false);
    expect(selectorMatches(s, { zone: 'a', pool: '', arch: 's390x' })).toBe(false);
    expect(selectorMatches(null, {})).toBe(true);
    expect(normalizeSelector({})).toBeNull();
    expect(normalizeSelector({ matchLabels: {}, matchExpressions: [] })).toBeNull();
  });

  it("renders Calico's selector syntax", () => {
    expect(calicoSelector(null)).toBe('all()');
    expect(
      calicoSelector(
        normalizeSelector({
          matchLabels: { 'topology.kubernetes.io/zone': 'eu-1a' },
          matchExpressions: [
            { key: 'arch', operator: 'In', values: ['arm64', 'amd64'] },
            { key: 'tier', operator: 'NotIn', values: ['gpu'] },
            { key: 'pool', operator: 'Exists' },
            { key: 'spot', operator: 'DoesNotExist' },
          ],
        }),
      ),
    ).toBe("topology.kubernetes.io/zone == 'eu-1a' && arch in {'amd64', 'arm64'} && tier not in {'gpu'} && has(pool) && !has(spot)");
  });
});
