export * from './lease-engine';
