// vitest globalSetup: one PostgreSQL cluster for the whole test run; each test file makes its own
// databases on it (test/support/postgres.ts), so files running in parallel never share data.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgresCluster({ fast: true });
  project.provide('postgresAdminUrl', cluster.adminUrl);
  return () => cluster.stop();
}
