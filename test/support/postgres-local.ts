// A fresh PostgreSQL database per test file on a cluster started beforehand (URL in
// ODEKAKE_TEST_POSTGRES_URL, by default the private cluster on 127.0.0.1:55433), dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const adminUrl = () => process.env.ODEKAKE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55433/postgres';

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `odekake_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
