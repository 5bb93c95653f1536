import { spawnSync } from 'node:child_process';
import { startTestApp, type TestApp } from './setup/test-app';

const DAY = 86_400_000;

describe('Exhaustion forecasts', () => {
  let t: TestApp;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  /** Moves audit records into the past, as an operator may (the trail refuses UPDATE while its trigger is on). */
  const backdate = async (resource: string, resourceId: string, daysAgo: number) => {
    await t.sql('ALTER TABLE audit_record DISABLE TRIGGER USER');
    try {
      await t.sql(
        `UPDATE audit_record SET at = now() - make_interval(secs => $3::float8 * 86400) WHERE resource = $1 AND resource_id = $2`,
        [resource, resourceId, daysAgo],
      );
    } finally {
      await t.sql('ALTER TABLE audit_record ENABLE TRIGGER USER');
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_WEBHOOK_DELIVERY: 'false' });
  });
  afterAll(() => t.close());

  it('projects when a range filled at a known rate runs out, over 7 and 30 days', async () => {
    const range = (await post('/v1/ranges', { name: 'fill', cidr: '10.80.0.0/16' }).expect(201)).body;
    // ten clusters of a /24 each, one every day from 9.5 days ago to 0.5 days ago
    for (let i = 0; i < 10; i++) {
      const c = (
        await post('/v1/clusters', {
          name: `f${i}`,
          podCidrs: [{ range: 'fill', prefixLength: 24 }],
          serviceCidrs: [`10.${180 + i}.0.0/24`],
        }).expect(201)
      ).body;
      await backdate('cluster', c.id, i + 0.5);
    }
    // and one that came and went: net zero
    const gone = (
      await post('/v1/clusters', { name: 'gone', podCidrs: [{ range: 'fill', prefixLength: 24 }], serviceCidrs: ['10.199.0.0/24'] }).expect(
        201,
      )
    ).body;
    await t.http.delete(`/v1/clusters/${gone.id}`).set(t.auth).expect(204);

    const res = await t.http.get(`/v1/ranges/${range.id}/forecast`).set(t.auth).expect(200);
    const free = 65536 - 10 * 256;
    expect(res.body.forecast).toMatchObject({ kind: 'range', family: 'IPv4', cidr: '10.80.0.0/16', total: '65536', free: String(free) });
    const [week, month] = res.body.forecast.windows;
    // 7 clusters within the last 7 days: 7 × 256 / 7 = 256 addresses a day
    expect(week.days).toBe(7);
    expect(week.netAddressesPerDay).toBeCloseTo(256);
    const expected = (perDay: number) => Date.now() + (free / perDay) * DAY;
    expect(Math.abs(Date.parse(week.exhaustionDate) - expected(256))).toBeLessThanOrEqual(DAY);
    expect(week.daysLeft).toBeCloseTo(free / 256, 1);
    // all 10 within 30 days: 2560 / 30 a day
    expect(month.netAddressesPerDay).toBeCloseTo(2560 / 30);
    expect(Math.abs(Date.parse(month.exhaustionDate) - expected(2560 / 30))).toBeLessThanOrEqual(DAY);

    const gql = await t.http
      .post('/graphql')
      .set(t.auth)
      .send({ query: `{ ranges(filter: { name: "fill" }) { nodes { forecast { free windows { days exhaustionDate projection } } } } }` })
      .expect(200);
    expect(gql.body.data.ranges.nodes[0].forecast.windows[0]).toEqual({
      days: 7,
      exhaustionDate: week.exhaustionDate,
      projection: 'exhausts',
    });
  });

  it("projects a cluster's pod space from its nodes, and says when a space does not grow", async () => {
    const c = (await post('/v1/clusters', { name: 'pods', podCidrs: ['10.90.0.0/16'], serviceCidrs: ['10.91.0.0/24'] }).expect(201)).body;
    for (let i = 0; i < 4; i++) {
      const n = (await post(`/v1/clusters/${c.id}/nodes`, { name: `n${i}` }).expect(201)).body;
      await backdate('node', n.id, i + 1);
    }
    const res = await t.http.get(`/v1/clusters/${c.id}/forecast`).set(t.auth).expect(200);
    const [pod, service] = res.body.spaces;
    expect(pod).toMatchObject({ kind: 'pod', family: 'IPv4', cidr: '10.90.0.0/16', free: String(65536 - 1024) });
    expect(pod.windows[0].netAddressesPerDay).toBeCloseTo(1024 / 7);
    expect(Math.abs(Date.parse(pod.windows[0].exhaustionDate) - (Date.now() + ((65536 - 1024) / (1024 / 7)) * DAY))).toBeLessThanOrEqual(
      DAY,
    );
    expect(service).toMatchObject({ kind: 'service', family: 'IPv4' });
    expect(service.windows).toEqual([
      { days: 7, netAddressesPerDay: 0, daysLeft: null, exhaustionDate: null, projection: 'not at this rate' },
      { days: 30, netAddressesPerDay: 0, daysLeft: null, exhaustionDate: null, projection: 'not at this rate' },
    ]);
    await t.http.get('/v1/clusters/00000000-0000-4000-8000-000000000000/forecast').set(t.auth).expect(404);
    await t.http.get('/v1/ranges/nope/forecast').set(t.auth).expect(404);

    const metrics = (await t.http.get('/metrics').expect(200)).text;
    const line = metrics.split('\n').find((l) => l.startsWith(`kipam_capacity_days_left{scope="pod",scope_id="${c.id}",family="IPv4"}`));
    expect(Number(line?.split(' ')[1])).toBeCloseTo((65536 - 1024) / (1024 / 7), 0);
    expect(metrics).toContain(`kipam_capacity_days_left{scope="service",scope_id="${c.id}",family="IPv4"} +Inf`);
  });

  it('exposes the capacity, conflict, replay and pool metrics, valid for promtool', async () => {
    await post('/v1/clusters', { name: 'old', podCidrs: ['10.95.0.0/16'], serviceCidrs: ['10.96.0.0/20'] }).expect(201);
    await post('/v1/clusters', {
      name: 'imported',
      podCidrs: ['10.95.0.0/16'],
      serviceCidrs: ['10.97.0.0/20'],
      allowConflicts: true,
    }).expect(201);
    const once = () => t.http.post('/v1/domains').set(t.auth).set('Idempotency-Key', 'metrics-1').send({ name: 'replayed' });
    await once().expect(201);
    await once().expect(201).expect('idempotent-replayed', 'true');

    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(text).toContain('kipam_open_conflicts{domain="default"} 2');
    expect(text).toContain('kipam_idempotent_replays_total{api="rest"} 1');
    expect(text).toMatch(/^kipam_db_pool_connections_in_use \d+$/m);
    expect(text).toMatch(/^kipam_db_pool_waiting 0$/m);
    expect(text).toContain('# TYPE kipam_exhaustion_refusals_total counter');
    expect(text).toContain('# TYPE kipam_webhook_deliveries_total counter');

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error) return; // promtool not installed: the format is still checked by the lines above
    // parsed; the lint findings left are the days unit the issue names, and prom-client's own nodejs_*_total gauges
    const known = [
      /^kipam_capacity_days_left use base unit "seconds" instead of "days"$/,
      /^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/,
    ];
    const findings = `${promtool.stdout}${promtool.stderr}`.split('\n').filter(Boolean);
    expect(findings.filter((f) => !known.some((k) => k.test(f)))).toEqual([]);
    expect([0, 3]).toContain(promtool.status); // 3: lint findings only, no parse error
  });
});
