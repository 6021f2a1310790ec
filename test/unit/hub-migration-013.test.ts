import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
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

describe(`hub migration 013 (り災証明書, tax role) on ${testStore}`, () => {
  it('is step 13', () => {
    expect(step('risai')).toBe(13);
  });

  it('keeps every operator and the rows that refer to them, takes the tax role and no unknown one, and adds the application tables', async () => {
    const t = await openMigrationTarget(testStore);
    cleanup = t.close;
    const { db } = t;
    const run = (text: string) => sql.raw(text).execute(db);
    await t.migrateTo(step('audit_checkpoints'));
    for (const [id, role] of [['op-1', 'operator'], ['pl-1', 'planning'], ['ad-1', 'admin']]) {
      await sql`INSERT INTO operators (id, display_name, role, password_hash, active, created_at) VALUES (${id}, ${`職員 ${id}`}, ${role}, 'scrypt$x', 1, 't')`.execute(db);
    }
    await run("INSERT INTO sessions VALUES ('hash-1', 'op-1', 'csrf', 't', 't', 't')");
    await expect(run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('tx-0', '税務', 'tax', 'h', 't')")).rejects.toThrow(/check/i);

    await t.migrateTo(step('risai'));
    expect(await t.version()).toBe(step('risai'));
    const operators = await sql<{ id: string; role: string }>`SELECT id, role FROM operators ORDER BY id`.execute(db);
    expect(operators.rows).toEqual([{ id: 'ad-1', role: 'admin' }, { id: 'op-1', role: 'operator' }, { id: 'pl-1', role: 'planning' }]);
    expect((await run('SELECT s.token_hash, o.role FROM sessions s JOIN operators o ON o.id = s.operator_id')).rows).toEqual([{ token_hash: 'hash-1', role: 'operator' }]);
    await run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('tx-1', '税務 花子', 'tax', 'scrypt$x', 't')");
    await expect(run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('x', 'x', 'mayor', 'h', 't')")).rejects.toThrow(/check/i);
    await run("INSERT INTO sessions VALUES ('hash-2', 'tx-1', 'csrf', 't', 't', 't')");
    await expect(run("INSERT INTO sessions VALUES ('hash-3', 'nobody', 'csrf', 't', 't', 't')")).rejects.toThrow(/foreign key/i);

    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO risai_disasters VALUES ('d-000001', '台風', 'storm_flood', '2023-09-08', '平', 1, 't', 'admin')");
    await expect(run("INSERT INTO risai_disasters VALUES ('d-000002', '噴火', 'eruption', '2023-09-08', '平', 0, 't', 'admin')")).rejects.toThrow(/check/i);
    await run(
      "INSERT INTO risai_applications VALUES ('a-000001', 'car-1', 'R1125-001', 'd-000001', '平', 'on_site', '{}', 'received', NULL, 0, NULL, 'S1', 't', 't', 't')",
    );
    await expect(run("UPDATE risai_applications SET status = 'lost'")).rejects.toThrow(/check/i);
    await expect(run("UPDATE risai_applications SET grade = 'quarter'")).rejects.toThrow(/check/i);
    await expect(sql`INSERT INTO risai_chunks VALUES ('no-photo', 0, 'x', ${Buffer.from([0])}, 't')`.execute(db)).rejects.toThrow(/foreign key/i);
  });

  it('adds a tax operator through the hub, as `hub operator-add --role tax` does', async () => {
    const opened = await openTestStore(testStore);
    cleanup = opened.close;
    await addOperator(opened.store, { id: 'zeimu', displayName: '税務 花子', role: 'tax', password: 'correct horse battery', actor: 'admin-cli' }, new ManualClock(new Date('2026-11-25T01:00:00Z')));
    expect(await opened.store.transaction((tx) => tx.getOperator('zeimu'))).toMatchObject({ id: 'zeimu', role: 'tax', active: true });
  });
});
