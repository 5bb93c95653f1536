import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDatabase } from '@kipam/persistence';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs prisma/migrate.ts check against the test server; returns [exit code, output]. */
function check(env: Record<string, string> = {}): [number, string] {
  try {
    const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'prisma/migrate.ts', 'check'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: withDatabase(process.env.KIPAM_TEST_SERVER_URL!, 'postgres'), ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return [0, out];
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return [e.status, `${e.stdout}${e.stderr}`];
  }
}

describe('Migrations', () => {
  it('agree with prisma/schema.prisma', () => {
    const [code, output] = check();
    expect(output).toContain('agree');
    expect(code).toBe(0);
  });

  it('fail the check when schema.prisma changes without a migration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kipam-schema-'));
    try {
      const schema = join(dir, 'schema.prisma');
      copyFileSync(join(ROOT, 'prisma', 'schema.prisma'), schema);
      writeFileSync(schema, readFileSync(schema, 'utf8').replace('model Domain {', 'model Domain {\n  drifted String?'));
      const [code, output] = check({ KIPAM_PRISMA_SCHEMA: schema });
      expect(code).toBe(1);
      expect(output).toMatch(/ALTER TABLE "domain" ADD COLUMN\s+"drifted" TEXT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
