/**
 * Prints the GraphQL schema (SDL, sorted) built from the resolvers, or writes
 * it to apps/api/schema.graphql with --write. The test suite fails when the
 * committed file and the running app's schema differ. Run from the built code
 * (`npm run graphql:schema`): code-first types need decorator metadata.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { RESOLVERS } from '../apps/api/src/graphql/resolvers';

export const SCHEMA_FILE = join(process.cwd(), 'apps', 'api', 'schema.graphql');

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  const schema = await app.get(GraphQLSchemaFactory).create(RESOLVERS);
  const sdl = `${printSchema(lexicographicSortSchema(schema))}\n`;
  await app.close();
  if (process.argv.includes('--write')) {
    writeFileSync(SCHEMA_FILE, sdl);
    console.log(`wrote ${SCHEMA_FILE}`);
  } else {
    process.stdout.write(sdl);
  }
}

void main();
