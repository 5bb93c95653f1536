import type { IncomingMessage } from 'node:http';
import { traceOf } from './trace';

const req = (traceparent?: string) => ({ headers: traceparent === undefined ? {} : { traceparent } }) as unknown as IncomingMessage;

describe('traceOf', () => {
  it("takes the caller's trace id and span from a valid traceparent", () => {
    expect(traceOf(req('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'))).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
    });
    // a later version may carry more fields
    expect(traceOf(req('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra')).traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it.each([
    undefined,
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
  ])('starts a new trace for %p', (header) => {
    const trace = traceOf(req(header));
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.parentId).toBeUndefined();
  });

  it('is stable per request', () => {
    const r = req();
    expect(traceOf(r)).toBe(traceOf(r));
  });
});
