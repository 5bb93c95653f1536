import { startTestApp, type TestApp } from '../../api/test/setup/test-app';

/** Kipam on its own test database, listening on a free loopback port (the provider is another process). */
export async function startKipam(): Promise<{ t: TestApp; endpoint: string }> {
  const t = await startTestApp();
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address();
  return { t, endpoint: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}
