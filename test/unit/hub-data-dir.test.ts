// Where a hub's database is: the SQLite file in its data folder, or the PostgreSQL URL `hub init --db`
// recorded there (0600) — found by every later command, overridden by `--db`.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enrollVehicle, hubDatabaseLocation, hubPaths, initHub, openHubStore } from '../../hub/server/data-dir';
import { tempDir } from '../support/fixtures';
import { createTestDatabase } from '../support/hub-store';

const password = 'a-long-admin-password';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function folder() {
  const tmp = tempDir('odekake-hubdir-');
  cleanups.push(() => tmp.remove());
  return join(tmp.dir, 'hub');
}

describe('the hub data folder and its database', () => {
  it('keeps the records in a SQLite file in the folder when no database is given', async () => {
    const dataDir = folder();
    await initHub({ dataDir, adminPassword: password });
    expect(existsSync(hubPaths(dataDir).database)).toBe(true);
    expect(existsSync(hubPaths(dataDir).databaseUrl)).toBe(false);
    expect(hubDatabaseLocation(dataDir)).toEqual({ kind: 'sqlite', file: hubPaths(dataDir).database });
  });

  it('records a PostgreSQL URL readable by its owner only, and later commands find the database through it', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const dataDir = folder();
    await initHub({ dataDir, adminPassword: password, db: database.url });
    const paths = hubPaths(dataDir);
    expect(existsSync(paths.database)).toBe(false);
    expect(statSync(paths.databaseUrl).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(paths.databaseUrl, 'utf8'))).toEqual({ url: database.url });

    // `vehicle enroll` without --db writes to that database.
    const out = join(dataDir, '..', 'car-1');
    await enrollVehicle({ dataDir, vehicleId: 'car-1', outDir: out, actor: 'test' });
    const store = await openHubStore(dataDir);
    try {
      expect(store.dialect).toBe('postgres');
      expect(await store.transaction((tx) => tx.getVehicle('car-1'))).toMatchObject({ id: 'car-1', revokedAt: null });
      expect((await store.transaction((tx) => tx.listOperators())).map((o) => o.id)).toEqual(['admin']);
      expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 2 });
    } finally {
      await store.close();
    }
  });

  it('refuses a recorded URL others can read, and one that is not a PostgreSQL URL', async () => {
    const dataDir = folder();
    await initHub({ dataDir, adminPassword: password });
    const file = hubPaths(dataDir).databaseUrl;
    writeFileSync(file, JSON.stringify({ url: 'postgres://hub:secret@127.0.0.1:5432/hub' }), { mode: 0o640 });
    chmodSync(file, 0o640);
    expect(() => hubDatabaseLocation(dataDir)).toThrow(expect.objectContaining({ code: 'DATABASE_URL_FILE_READABLE' }));
    chmodSync(file, 0o600);
    expect(hubDatabaseLocation(dataDir)).toEqual({ kind: 'postgres', url: 'postgres://hub:secret@127.0.0.1:5432/hub' });
    writeFileSync(file, JSON.stringify({ url: 'mysql://hub@127.0.0.1/hub' }));
    expect(() => hubDatabaseLocation(dataDir)).toThrow(expect.objectContaining({ code: 'DATABASE_URL_FILE_INVALID' }));
    // --db wins over what the folder records.
    expect(hubDatabaseLocation(dataDir, 'postgresql://other@127.0.0.1:5432/hub2')).toEqual({ kind: 'postgres', url: 'postgresql://other@127.0.0.1:5432/hub2' });
    expect(() => hubDatabaseLocation(dataDir, 'not a url')).toThrow(expect.objectContaining({ code: 'INVALID_DATABASE_URL' }));
  });

  it('refuses to make a second hub in a database that already holds one, and leaves no folder behind', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    await initHub({ dataDir: folder(), adminPassword: password, db: database.url });
    const second = folder();
    await expect(initHub({ dataDir: second, adminPassword: password, db: database.url })).rejects.toMatchObject({ code: 'HUB_EXISTS' });
    expect(existsSync(second)).toBe(false);
  });

  it('names an unreachable database without its password', async () => {
    const dataDir = folder();
    const error = await initHub({ dataDir, adminPassword: password, db: 'postgres://hub:s3cret-pw@127.0.0.1:1/hub' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNREACHABLE' });
    expect((error as Error).message).not.toContain('s3cret-pw');
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect(existsSync(dataDir)).toBe(false);
  });
});
