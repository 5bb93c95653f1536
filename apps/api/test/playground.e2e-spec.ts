import type { Browser, Page } from 'playwright-core';
import { baseUrl, launchChromium } from './setup/browser';
import { ADMIN_TOKEN, startTestApp, type TestApp } from './setup/test-app';

/** What the page keeps in its storages (evaluated in the browser). */
const STORED = '({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) })';
/** The headers editor: its content replaced with the bearer token. */
async function typeToken(page: Page): Promise<void> {
  await page
    .getByRole('button', { name: /headers/i })
    .first()
    .click();
  await page.locator('.graphiql-editor-tool .graphiql-editor').last().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${ADMIN_TOKEN}` }));
}

interface Stored {
  local: string;
  session: string;
}

describe('GraphQL playground in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp();
    await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'browser-visible', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
      .expect(201);
    await t.app.listen(0, '127.0.0.1');
    base = baseUrl(t.app.getHttpServer());
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens the IDE with no internet access, takes the token in the headers editor, and shows a clusters query result', async () => {
    const page = await browser.newPage();
    const external: string[] = [];
    // nothing may come from outside the app: any other host would fail on an offline machine
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host !== new URL(base).host) {
        external.push(url.href);
        return route.abort();
      }
      return route.continue();
    });
    await page.goto(`${base}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });

    await typeToken(page);

    // the query editor
    const query = page.locator('.graphiql-query-editor .graphiql-editor').first();
    await query.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('query Clusters { clusters { nodes { name stack podCidrs { family cidr } } } }');

    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await result.getByText('browser-visible').waitFor({ timeout: 30_000 });
    expect(await result.innerText()).toContain('10.244.0.0/16');
    expect(external).toEqual([]);

    // the token was kept in memory only: neither storage holds it
    const before = await page.evaluate<Stored>(STORED);
    expect(before.local).not.toContain(ADMIN_TOKEN);
    expect(before.session).not.toContain(ADMIN_TOKEN);
    expect(before.local).not.toContain('graphiql');
    await page.close();
  });

  it('keeps the headers in sessionStorage, never localStorage, once the user turns on "Persist headers"', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/graphql`);
    await page.evaluate("sessionStorage.setItem('graphiql:shouldPersistHeaders', 'true')");
    await page.reload();
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await typeToken(page);
    await page.locator('.graphiql-execute-button').click();
    await page.locator('.result-window').getByText('browser-visible').waitFor({ timeout: 30_000 });
    const stored = await page.evaluate<Stored>(STORED);
    expect(stored.session).toContain(ADMIN_TOKEN);
    expect(stored.local).not.toContain(ADMIN_TOKEN);
    await page.close();
  });
});
