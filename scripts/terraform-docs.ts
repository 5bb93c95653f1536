/** Rewrites docs/terraform.md from the provider's schemas (`npm run docs:terraform`); `--check` fails when it is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { terraformDocs } from '../apps/terraform-provider/src/docs';

export const DOCS_PATH = join(__dirname, '../docs/terraform.md');

export async function renderTerraformDocs(): Promise<string> {
  return format(terraformDocs(), { parser: 'markdown', filepath: DOCS_PATH });
}

async function main(): Promise<void> {
  const text = await renderTerraformDocs();
  if (process.argv.includes('--check')) {
    if (readFileSync(DOCS_PATH, 'utf8') !== text) {
      process.stderr.write('docs/terraform.md is stale: run npm run docs:terraform\n');
      process.exit(1);
    }
    return;
  }
  writeFileSync(DOCS_PATH, text);
}

if (require.main === module) void main();
