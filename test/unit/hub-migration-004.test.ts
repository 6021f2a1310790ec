import { chmodSync } from 'node:fs';
import { sql } from 'kysely';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { hubMigrations } from '../../hub/store/migrations';
import { openSqliteHubStore } from '../../hub/store/open';
import { tempDir } from '../support/fixtures';
import { openMigrationTarget, testStore } from '../support/hub-store';

/** A migration's number, by its name. */
const step = (name: string) => hubMigrations.find((m) => m.name === name)!.version;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe(`hub migration 004 (consultation records) on ${testStore}`, () => {
  const dialect = testStore;
  it('keeps version-3 rows and adds call records tied to vehicles and operators, with consistent times and outcomes', async () => {
    const t = await openMigrationTarget(dialect);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('insurance_link'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('sato', '佐藤', 'consultant', 'scrypt$x', 't')");
    await sql`INSERT INTO insurance_link_challenges (id, vehicle_id, challenge, created_at, expires_at) VALUES ('ch-00000001', 'car-1', ${Buffer.alloc(32)}, 't0', 't1')`.execute(db);

    await t.migrateTo(step('consultations'));
    expect(await t.version()).toBe(4);
    expect((await run('SELECT id FROM insurance_link_challenges')).rows).toEqual([{ id: 'ch-00000001' }]);

    const insert = (id: string, vehicle: string, department: string, consultant: string | null, connected: string | null, ended: string | null, outcome: string | null) =>
      sql`INSERT INTO consultations (id, vehicle_id, staff_id, department, consultant_id, called_at, connected_at, ended_at, outcome) VALUES (${id}, ${vehicle}, 'S1', ${department}, ${consultant}, 't0', ${connected}, ${ended}, ${outcome})`.execute(db);
    await insert('call-0001', 'car-1', 'pension', 'sato', 't1', 't2', 'completed');
    await insert('call-0002', 'car-1', 'pension', null, null, null, null);
    await expect(insert('call-0003', 'car-x', 'pension', null, null, null, null)).rejects.toThrow(/foreign key/i);
    await expect(insert('call-0004', 'car-1', 'pension', 'nobody', 't1', null, null)).rejects.toThrow(/foreign key/i);
    await expect(insert('call-0005', 'car-1', 'tax', null, null, null, null)).rejects.toThrow(/check/i);
    // Ended and outcome go together; connected and consultant go together.
    await expect(insert('call-0006', 'car-1', 'pension', null, null, 't2', null)).rejects.toThrow(/check/i);
    await expect(insert('call-0007', 'car-1', 'pension', 'sato', null, null, null)).rejects.toThrow(/check/i);
    await expect(insert('call-0008', 'car-1', 'pension', null, null, 't2', 'lost')).rejects.toThrow(/check/i);
  });
});

describe('a hub SQLite file made before the store ran on two dialects', () => {
  it('opens at version 4 with its rows, its audit chain intact, and takes new writes', async () => {
    const tmp = tempDir();
    cleanup = async () => tmp.remove();
    const file = join(tmp.dir, 'hub.sqlite3');
    // The shipped version-4 schema, made the way the previous store made it.
    const old = new Database(file);
    for (const m of hubMigrations) {
      old.exec(m.sqlite);
      old.pragma(`user_version = ${m.version}`);
    }
    old.prepare("INSERT INTO vehicles (id, enrolled_at, enrolled_by, inbox_acked_seq) VALUES ('car-1', 't', 'admin', 2)").run();
    old.prepare("INSERT INTO inbox VALUES ('car-1', 1, 'decision', '{}', 't'), ('car-1', 2, 'decision', '{}', 't')").run();
    old.close();
    // The hub refuses a database others can read; an administrator upgrading would chmod it first.
    chmodSync(file, 0o600);

    const store = openSqliteHubStore(file);
    try {
      expect(await store.transaction((tx) => tx.getVehicle('car-1'))).toMatchObject({ id: 'car-1', inboxAckedSeq: 2, revokedAt: null });
      expect(await store.transaction((tx) => tx.appendInbox('car-1', 'question', '{}', 't'))).toBe(3);
      await store.transaction((tx) => tx.appendAudit({ actor: 'admin', action: 'x', place: 'hub' }, 't'));
      expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 1 });
    } finally {
      await store.close();
    }
  });
});
