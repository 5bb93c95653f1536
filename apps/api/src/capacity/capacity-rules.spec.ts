import { levelOf, thresholdProblems } from './capacity-rules';

describe('capacity rules', () => {
  it.each([
    [0, 'ok'],
    [0.79, 'ok'],
    [0.8, 'warning'],
    [0.94, 'warning'],
    [0.95, 'critical'],
    [1, 'critical'],
  ])('puts %d used in level %s with the defaults', (u, level) => {
    expect(levelOf(u, 0.8, 0.95)).toBe(level);
  });

  it('takes 0 < warnAt ≤ criticalAt ≤ 1', () => {
    expect(thresholdProblems('', 0.5, 0.5)).toEqual([]);
    expect(thresholdProblems('', 0.7, 1)).toEqual([]);
    expect(thresholdProblems('', 0, 0.9).map((p) => p.field)).toEqual(['warnAt']);
    expect(thresholdProblems('', 0.5, 1.5).map((p) => p.field)).toEqual(['criticalAt']);
    expect(thresholdProblems('t[0].', 0.9, 0.8)).toEqual([{ field: 't[0].warnAt', message: 'must not be above criticalAt (0.8)' }]);
  });
});
