import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from './setup/test-app';

/** Sends raw HTTP and resolves with what came back once the server closes or `until` matches. */
function exchange(socket: Socket, text: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    socket.on('data', (chunk) => {
      got += chunk.toString('utf8');
      if (until.test(got)) resolve(got);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

describe('Graceful shutdown', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('answers a connection that arrives while requests drain with 503, Retry-After and Connection: close, and lets the request in flight finish', async () => {
    // a request in flight: its body is still arriving
    const slow = connect(port, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    const body = JSON.stringify({ name: 'drained' });
    slow.write(
      `POST /v1/domains HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.auth.Authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 200));

    let drained = false;
    const draining = t.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);

    for (const path of ['/healthz', '/readyz', '/v1/domains']) {
      const fresh = connect(port, '127.0.0.1');
      const answer = await exchange(
        fresh,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.auth.Authorization}\r\n\r\n`,
        /\r\n\r\n\{.*\}$/s,
      );
      fresh.destroy();
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer).toMatch(/\r\nretry-after: 1\r\n/i);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(answer).toContain('"type":"/problems/unavailable"');
    }
    expect(drained).toBe(false);

    // the request in flight completes normally, and then the drain is over
    const finished = await exchange(slow, body.slice(5), /\r\n\r\n\{.*\}$/s);
    slow.destroy();
    expect(finished).toMatch(/^HTTP\/1\.1 201 /);
    await draining;
    expect(drained).toBe(true);
    expect(await t.sql('SELECT 1 FROM domain WHERE name = $1', ['drained'])).toHaveLength(1);
  });
});
