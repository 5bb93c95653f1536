#!/usr/bin/env node
/**
 * The swc CLI with the options of scripts/swc-options.js (the path aliases of
 * tsconfig.json): `node scripts/swc.js <swc arguments>`, as `npm run build` does.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { swcOptions } = require('./swc-options');

const dir = mkdtempSync(join(tmpdir(), 'kipam-swc-'));
try {
  const config = join(dir, '.swcrc');
  writeFileSync(config, JSON.stringify(swcOptions()));
  const cli = require.resolve('@swc/cli/bin/swc.js');
  const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2), '--config-file', config], { stdio: 'inherit' });
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
