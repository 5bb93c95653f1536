import { Client } from 'pg';
import { Address } from '@kipam/cidr';
import { connectionConfig } from '@kipam/persistence';
import { LeasesRepository } from '../src/leases/leases.repository';
import { startTestApp, type TestApp } from './setup/test-app';

/**
 * Who owns an address answers the cluster pod and service CIDRs containing it,
 * also those declared outside every range (which hold no lease), next to the
 * leases inside them (node blocks, ClusterIPs), in REST and GraphQL alike.
 */
describe('Who owns: cluster CIDRs', () => {
  let t: TestApp;
  let bare: string;
  let carved: string;
  let rangeId: string;

  const whois = async (address: string) =>
    (
      await t.http
        .get(`/v1/whois?address=${encodeURIComponent(address)}`)
        .set(t.auth)
        .expect(200)
    ).body;
  const gql = async (address: string) => {
    const res = await t.http
      .post('/graphql')
      .set(t.auth)
      .send({
        query: `query($a: String!) { whoIs(address: $a) { address leases { cidr holder { kind name } }
          clusterCidrs { clusterId clusterName domainName kind family cidr rangeId rangeName leaseId } } }`,
        variables: { a: address },
      })
      .expect(200);
    expect(res.body.errors).toBeUndefined();
    return res.body.data.whoIs;
  };

  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/domains').set(t.auth).send({ name: 'bare' }).expect(201);
    bare = (
      await t.http
        .post('/v1/clusters')
        .set(t.auth)
        .send({
          name: 'bare',
          domain: 'bare',
          podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'],
          serviceCidrs: ['10.96.0.0/16', 'fd00:10:96::/112'],
        })
        .expect(201)
    ).body.id;
    await t.http.post(`/v1/clusters/${bare}/nodes`).set(t.auth).send({ name: 'n1' }).expect(201);
    rangeId = (
      await t.http.post('/v1/ranges').set(t.auth).send({ name: 'pods', cidr: '100.64.0.0/10', defaultPrefixLength: 16 }).expect(201)
    ).body.id;
    carved = (
      await t.http
        .post('/v1/clusters')
        .set(t.auth)
        .send({ name: 'carved', podCidrs: [{ range: 'pods' }], serviceCidrs: ['192.168.0.0/24'] })
        .expect(201)
    ).body.id;
  });
  afterAll(() => t.close());

  it('an address of a declared pod CIDR in a domain without ranges, outside every node block: the pod CIDR', async () => {
    const body = await whois('10.244.200.1');
    expect(body.leases).toEqual([]);
    expect(body.clusterCidrs).toEqual([
      {
        clusterId: bare,
        clusterName: 'bare',
        domainId: expect.any(String),
        domainName: 'bare',
        kind: 'pod',
        family: 'IPv4',
        cidr: '10.244.0.0/16',
        rangeId: null,
        rangeName: null,
        leaseId: null,
      },
    ]);
    expect((await gql('10.244.200.1')).clusterCidrs).toEqual([
      expect.objectContaining({ clusterId: bare, kind: 'pod', family: 'IPv4', cidr: '10.244.0.0/16', rangeId: null, leaseId: null }),
    ]);
  });

  it("an address in a node's block: the node block (a lease) and the pod CIDR around it", async () => {
    const body = await whois('10.244.0.7');
    expect(body.leases.map((l: { cidr: string; holder: { kind: string } }) => [l.cidr, l.holder.kind])).toEqual([
      ['10.244.0.0/24', 'node'],
    ]);
    expect(body.clusterCidrs.map((c: { kind: string; cidr: string }) => [c.kind, c.cidr])).toEqual([['pod', '10.244.0.0/16']]);
    const v6 = await gql('fd00:10:244::1');
    expect(v6.leases.map((l: { holder: { kind: string } }) => l.holder.kind)).toEqual(['node']);
    expect(v6.clusterCidrs).toEqual([expect.objectContaining({ kind: 'pod', family: 'IPv6', cidr: 'fd00:10:244::/56' })]);
  });

  it('an address of a declared service CIDR: the service CIDR, and the ClusterIP when one is allocated', async () => {
    const free = await whois('10.96.77.77');
    expect(free.leases).toEqual([]);
    expect(free.clusterCidrs).toEqual([expect.objectContaining({ clusterId: bare, kind: 'service', cidr: '10.96.0.0/16', leaseId: null })]);
    const apiServer = await gql('10.96.0.1');
    expect(apiServer.leases).toEqual([{ cidr: '10.96.0.1/32', holder: { kind: 'service', name: 'default/kubernetes' } }]);
    expect(apiServer.clusterCidrs).toEqual([expect.objectContaining({ kind: 'service', cidr: '10.96.0.0/16' })]);
  });

  it('a carved pod CIDR: its range and its lease, the same lease the leases list shows', async () => {
    const body = await whois('100.64.3.3');
    const rangeLease = body.leases.find((l: { holder: { kind: string } }) => l.holder.kind === 'cluster');
    expect(body.clusterCidrs).toEqual([
      expect.objectContaining({
        clusterId: carved,
        kind: 'pod',
        cidr: '100.64.0.0/16',
        rangeId,
        rangeName: 'pods',
        leaseId: rangeLease.id,
      }),
    ]);
    expect((await gql('100.64.3.3')).clusterCidrs).toEqual([
      expect.objectContaining({ rangeId, rangeName: 'pods', leaseId: rangeLease.id }),
    ]);
  });

  it('an address nobody holds: nothing', async () => {
    expect(await whois('203.0.113.9')).toMatchObject({ leases: [], clusterCidrs: [], nodeAddresses: [] });
  });

  it('keeps one plan for the who-owns statement: PostgreSQL settles on the generic plan, not a new one per address', async () => {
    // the statement as the API prepares it, on a connection of its own, for IPv4 and IPv6 addresses in turn
    const client = new Client(connectionConfig(t.db.url));
    await client.connect();
    try {
      const prepared = { query: async (text: string, values: unknown[]) => (await client.query({ name: 'who_is', text, values })).rows };
      const repo = new LeasesRepository();
      for (let i = 0; i < 12; i++) {
        await repo.whoIs(prepared as never, Address.parse(i % 2 ? `10.250.0.${i}` : `fd00:250::${i}`));
      }
      const [plans] = (
        await client.query<{ generic_plans: string; custom_plans: string }>(
          "SELECT generic_plans::text, custom_plans::text FROM pg_prepared_statements WHERE name = 'who_is'",
        )
      ).rows;
      // the first five executions are planned for their address; after them the generic plan is kept
      expect(Number(plans.custom_plans)).toBeLessThanOrEqual(5);
      expect(Number(plans.generic_plans)).toBeGreaterThanOrEqual(7);
    } finally {
      await client.end();
    }
  });
});
