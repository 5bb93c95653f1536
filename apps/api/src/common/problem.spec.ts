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
