import { labelSql, parseLabelSelector } from './labels';

describe('labelSql', () => {
  it('writes the same SQL text for any non-empty selector, the requirements going in as parameters', () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    const one = labelSql('labels', parseLabelSelector('env=prod'), a);
    const many = labelSql('labels', parseLabelSelector(['env=prod,tier!=db', 'team', '!legacy', 'env=prod']), b);
    expect(many).toEqual(one);
    expect(b).toEqual([['{"env":"prod"}', '{"env":"prod"}'], ['{"tier":"db"}'], ['team'], ['legacy']]);
    expect(labelSql('labels', [], [])).toEqual([]);
  });
});
