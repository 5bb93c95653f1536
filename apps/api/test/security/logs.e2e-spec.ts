import { DomainsService } from '../../src/domains/domains.service';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../setup/test-app';

type Line = Record<string, unknown> & { requestId?: string; traceId?: string; res?: { statusCode: number } };

describe('Request logs', () => {
  let t: TestApp;
  const lines: Line[] = [];
  const raw: string[] = [];
  beforeAll(async () => {
    t = await startTestApp(
      { LOG_LEVEL: 'info' },
      {
        logStream: {
          write: (text: string) => {
            raw.push(text);
            for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
          },
        },
      },
    );
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const of = (requestId: string) => lines.filter((l) => l.requestId === requestId);
  const accessLine = (requestId: string) => of(requestId).find((l) => l.res !== undefined);

  it("carries the caller's W3C trace id on every line of the request, and the actor on the access line", async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await t.http.get('/v1/domains').set(t.auth).set('traceparent', traceparent).set('X-Request-Id', 'log-trace-1').expect(200);
    const access = accessLine('log-trace-1');
    expect(access).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      role: 'admin',
      actor: 'bootstrap-admin',
    });
    expect(access?.tokenId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    for (const line of of('log-trace-1')) expect(line.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(raw.join('')).not.toContain(ADMIN_TOKEN);
  });

  it('starts a trace of its own without a traceparent, and logs no actor without a token', async () => {
    await t.http.get('/v1/domains').set('X-Request-Id', 'log-trace-2').expect(401);
    const access = accessLine('log-trace-2');
    expect(access?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(access).not.toHaveProperty('tokenId');
    expect(access).not.toHaveProperty('actor');
  });

  it('puts the trace id on the error line of an unexpected error too', async () => {
    jest.spyOn(t.app.get(DomainsService), 'list').mockRejectedValue(new Error('boom'));
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await t.http.get('/v1/domains').set(t.auth).set('traceparent', traceparent).set('X-Request-Id', 'log-trace-3').expect(500);
    const errors = of('log-trace-3').filter((l) => l.level === 50);
    expect(errors.length).toBeGreaterThan(0);
    for (const line of of('log-trace-3')) expect(line.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});
