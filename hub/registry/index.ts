export * from './schema';
export * from './registry';
export { FixtureRegistry, defaultRegistryDir } from './fixture-registry';
