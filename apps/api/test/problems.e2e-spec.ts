import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS_SLUGS } from '../src/common/problem';
import { PROBLEM_TYPES } from '../src/common/problem-types';
import { startTestApp, type TestApp } from './setup/test-app';

describe('Problem types', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers each type URI with a short page, without a token', async () => {
    for (const [slug, info] of Object.entries(PROBLEM_TYPES)) {
      const res = await t.http.get(`/problems/${slug}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain(`<h1>${info.title}</h1>`);
      expect(res.text).toContain(`HTTP ${info.status}`);
    }
    const index = await t.http.get('/problems').expect(200);
    for (const slug of Object.keys(PROBLEM_TYPES)) expect(index.text).toContain(`href="/problems/${slug}"`);
    const unknown = await t.http.get('/problems/nope').expect(404);
    expect(unknown.body).toMatchObject({ type: '/problems/not-found', status: 404 });
  });

  it('has a page for every type the API documents or answers, and the README lists them all', async () => {
    const doc = JSON.stringify((await t.http.get('/openapi.json').expect(200)).body);
    const documented = new Set([...doc.matchAll(/\/problems\/([a-z-]+)/g)].map((m) => m[1]));
    for (const [slug] of Object.values(STATUS_SLUGS)) documented.add(slug);
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const slug of documented) expect({ slug, page: slug in PROBLEM_TYPES }).toEqual({ slug, page: true });
    for (const slug of Object.keys(PROBLEM_TYPES))
      expect({ slug, inReadme: readme.includes(`\`${slug}\``) }).toEqual({ slug, inReadme: true });
    // a problem's type and title agree with its page
    const res = await t.http.get('/v1/domains/00000000-0000-4000-8000-000000000000').set(t.auth).expect(404);
    expect(res.body.title).toBe(PROBLEM_TYPES['not-found'].title);
  });
});
