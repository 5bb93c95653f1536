/**
 * The swc options of the build and of Jest: `.swcrc` plus the path aliases of
 * tsconfig.json (`@kipam/*`, declared there only), which swc rewrites to
 * relative imports.
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');

function swcOptions() {
  const { $schema: _schema, ...swcrc } = JSON.parse(readFileSync(resolve(ROOT, '.swcrc'), 'utf8'));
  const { baseUrl, paths } = JSON.parse(readFileSync(resolve(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions;
  return { ...swcrc, jsc: { ...swcrc.jsc, baseUrl: resolve(ROOT, baseUrl), paths } };
}

module.exports = { swcOptions };
