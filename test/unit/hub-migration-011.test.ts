import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateSqlite } from '../../hub/store/migrate';
import { hubMigrations } from '../../hub/store/migrations';
import { addOperator } from '../../hub/server/data-dir';
import { ManualClock } from '../../common/clock';
import { openMigrationTarget, openTestStore, testStore } from '../support/hub-store';

/** A migration's number, by its name. */
const step = (name: string) => hubMigrations.find((m) => m.name === name)!.version;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe(`hub migration 011 (planning role) on ${testStore}`, () => {
  it('keeps every operator and the rows that refer to them, and takes the planning role and no unknown one', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('records'));
    for (const [id, role] of [['op-1', 'operator'], ['co-1', 'consultant'], ['di-1', 'dispatcher'], ['ad-1', 'admin']]) {
      await sql`INSERT INTO operators (id, display_name, role, password_hash, active, created_at) VALUES (${id}, ${`職員 ${id}`}, ${role}, 'scrypt$x', ${id === 'co-1' ? 0 : 1}, 't')`.execute(db);
    }
    await run("INSERT INTO sessions VALUES ('hash-1', 'op-1', 'csrf', 't', 't', 't')");
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'approved', '{}', 'S1', 't', 't', 't')",
    );
    await run("INSERT INTO decisions VALUES ('r1', 'approved', NULL, 'op-1', 't')");
    await expect(run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('pl-0', '企画', 'planning', 'h', 't')")).rejects.toThrow(/check/i);

    await t.migrateTo(step('planning_role'));
    expect(await t.version()).toBe(step('planning_role'));
    const operators = await sql<{ id: string; role: string; active: number }>`SELECT id, role, active FROM operators ORDER BY id`.execute(db);
    expect(operators.rows.map((r) => ({ ...r, active: Number(r.active) }))).toEqual([
      { id: 'ad-1', role: 'admin', active: 1 }, { id: 'co-1', role: 'consultant', active: 0 }, { id: 'di-1', role: 'dispatcher', active: 1 }, { id: 'op-1', role: 'operator', active: 1 },
    ]);
    const joined = await run('SELECT s.token_hash, o.role FROM sessions s JOIN operators o ON o.id = s.operator_id');
    expect(joined.rows).toEqual([{ token_hash: 'hash-1', role: 'operator' }]);
    expect((await run('SELECT operator_id FROM decisions')).rows).toEqual([{ operator_id: 'op-1' }]);

    await run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('pl-1', '企画 花子', 'planning', 'scrypt$x', 't')");
    await expect(run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('x', 'x', 'mayor', 'h', 't')")).rejects.toThrow(/check/i);
    // The rebuilt table is still the one the others refer to, and foreign keys are on again.
    await run("INSERT INTO sessions VALUES ('hash-2', 'pl-1', 'csrf', 't', 't', 't')");
    await expect(run("INSERT INTO sessions VALUES ('hash-3', 'nobody', 'csrf', 't', 't', 't')")).rejects.toThrow(/foreign key/i);
    await expect(run("DELETE FROM operators WHERE id = 'op-1'")).rejects.toThrow(/foreign key/i);
  });

  it('adds a planning operator through the hub, as `hub operator-add --role planning` does', async () => {
    const opened = await openTestStore(testStore);
    cleanup = opened.close;
    await addOperator(opened.store, { id: 'kikaku', displayName: '企画 花子', role: 'planning', password: 'correct horse battery', actor: 'admin-cli' }, new ManualClock(new Date('2026-11-25T01:00:00Z')));
    const found = await opened.store.transaction((tx) => tx.getOperator('kikaku'));
    expect(found).toMatchObject({ id: 'kikaku', role: 'planning', active: true });
  });

  it('runs whole numbering only: a gap or a duplicate is refused', () => {
    const latest = hubMigrations.length;
    expect(hubMigrations.map((m) => m.version)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
    const db = new Database(':memory:');
    try {
      const withoutFive = hubMigrations.filter((m) => m.version !== 5);
      expect(() => migrateSqlite(db, withoutFive)).toThrow(/gap or duplicate at 6/);
      const twice = [...hubMigrations, { version: latest, name: 'again', sqlite: '', postgres: '' }];
      expect(() => migrateSqlite(db, twice)).toThrow(new RegExp(`gap or duplicate at ${latest}`));
      migrateSqlite(db);
      expect(db.pragma('user_version', { simple: true })).toBe(latest);
    } finally {
      db.close();
    }
  });
});
