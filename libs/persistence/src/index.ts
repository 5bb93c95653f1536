export * from './connection';
export * from './database';
export * from './embedded-postgres';
export * from './migrator';
export * from './pg-errors';
export * from './subscription';
export * from './persistence.module';
