export * from './lease-engine';
export * from './lease-errors';
export * from './lease-types';
