import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { consoleDirectory } from '../src/console/console';
import { baseUrl, launchChromium } from './setup/browser';
import { ADMIN_TOKEN, startTestApp, type TestApp } from './setup/test-app';

const ROOT = join(__dirname, '../../..');
/** Screenshots of every step, kept as test artefacts (gitignored). */
const ARTEFACTS = join(ROOT, '.tmp/console-screenshots');
/** KIPAM_DOCS_SCREENSHOTS=1 also refreshes the README's pictures in docs/. */
const DOCS = process.env.KIPAM_DOCS_SCREENSHOTS === '1' ? join(ROOT, 'docs') : undefined;
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

describe('Web console in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let readerToken: string;
  let rangeId: string;
  let clusterId: string;
  let serviceIp: string;
  let zonalId: string;
  let eksId: string;
  /** What a page asked of another host, and what its CSP refused: both must stay empty. */
  const external: string[] = [];
  const refused: string[] = [];

  const post = async (path: string, body: object) => (await t.http.post(path).set(t.auth).send(body).expect(201)).body;

  beforeAll(async () => {
    if (!consoleDirectory()) throw new Error('the console is not built: run `npm run build:console` (npm test does)');
    mkdirSync(ARTEFACTS, { recursive: true });
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    rangeId = (await post('/v1/ranges', { name: 'ten', cidr: '10.0.0.0/8', purpose: 'pod', defaultPrefixLength: 16 })).id;
    await post('/v1/ranges', { name: 'services-v4', cidr: '172.16.0.0/12', purpose: 'service', defaultPrefixLength: 16 });
    await post('/v1/ranges', { name: 'ula-pods', cidr: 'fd00:10::/48', purpose: 'pod', defaultPrefixLength: 56 });
    await post('/v1/ranges', { name: 'edge', cidr: '192.168.0.0/22', purpose: 'pod', defaultPrefixLength: 24 });
    await post(`/v1/ranges/${rangeId}/reservations`, { cidr: '10.255.0.0/24', reason: 'VPC' });
    // nested under ten by itself
    await post('/v1/ranges', { name: 'ten-eu', cidr: '10.64.0.0/10', purpose: 'pod' });
    const prod = await post('/v1/clusters', {
      name: 'prod-eu-1',
      podCidrs: [{ range: 'ten' }, { range: 'ula-pods' }],
      serviceCidrs: [{ range: 'services-v4' }, 'fd00:96::/112'],
      kubernetesVersion: '1.31',
    });
    clusterId = prod.id;
    for (const name of ['worker-1', 'worker-2', 'worker-3']) await post(`/v1/clusters/${clusterId}/nodes`, { name });
    serviceIp = (await post(`/v1/clusters/${clusterId}/services`, { namespace: 'web', name: 'api', ipFamilyPolicy: 'PreferDualStack' }))
      .clusterIP;
    // teams carved from the /8 in several sizes, so that the map has something to show
    for (const [i, len] of [14, 16, 16, 18, 20, 16].entries()) {
      await post('/v1/clusters', {
        name: `team-${i + 1}`,
        podCidrs: [{ range: 'ten', prefixLength: len }],
        serviceCidrs: [{ range: 'services-v4' }],
      });
    }
    // three /24 of the edge range's four: the fullest range
    for (const [i, name] of ['edge-a', 'edge-b', 'edge-c'].entries()) {
      await post('/v1/clusters', { name, podCidrs: [{ range: 'edge' }], serviceCidrs: [`100.${96 + i}.0.0/16`] });
    }
    // a brownfield import overlapping prod's pod CIDR: an open conflict
    await post('/v1/clusters', { name: 'legacy', podCidrs: ['10.0.0.0/16'], serviceCidrs: ['100.200.0.0/16'], allowConflicts: true });
    // Kubernetes 1.33, declared outside every range: a zonal pod pool and an extra ServiceCIDR
    zonalId = (
      await post('/v1/clusters', {
        name: 'zonal',
        podCidrs: ['198.18.0.0/17'],
        serviceCidrs: ['198.19.0.0/16'],
        kubernetesVersion: '1.33',
      })
    ).id;
    await post(`/v1/clusters/${zonalId}/pod-pools`, {
      name: 'zone-b',
      cidr: '198.18.128.0/17',
      nodeMaskSize: 26,
      nodeSelector: { matchLabels: { 'topology.kubernetes.io/zone': 'eu-west-1b' } },
      order: 1,
    });
    await post(`/v1/clusters/${zonalId}/service-cidrs`, { name: 'extra-v4', cidrs: ['198.20.0.0/16'] });
    // the EKS IPv6 profile: a generated ULA service CIDR and a node-local egress range
    eksId = (await post('/v1/clusters', { name: 'eks-v6', profile: 'eks-ipv6', podCidrs: ['2600:1f14:abc:100::/64'] })).id;
    readerToken = (await post('/v1/tokens', { name: 'console-reader', role: 'reader' })).secret;

    await t.app.listen(0, '127.0.0.1');
    base = baseUrl(t.app.getHttpServer());
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => {
    expect(external).toEqual([]);
    expect(refused).toEqual([]);
  });

  async function open(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
    const page = await context.newPage();
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host !== new URL(base).host && url.protocol !== 'data:') {
        external.push(url.href);
        return route.abort();
      }
      return route.continue();
    });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    page.on('pageerror', (e) => refused.push(`page error: ${e.message}`));
    await page.goto(`${base}${path}`);
    return page;
  }

  async function signIn(page: Page, token: string, remember = false): Promise<void> {
    await page.getByLabel('API token').fill(token);
    if (remember) await page.getByLabel(/Keep me signed in/).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('viewer').waitFor();
  }

  /** A full-page screenshot as an artefact; for the README, the part `docs` names (a selector) into docs/. */
  async function shot(page: Page, name: string, docs?: { file: string; part: string }, keepPointer = false): Promise<void> {
    if (!keepPointer) await page.mouse.move(1270, 1390);
    await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
    if (DOCS && docs)
      await page
        .locator(docs.part)
        .first()
        .screenshot({ path: join(DOCS, docs.file) });
  }

  /** axe-core in the page (evaluated over the DevTools protocol, so the page's CSP stays as it is). */
  async function axe(page: Page): Promise<AxeViolation[]> {
    await page.evaluate(AXE);
    const result = await page.evaluate<{ violations: AxeViolation[] }>(
      "axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })",
    );
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })),
    }));
  }

  it('signs in with a token kept out of localStorage, and shows the fleet: ranges tree, exhaustion first, clusters, conflicts', async () => {
    const page = await open('/ui/');
    await page.waitForURL(/\/ui\/sign-in$/);
    expect(await axe(page)).toEqual([]);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#token-error').waitFor();
    expect(await page.locator('#token-error').innerText()).toContain('Unauthorized');
    expect(await page.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');

    await signIn(page, ADMIN_TOKEN);
    expect(await page.evaluate('[localStorage.length, sessionStorage.length]')).toEqual([0, 0]);
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    const ranges = page.getByTestId('ranges');
    await ranges.getByText('services-v4').waitFor();
    // IPv6 counts beyond 2^53 are exact (2^80 addresses in a /48)
    expect(await ranges.locator('data[value="1208925819614629174706176"]').first().getAttribute('title')).toBe(
      '1,208,925,819,614,629,174,706,176',
    );
    // the small range is the fullest (three /24 of four), then the others
    expect(await page.getByTestId('fullest').locator('li').first().innerText()).toMatch(/^edge 192\.168\.0\.0\/22: 75\.0% full/);
    // the tree: ten-eu under ten, collapsible
    const tenEu = ranges.getByRole('row').filter({ hasText: 'ten-eu' });
    expect(await tenEu.locator('.tree-cell').getAttribute('style')).toContain('padding-left: 1.25rem');
    await ranges.getByRole('button', { name: 'Collapse ten' }).click();
    expect(await tenEu.count()).toBe(0);
    await ranges.getByRole('button', { name: 'Expand ten' }).click();
    await tenEu.waitFor();
    const conflicts = page.getByTestId('conflicts');
    expect(await conflicts.innerText()).toContain('legacy');
    expect(await page.getByTestId('clusters').locator('tr.row-danger').count()).toBe(2);
    expect(await page.getByTestId('clusters').innerText()).toContain('DualStack');
    await shot(page, '01-overview', { file: 'console-overview.png', part: 'body' });
    expect(await axe(page)).toEqual([]);

    // reload keeps nothing: the token lived in memory only
    await page.reload();
    await page.waitForURL(/\/ui\/sign-in$/);
    await signIn(page, ADMIN_TOKEN, true);
    expect(await page.evaluate('[localStorage.length, sessionStorage.length]')).toEqual([0, 1]);
    await page.reload();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/ui\/sign-in$/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.context().close();
  });

  it('draws a range, zooms into a cell, into the cluster a lease became, and back out, by mouse and keyboard', async () => {
    const page = await open(`/ui/ranges/${rangeId}`);
    await signIn(page, ADMIN_TOKEN);
    const summary = page.getByTestId('map-summary');
    await summary.getByText('10.0.0.0/8', { exact: true }).waitFor();
    expect(await summary.innerText()).toContain('in 256 cells of /16');
    // hovering names the holder
    await page.locator('.map-section').scrollIntoViewIfNeeded();
    await page.locator('rect[data-prefix="10.0.0.0/16"]').hover();
    expect(await page.getByTestId('map-cell-status').innerText()).toMatch(/10\.0\.0\.0\/16: 100\.0% leased.*cluster prod-eu-1/);
    await shot(page, '02-range-map', { file: 'console-map.png', part: '.map-section' }, true);
    expect(await axe(page)).toEqual([]);

    // the reservation's cell holds less than a cell: a click zooms into it
    await page.locator('rect[data-prefix="10.255.0.0/16"]').click();
    await summary.getByText('10.255.0.0/16', { exact: true }).waitFor();
    expect(await summary.innerText()).toContain('in 256 cells of /24');
    expect(await page.getByTestId('map-cells').innerText()).toContain('10.255.0.0/24');
    // the zoom trail leads back out
    await page.getByRole('navigation', { name: 'Zoom' }).getByRole('button', { name: '10.0.0.0/8' }).click();
    await summary.getByText('10.0.0.0/8', { exact: true }).waitFor();

    // keyboard: the map is one tab stop, arrows move, Enter acts; cell 0 is prod's pod CIDR, which opens its node map
    await page.getByTestId('address-map').focus();
    await page.keyboard.press('Home');
    expect(await page.getByTestId('map-cell-status').innerText()).toContain('10.0.0.0/16');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/clusters\/[0-9a-f-]+\/map\?kind=pod&family=IPv4/);
    await summary.getByText('10.0.0.0/16', { exact: true }).waitFor();
    expect(await summary.innerText()).toContain('in 256 cells of /24');
    expect(await page.getByTestId('map-cells').innerText()).toMatch(/10\.0\.0\.0\/24[\s\S]*worker-1/);
    await page.keyboard.press('Tab'); // focus leaves nothing stuck
    await shot(page, '03-node-map');

    // down to one ClusterIP: the service CIDR, the /24 holding the Service's address, then its /32, which opens the Service
    await page.getByRole('link', { name: 'cluster prod-eu-1', exact: true }).click();
    await page.getByRole('link', { name: 'Address map of service CIDR 172.16.0.0/16' }).click();
    await summary.getByText('172.16.0.0/16', { exact: true }).waitFor();
    const slash24 = serviceIp.replace(/\.\d+$/, '.0/24');
    await page.locator(`rect[data-prefix="${slash24}"]`).click();
    await summary.getByText(slash24, { exact: true }).waitFor();
    expect(await summary.innerText()).toContain('in 256 cells of /32');
    await page.locator(`rect[data-prefix="${serviceIp}/32"]`).hover();
    expect(await page.getByTestId('map-cell-status').innerText()).toContain('service web/api');
    await page.locator(`rect[data-prefix="${serviceIp}/32"]`).click();
    await page.waitForURL(/\/clusters\/[0-9a-f-]+#services$/);
    await page.getByTestId('services').getByText('web/api').waitFor();

    // the IPv6 pod CIDR: a /56 of 2^72 addresses, drawn from three leases
    await page.goto(`${base}/ui/clusters/${clusterId}/map?kind=pod&family=IPv6`);
    await signIn(page, ADMIN_TOKEN); // a full page load: the token lived in memory only
    await summary.getByText('fd00:10::/56', { exact: true }).waitFor();
    expect(await summary.innerText()).toContain('55,340,232,221,128,654,848 leased');
    expect(await summary.innerText()).toContain('4,722,366,482,869,645,213,696');
    await page.context().close();
  });

  it('answers who owns an address and a CIDR, with links to the holders', async () => {
    const page = await open('/ui/who-owns');
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).fill('10.0.0.300');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#who-q-error').waitFor();
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).fill(serviceIp);
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).press('Enter');
    const answer = page.getByTestId('who-owns');
    await answer.getByText('service web/api').waitFor();
    expect(await answer.innerText()).toContain('cluster prod-eu-1');
    await shot(page, '04-who-owns');
    expect(await axe(page)).toEqual([]);
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).fill('10.0.1.0/24');
    await page.getByRole('button', { name: 'Search' }).click();
    await answer.getByText('node worker-2 (cluster prod-eu-1)').waitFor();
    await answer.getByRole('link', { name: 'service web/api' }).count();
    await answer.getByRole('link', { name: /node worker-2/ }).click();
    await page.waitForURL(/\/clusters\/[0-9a-f-]+#nodes$/);
    await page.getByTestId('nodes').getByText('worker-2').waitFor();
    await page.context().close();
  });

  it('lists pod pools with their selectors and ServiceCIDRs on the cluster page, and declared cluster CIDRs in who-owns', async () => {
    const page = await open(`/ui/clusters/${zonalId}`);
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole('heading', { name: /Cluster zonal/ }).waitFor();
    const pools = page.getByRole('table', { name: /Pod pools/ });
    await pools.getByText('zone-b').waitFor();
    const rows = (await pools.locator('tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^default-ipv4 \(default\) IPv4 198\.18\.0\.0\/17 \/24 every node 0 128 free of 128/);
    expect(rows[1]).toMatch(/^zone-b IPv4 198\.18\.128\.0\/17 \/26 topology\.kubernetes\.io\/zone=eu-west-1b 1 512 free of 512/);
    const serviceCidrs = page.getByRole('table', { name: /ServiceCIDRs/ });
    const svcRows = (await serviceCidrs.locator('tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
    expect(svcRows).toHaveLength(2);
    expect(svcRows[0]).toMatch(/^kubernetes \(default\) 198\.19\.0\.0\/16 \(primary\)/);
    expect(svcRows[1]).toMatch(/^extra-v4 198\.20\.0\.0\/16/);
    expect(await page.locator('dl.facts').innerText()).toContain('1.33');
    await shot(page, '04b-cluster-pools');
    expect(await axe(page)).toEqual([]);

    // an address of the declared service CIDR: no lease, but the cluster CIDR holding it, linked to the cluster
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Who owns' }).click();
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).fill('198.19.0.10');
    await page.getByRole('button', { name: 'Search' }).click();
    const cidrs = page.getByTestId('cluster-cidrs');
    await cidrs.waitFor();
    expect((await cidrs.locator('tbody').innerText()).replace(/\s+/g, ' ').trim()).toMatch(
      /^cluster zonal service CIDR 198\.19\.0\.0\/16 declared/,
    );
    expect(await page.getByTestId('who-owns').innerText()).toContain('No lease contains it');
    expect(await axe(page)).toEqual([]);
    // and one of the zonal pod pool
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).fill('198.18.200.1');
    await page.getByRole('button', { name: 'Search' }).click();
    await cidrs.getByText('pod pool').waitFor();
    expect(await cidrs.innerText()).toContain('198.18.128.0/17');
    await cidrs.getByRole('link', { name: 'cluster zonal' }).first().click();
    await page.waitForURL(new RegExp(`/clusters/${zonalId}$`));
    await page.getByRole('heading', { name: /Cluster zonal/ }).waitFor();

    // an EKS IPv6 cluster: its profile, node-local range and ULA prefix in the summary, and who-owns of a node-local address
    await page.goto(`${base}/ui/clusters/${eksId}`);
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole('heading', { name: /Cluster eks-v6/ }).waitFor();
    const facts = (await page.locator('dl.facts').innerText()).replace(/\s+/g, ' ');
    expect(facts).toContain('Profile EKS_IPV6');
    expect(facts).toContain('Node-local ranges 169.254.172.0/22');
    expect(facts).toMatch(/ULA prefix fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48/);
    expect(await axe(page)).toEqual([]);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Who owns' }).click();
    await page.getByRole('searchbox', { name: 'Address or CIDR' }).fill('169.254.172.5');
    await page.getByRole('button', { name: 'Search' }).click();
    const nodeLocal = page.getByTestId('node-local');
    await nodeLocal.getByRole('link', { name: 'node-local egress range of cluster eks-v6, on every node' }).waitFor();
    expect(await nodeLocal.innerText()).toContain('169.254.172.0/22');
    expect(await axe(page)).toEqual([]);
    await nodeLocal.getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/clusters/${eksId}$`));
    await page.context().close();
  });

  it('creates a dual-stack cluster from the form, shows it, and puts a refused request on the field it is about', async () => {
    const page = await open('/ui/clusters/new');
    await signIn(page, ADMIN_TOKEN);
    await page.getByRole('heading', { name: 'Create a cluster' }).waitFor();
    expect(await axe(page)).toEqual([]);

    // refused: a declared pod CIDR that overlaps prod-eu-1's (409 cidr-conflict naming podCidrs[0])
    await page.getByLabel('Name', { exact: true }).fill('console-made');
    const v4 = page.getByRole('region', { name: 'IPv4 CIDRs' });
    await v4.getByLabel('declare a CIDR').first().check();
    await page.getByLabel('IPv4 pod CIDR', { exact: true }).fill('10.0.0.0/16');
    await v4.getByLabel('carve from a range').nth(1).check();
    await v4.getByLabel('IPv4 service CIDR range').selectOption({ label: 'services-v4 172.16.0.0/12' });
    const v6 = page.getByRole('region', { name: 'IPv6 CIDRs' });
    await v6.getByLabel('IPv6 pod CIDR range').selectOption({ label: 'ula-pods fd00:10::/48' });
    await page.getByLabel('IPv6 service CIDR', { exact: true }).fill('fd00:97::/112');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    const podError = page.getByTestId('IPv4-pod-cidr-error');
    await podError.waitFor();
    expect(await podError.innerText()).toMatch(
      /CIDR conflict: podCidrs\[0\] 10\.0\.0\.0\/16 overlaps the pod CIDR 10\.0\.0\.0\/16 of cluster (legacy|prod-eu-1)/,
    );
    expect(await page.getByLabel('IPv4 pod CIDR', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await shot(page, '05-refused-on-field');
    expect(await axe(page)).toEqual([]);

    // fixed: carve it instead, with a bad node mask first (422 on that field)
    await v4.getByLabel('carve from a range').first().check();
    await v4.getByLabel('IPv4 pod CIDR range').selectOption({ label: 'ten 10.0.0.0/8' });
    await v4.getByLabel('Prefix length').first().fill('20');
    await page.getByLabel('Node mask size (IPv4)').fill('2');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.getByTestId('IPv4-mask-error').waitFor();
    await page.getByLabel('Node mask size (IPv4)').fill('24');
    await page.getByRole('button', { name: 'Create cluster' }).click();
    await page.waitForURL(/\/ui\/clusters\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: /Cluster console-made/ }).waitFor();
    const pools = await page.getByTestId('pod-pools').innerText();
    expect(pools).toMatch(/IPv4\s+10\.[0-9.]+\/20/);
    expect(pools).toMatch(/IPv6\s+fd00:10:0:100::\/56/);
    expect(await page.getByRole('heading', { name: /Cluster console-made/ }).innerText()).toContain('DualStack');
    expect(await page.getByTestId('kubeadm').innerText()).toMatch(/podSubnet: 10\.[0-9.]+\/20,fd00:10:0:100::\/56/);

    // add a node and a Service on the new cluster; a refused ClusterIP lands on its field
    await page.getByLabel('Node name').fill('made-1');
    await page.getByRole('button', { name: 'Add node' }).click();
    await page.getByTestId('nodes').getByText('made-1').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('dns');
    await page.getByLabel('clusterIP (optional)').fill('10.99.0.10');
    await page.getByRole('button', { name: 'Create Service' }).click();
    await page.getByTestId('svc-cluster-ip-error').waitFor();
    await page.getByLabel('clusterIP (optional)').fill('');
    await page.getByLabel('ipFamilyPolicy').selectOption('RequireDualStack');
    await page.getByRole('button', { name: 'Create Service' }).click();
    await page.getByTestId('services').getByText('default/dns').waitFor();
    expect(await page.getByTestId('services').innerText()).toMatch(/default\/dns[\s\S]*RequireDualStack[\s\S]*IPv4, IPv6/);
    await page.getByTestId('audit').getByText('create service').waitFor();
    await shot(page, '06-cluster-page');
    expect(await axe(page)).toEqual([]);

    // and the overview lists it
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('clusters').getByRole('link', { name: 'console-made' }).waitFor();
    await page.context().close();
  });

  it('shows a reader everything and no write button', async () => {
    const page = await open('/ui/');
    // kept in this tab's sessionStorage, so that full page loads below stay signed in
    await signIn(page, readerToken, true);
    expect(await page.getByTestId('viewer').innerText()).toContain('reader');
    await page.getByTestId('clusters').getByText('prod-eu-1').waitFor();
    expect(await page.getByRole('link', { name: /create cluster|new cluster/i }).count()).toBe(0);
    await page.getByTestId('clusters').getByRole('link', { name: 'prod-eu-1' }).click();
    await page.getByTestId('nodes').getByText('worker-1').waitFor();
    await page
      .getByTestId('flags')
      .getByText(/--service-cluster-ip-range=172\.16\.0\.0\/16,fd00:96::\/112/)
      .waitFor();
    expect(await page.getByRole('button', { name: /add node|create service|reserve/i }).count()).toBe(0);
    expect(await page.getByText('The audit trail is shown to admin tokens only.').count()).toBe(1);
    await shot(page, '07-reader-cluster');
    await page.goto(`${base}/ui/ranges/${rangeId}`);
    await page.getByTestId('address-map').waitFor();
    expect(await page.getByRole('button', { name: 'Reserve' }).count()).toBe(0);
    await page.goto(`${base}/ui/clusters/new`);
    await page
      .getByRole('alert')
      .getByText(/may not create clusters/)
      .waitFor();
    await page.context().close();
  });

  it('serves /ui with a strict CSP and no caching of the page, deep links included', async () => {
    const res = await fetch(`${base}/ui/clusters/${clusterId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<div id="root">');
    const redirect = await fetch(`${base}/ui`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, '/ui/']);
    const missing = await fetch(`${base}/ui/assets/nothing.js`);
    expect([missing.status, missing.headers.get('content-type')]).toEqual([404, 'application/problem+json; charset=utf-8']);
  });
});
