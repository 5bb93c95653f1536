import { sameCidr } from './attributes';
import { planBlock, reconcileBlock } from './plan';
import { listOf, NUMBER, STRING, type Block } from '../protocol/schema';
import { UNKNOWN } from '../protocol/values';

const block: Block = {
  description: 'test',
  attributes: {
    id: { type: STRING, computed: true, description: '' },
    cidr: { type: STRING, required: true, forceNew: true, equal: sameCidr, description: '' },
    purpose: { type: STRING, optional: true, computed: true, default: 'any', forceNew: true, description: '' },
    parent: { type: STRING, optional: true, computed: true, description: '' },
    note: { type: STRING, optional: true, description: '' },
    length: { type: NUMBER, optional: true, description: '' },
    tags: { type: listOf(STRING), optional: true, computed: true, description: '' },
  },
};

describe(planBlock.name, () => {
  const config = { id: null, cidr: '10.0.0.0/8', purpose: null, parent: null, note: null, length: null, tags: null };

  it('plans a create: computed values unknown, defaults filled in, the rest as configured', () => {
    const { planned, requiresReplace } = planBlock(block, config, null);
    expect(planned).toEqual({ id: UNKNOWN, cidr: '10.0.0.0/8', purpose: 'any', parent: UNKNOWN, note: null, length: null, tags: UNKNOWN });
    expect(requiresReplace).toEqual([]);
  });

  const prior = { id: 'r1', cidr: '10.0.0.0/8', purpose: 'any', parent: 'p1', note: null, length: null, tags: ['a'] };

  it('keeps prior computed values when nothing changed: the plan is the prior state', () => {
    expect(planBlock(block, config, prior)).toEqual({ planned: prior, requiresReplace: [] });
  });

  it('replaces on a changed forceNew attribute, not on another spelling of the same CIDR', () => {
    expect(planBlock(block, { ...config, cidr: '11.0.0.0/8' }, prior).requiresReplace).toEqual([['cidr']]);
    expect(planBlock(block, { ...config, purpose: 'pod' }, prior).requiresReplace).toEqual([['purpose']]);
    expect(planBlock(block, { ...config, cidr: 'FD00:0:0::/56' }, { ...prior, cidr: 'fd00::/56' }).requiresReplace).toEqual([]);
    // an unknown configured value may differ: replacement
    expect(planBlock(block, { ...config, cidr: UNKNOWN }, prior).requiresReplace).toEqual([['cidr']]);
  });

  it('falls back to the default when a configured default attribute is removed', () => {
    expect(planBlock(block, config, { ...prior, purpose: 'pod' }).planned.purpose).toBe('any');
  });
});

describe(reconcileBlock.name, () => {
  it("keeps the plan's spelling of what the API returns canonically, takes the API's value where unknown", () => {
    const planned = { id: UNKNOWN, cidr: 'FD00:0::/56', purpose: 'any', parent: UNKNOWN, note: null, length: null, tags: UNKNOWN };
    const api = { id: 'r1', cidr: 'fd00::/56', purpose: 'any', parent: null, note: null, length: null, tags: [] };
    expect(reconcileBlock(block, api, planned)).toEqual({ ...api, cidr: 'FD00:0::/56' });
    expect(reconcileBlock(block, { ...api, cidr: 'fd00:1::/56' }, planned).cidr).toBe('fd00:1::/56');
  });
});
