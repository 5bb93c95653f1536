import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildMirror, executablePath } from '../../../scripts/build-terraform-provider';

const ROOT = resolve(__dirname, '../../..');
const CACHE = join(ROOT, 'node_modules/.cache/kipam-terraform-provider');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Everything the executable is made of: a change to any of it is a new build. */
function sourceHash(): string {
  const hash = createHash('sha256').update(process.version);
  const inputs = [
    ...files(join(ROOT, 'apps/terraform-provider/src')),
    ...files(join(ROOT, 'apps/terraform-provider/proto')),
    ...files(join(ROOT, 'libs/cidr/src')),
    join(ROOT, 'scripts/build-terraform-provider.ts'),
    join(ROOT, 'package-lock.json'),
  ].sort();
  for (const file of inputs) hash.update(file).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The provider's filesystem mirror, built as `npm run build:terraform-provider`
 * builds it, once per source state: test files running in parallel wait for
 * one build (a lock directory) and later runs reuse it.
 */
export async function providerMirror(): Promise<{ mirror: string; executable: string }> {
  const mirror = join(CACHE, sourceHash());
  const executable = executablePath(mirror);
  if (existsSync(executable)) return { mirror, executable };
  mkdirSync(CACHE, { recursive: true });
  const lock = `${mirror}.lock`;
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(executable)) return { mirror, executable };
      // a build that died leaves its lock behind: take it over after two minutes
      if (waited > 120_000) {
        rmSync(lock, { recursive: true, force: true });
        waited = 0;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!existsSync(executable)) {
      const staging = `${mirror}.${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      await buildMirror(staging);
      renameSync(staging, mirror);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  for (const old of readdirSync(CACHE)) {
    if (/^[0-9a-f]{16}$/.test(old) && join(CACHE, old) !== mirror) rmSync(join(CACHE, old), { recursive: true, force: true });
  }
  return { mirror, executable };
}
