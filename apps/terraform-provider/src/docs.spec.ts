import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('docs/terraform.md', () => {
  it('is the reference written from the current schemas (npm run docs:terraform)', () => {
    // in a child process: prettier loads its plugins with dynamic imports Jest's sandbox refuses
    const root = join(__dirname, '../../..');
    const check = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/terraform-docs.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
