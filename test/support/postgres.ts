// The hub's two stores in tests. Every hub test file runs twice — in the `sqlite` project and in the
// `postgres` project (vitest.config.ts), which sets ODEKAKE_TEST_STORE — and a test gets its database
// from here: a fresh database on the run's PostgreSQL cluster, or nothing (SQLite in the data folder).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export type TestStore = 'sqlite' | 'postgres';

export const testStore: TestStore = process.env.ODEKAKE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export function postgresAdminUrl(): string {
  const url = inject('postgresAdminUrl');
  if (!url) throw new Error('the PostgreSQL cluster of this test run is not running (vitest globalSetup)');
  return url;
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test run's cluster. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  await asAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The `db` option for initHub/startHub in this project: a new PostgreSQL database, or undefined for SQLite. */
export async function testHubDatabase(): Promise<TestDatabase | null> {
  return testStore === 'postgres' ? createTestDatabase() : null;
}
