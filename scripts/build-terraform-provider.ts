/**
 * Builds the Terraform provider kipam/kipam as a filesystem mirror:
 *
 *   <out>/registry.terraform.io/kipam/kipam/<version>/linux_amd64/terraform-provider-kipam_v<version>
 *
 * The file is a Node.js single executable application (the provider bundled
 * by esbuild into one script, injected into a copy of this Node binary with
 * postject): it runs on a machine without Node.js. `--out DIR` (default
 * dist/terraform-mirror); `--bundle-only` stops after the bundle (the
 * protocol tests run it with node).
 *
 *   npm run build:terraform-provider
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..');
const APP = join(ROOT, 'apps/terraform-provider');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export const PROVIDER_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Terraform's name for this machine's platform (linux_amd64, darwin_arm64, …). */
export function terraformPlatform(): string {
  const cpu = ({ x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' } as Record<string, string>)[arch()] ?? arch();
  const os = platform() === 'win32' ? 'windows' : platform();
  return `${os}_${cpu}`;
}

export function executablePath(mirror: string): string {
  return join(
    mirror,
    'registry.terraform.io/kipam/kipam',
    PROVIDER_VERSION,
    terraformPlatform(),
    `terraform-provider-kipam_v${PROVIDER_VERSION}`,
  );
}

/** The provider as one CommonJS script (protos inlined). */
export async function bundle(outFile: string): Promise<void> {
  const protos = Object.fromEntries(
    ['tfplugin6.proto', 'go-plugin.proto', 'health.proto'].map((name) => [name, readFileSync(join(APP, 'proto', name), 'utf8')]),
  );
  await build({
    entryPoints: [join(APP, 'src/main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    tsconfig: join(ROOT, 'tsconfig.json'),
    define: { KIPAM_PROTOS: JSON.stringify(protos) },
    logLevel: 'warning',
  });
}

/** Bundle, SEA blob, a copy of node with the blob injected: the mirror's executable. */
export async function buildMirror(mirror: string): Promise<string> {
  const work = join(mirror, '.build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const script = join(work, 'provider.cjs');
  await bundle(script);
  const blob = join(work, 'provider.blob');
  const seaConfig = join(work, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }));
  const blobbed = spawnSync(process.execPath, ['--experimental-sea-config', seaConfig], { encoding: 'utf8' });
  if (blobbed.status !== 0) throw new Error(`node --experimental-sea-config failed: ${blobbed.stderr}`);

  const target = executablePath(mirror);
  mkdirSync(join(target, '..'), { recursive: true });
  const partial = `${target}.partial`;
  copyFileSync(process.execPath, partial);
  chmodSync(partial, 0o755);
  // postject's CLI in a child process: its ELF library prints harmless section warnings
  const postject = require.resolve('postject/dist/cli.js');
  const injected = spawnSync(process.execPath, [postject, partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], {
    encoding: 'utf8',
  });
  if (injected.status !== 0) throw new Error(`postject failed (${injected.status}): ${injected.stderr}${injected.stdout}`);
  renameSync(partial, target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

async function cli(): Promise<void> {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = resolve(outIndex >= 0 ? args[outIndex + 1] : join(ROOT, 'dist/terraform-mirror'));
  if (args.includes('--bundle-only')) {
    mkdirSync(out, { recursive: true });
    await bundle(join(out, 'provider.cjs'));
    process.stdout.write(`${join(out, 'provider.cjs')}\n`);
    return;
  }
  const started = Date.now();
  const target = await buildMirror(out);
  process.stdout.write(`${target} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

if (require.main === module) {
  cli().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
