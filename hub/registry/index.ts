export * from './schema';
export * from './registry';
export * from './normalize';
export { FixtureRegistry, defaultRegistryDir } from './fixture-registry';
