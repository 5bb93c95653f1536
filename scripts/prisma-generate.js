#!/usr/bin/env node
// Generates the Prisma client into libs/persistence/src/generated (run on install).
// `prisma generate` wants a native schema engine it would download; generation
// does not use it, so any existing file stands in (PRISMA_SCHEMA_ENGINE_BINARY).
const { spawnSync } = require('node:child_process');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const result = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: `${__dirname}/..`,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
