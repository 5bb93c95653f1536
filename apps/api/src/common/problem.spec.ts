import { LeaseLengthError, OutsidePoolError } from '@kipam/allocation';
import { toProblem } from './problem';

describe('toProblem: lease engine refusals a request can cause', () => {
  it.each([
    ['a block outside the pool', new OutsidePoolError('10.9.0.0/24 is not inside the pool')],
    ['a block of the wrong length for a fixed-length pool', new LeaseLengthError('10.9.0.0/31: the pool leases /32 blocks only, not /31')],
    ['KP004 straight from the database', Object.assign(new Error('pool 7 leases /32 blocks only, not /31'), { code: 'KP004' })],
  ])('answers %s with 422, never 500', (_what, error) => {
    const { problem, unexpected } = toProblem(error);
    expect(unexpected).toBe(false);
    expect(problem.status).toBe(422);
    expect(JSON.stringify(problem)).toMatch(/blocks only|not inside/);
  });
});

describe('toProblem: database constraints never reach a client by name', () => {
  const pg = (code: string, constraint: string) => Object.assign(new Error(`violates "${constraint}"`), { code, constraint });
  it.each([
    ['cluster_domain_id_name_key', 'cluster'],
    ['domain_name_key', 'domain'],
    ['range_domain_id_name_key', 'range'],
    ['node_cluster_id_name_key', 'node'],
    ['service_cluster_id_namespace_name_key', 'Service'],
    ['api_token_name_key', 'token'],
  ])('a unique violation of %s is the %s already-exists', (constraint, resource) => {
    const { problem } = toProblem(pg('23505', constraint));
    expect(problem).toMatchObject({ status: 409, type: '/problems/already-exists' });
    expect(problem.detail).toContain(resource);
    expect(JSON.stringify(problem)).not.toContain(constraint);
  });

  it.each([
    ['23505', 'cluster_cidr_lease_id_key', 409],
    ['23503', 'node_cluster_id_fkey', 409],
    ['23P01', 'lease_no_overlap', 409],
    ['23514', 'range_prefix_check', 422],
  ])('%s on %s answers %s without the name', (code, constraint, status) => {
    const { problem, unexpected } = toProblem(pg(code, constraint));
    expect({ status: problem.status, unexpected }).toEqual({ status, unexpected: false });
    expect(JSON.stringify(problem)).not.toContain(constraint);
  });
});

describe('toProblem: a transaction that lost every retry', () => {
  it.each(['40P01', '40001'])('%s is a 503 to retry, not a 500', (code) => {
    const { problem, unexpected } = toProblem(Object.assign(new Error('deadlock detected'), { code }));
    expect({ status: problem.status, type: problem.type, unexpected }).toEqual({
      status: 503,
      type: '/problems/unavailable',
      unexpected: false,
    });
  });
});
