import { Logger } from '@nestjs/common';
import { DomainsService } from '../../src/domains/domains.service';
import { startTestApp, type TestApp } from '../setup/test-app';

describe('Unexpected errors', () => {
  let t: TestApp;
  let logged: jest.SpyInstance;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error');
    jest.spyOn(t.app.get(DomainsService), 'list').mockRejectedValue(new TypeError('a bug deep inside'));
  });
  afterEach(() => jest.restoreAllMocks());

  /** The error log line of the request: its id and the stack of what was thrown. */
  const loggedFor = (requestId: string) =>
    logged.mock.calls.find(([meta]) => (meta as { requestId?: string } | undefined)?.requestId === requestId) as
      [{ err: Error; requestId: string }, string] | undefined;

  it('answers a bare 500 on REST, and logs the stack with the request id', async () => {
    const res = await t.http.get('/v1/domains').set(t.auth).set('X-Request-Id', 'rest-bug-1').expect(500);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      instance: '/v1/domains',
      requestId: 'rest-bug-1',
    });
    const line = loggedFor('rest-bug-1');
    expect(line?.[0].err.message).toBe('a bug deep inside');
    expect(line?.[1]).toMatch(/^TypeError: a bug deep inside\n\s+at /);
  });

  it('answers "Internal server error" for the field in GraphQL, with the request id, and logs the stack', async () => {
    const res = await t.http
      .post('/graphql')
      .set(t.auth)
      .set('X-Request-Id', 'gql-bug-1')
      .send({ query: '{ domains { nodes { name } } }' })
      .expect(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: 'Internal server error',
        path: ['domains'],
        extensions: expect.objectContaining({ status: 500, requestId: 'gql-bug-1' }),
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain('a bug deep inside');
    const line = loggedFor('gql-bug-1');
    expect(line?.[0].err.message).toBe('a bug deep inside');
    expect(line?.[1]).toMatch(/^TypeError: a bug deep inside\n\s+at /);
  });
});
