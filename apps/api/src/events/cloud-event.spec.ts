import { lifecycleEventType, subjectOf, toCloudEvent } from './cloud-event';

describe('cloud events', () => {
  it('builds a CloudEvents 1.0 document from an outbox row', () => {
    const time = new Date('2026-12-03T10:00:00.000Z');
    expect(
      toCloudEvent({ id: '7', event_id: 'e1', type: 'lease.created', source: '/kipam', subject: 'nodes/n1', time, data: { a: 1 } }),
    ).toEqual({
      specversion: '1.0',
      id: 'e1',
      source: '/kipam',
      type: 'lease.created',
      subject: 'nodes/n1',
      time: '2026-12-03T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: { a: 1 },
    });
  });

  it.each([
    ['cluster', 'create', 'cluster.created'],
    ['node', 'update', 'node.updated'],
    ['service', 'delete', 'service.deleted'],
    ['range', 'create', 'range.created'],
    ['token', 'issue', undefined],
    ['token', 'create', undefined],
    ['reservation', 'create', undefined],
  ])('announces %s %s as %s', (resource, action, type) => {
    expect(lifecycleEventType(resource, action)).toBe(type);
  });

  it('names subjects after the resource', () => {
    expect(subjectOf('cluster', 'c1')).toBe('clusters/c1');
  });
});
