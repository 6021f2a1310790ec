// The test run's PostgreSQL cluster: a database per caller, isolated from the others, gone once dropped.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const made: TestDatabase[] = [];
afterAll(async () => {
  for (const d of made) await d.drop();
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the test PostgreSQL cluster', () => {
  it('gives each caller its own empty database, reachable on 127.0.0.1 only', async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    made.push(a, b);
    expect(new URL(a.url).hostname).toBe('127.0.0.1');
    expect(a.url).not.toBe(b.url);
    await query(a.url, 'CREATE TABLE marker (n int); INSERT INTO marker VALUES (1)');
    expect(await query(a.url, 'SELECT n FROM marker')).toEqual([{ n: 1 }]);
    await expect(query(b.url, 'SELECT n FROM marker')).rejects.toThrow(/marker/);
  });

  it('drops a database even while a connection to it is open', async () => {
    const d = await createTestDatabase();
    const holder = new pg.Client({ connectionString: d.url });
    holder.on('error', () => undefined);
    await holder.connect();
    await d.drop();
    await expect(query(d.url, 'SELECT 1')).rejects.toThrow(/does not exist/);
    await holder.end().catch(() => undefined);
  });
});
