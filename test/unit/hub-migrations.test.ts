import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { hubMigrations } from '../../hub/store/migrations';
import { openMigrationTarget, openTestStore, testStore } from '../support/hub-store';

/** A migration's number, by its name. */
const step = (name: string) => hubMigrations.find((m) => m.name === name)!.version;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function target(dialect: typeof testStore) {
  const t = await openMigrationTarget(dialect);
  cleanup = t.close;
  return t;
}

describe(`hub migration 001 (initial) on ${testStore}`, () => {
  const dialect = testStore;
  it('creates the tables with their constraints and an append-only audit log', async () => {
    const { db, migrateTo, version } = await target(dialect);
    await migrateTo(step('initial'));
    expect(await version()).toBe(1);
    const run = (text: string) => sql.raw(text).execute(db);
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('op', '職員', 'operator', 'scrypt$x', 't')");
    await expect(run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('x', 'x', 'mayor', 'h', 't')")).rejects.toThrow(/check/i);
    await run(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'relayed', '{}', 'S1', 't', 't', 't')",
    );
    await expect(
      run(
        "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r2', 'nope', 'A', 'd', 'k', 1, 0, 's', '{}', 'S', 't', 't', 't')",
      ),
    ).rejects.toThrow(/foreign key/i);
    await run("INSERT INTO applied_messages VALUES ('car-1', 'key-00000001', 'request.submit', '{}', 't')");
    await expect(run("INSERT INTO applied_messages VALUES ('car-1', 'key-00000001', 'request.submit', '{}', 't')")).rejects.toThrow(/unique|primary|duplicate key/i);
    await run("INSERT INTO inbox VALUES ('car-1', 1, 'decision', '{}', 't')");
    await expect(run("INSERT INTO inbox VALUES ('car-1', 1, 'decision', '{}', 't')")).rejects.toThrow(/unique|primary|duplicate key/i);
    await expect(run("INSERT INTO inbox VALUES ('car-1', 0, 'decision', '{}', 't')")).rejects.toThrow(/check/i);
    await run("INSERT INTO audit_log VALUES (1, 't', 'a', 'x', NULL, 'hub', '{}', '0', 'h')");
    await expect(run("UPDATE audit_log SET actor = 'b'")).rejects.toThrow(/append-only/);
    await expect(run('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    if (dialect === 'postgres') await expect(run('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    // Request events number themselves (rowid on SQLite, an identity column on PostgreSQL).
    await run("INSERT INTO request_events (request_id, event, step, actor, at) VALUES ('r1', 'RELAYED', 'relayed', 'S1', 't')");
    await run("INSERT INTO request_events (request_id, event, step, actor, at) VALUES ('r1', 'APPROVED', 'approved', 'op', 't')");
    expect((await sql.raw<{ id: number }>('SELECT id FROM request_events ORDER BY id').execute(db)).rows.map((r) => Number(r.id))).toEqual([1, 2]);
  });
});

describe(`hub migration 002 (decisions, documents, print jobs, reprints, dead letters) on ${testStore}`, () => {
  const dialect = testStore;
  it('keeps version-1 rows and adds the tables, tied to them by foreign keys', async () => {
    const { db, migrateTo, version } = await target(dialect);
    const run = (text: string) => sql.raw(text).execute(db);
    await migrateTo(step('initial'));
    await run("INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES ('car-1', 't', 'admin')");
    await run("INSERT INTO operators (id, display_name, role, password_hash, created_at) VALUES ('op', '職員', 'operator', 'scrypt$x', 't')");
    await run(
      "INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, staff_id, sent_at, received_at, updated_at) VALUES ('r1', 'car-1', 'A-001', '2026-11-24', 'juminhyo', 1, 300, 'relayed', '{\"k\":1}', 'S1', 't', 't', 't')",
    );

    await migrateTo(step('decisions_print'));
    expect(await version()).toBe(2);
    expect((await sql.raw('SELECT id, step, input FROM requests').execute(db)).rows).toEqual([{ id: 'r1', step: 'relayed', input: '{"k":1}' }]);

    await run("INSERT INTO decisions VALUES ('r1', 'approved', NULL, 'op', 't')");
    await expect(run("INSERT INTO decisions VALUES ('r1', 'rejected', 'x', 'op', 't')")).rejects.toThrow(/unique|primary|duplicate key/i);
    await expect(run("INSERT INTO decisions VALUES ('nope', 'maybe', NULL, 'op', 't')")).rejects.toThrow(/check|foreign key/i);
    const pdf = Buffer.from('%PDF');
    await sql`INSERT INTO documents VALUES ('d1', 'r1', 'juminhyo', 'S-0001', 'CODE1', ${pdf}, 'h', 't', 'op')`.execute(db);
    expect(Buffer.from((await sql<{ pdf: Uint8Array }>`SELECT pdf FROM documents`.execute(db)).rows[0]!.pdf)).toEqual(pdf);
    const job = (id: string, reprintOf: string | null) => sql`INSERT INTO print_jobs VALUES (${id}, 'r1', 'car-1', 'd1', 1, 'h', 'sig', ${reprintOf}, 2, 't', 'op')`.execute(db);
    await job('j1', null);
    await job('j2', 'j1');
    await expect(job('j3', 'j1')).rejects.toThrow(/unique|duplicate key/i);
    await run("INSERT INTO reprint_requests VALUES ('rp1', 'car-1', 'j1', 'r1', '紙詰まり', 'S1', 't', 't', 'pending', NULL, NULL, NULL)");
    await expect(run("INSERT INTO reprint_requests VALUES ('rp2', 'car-1', 'j1', 'r1', 'x', 'S1', 't', 't', 'pending', NULL, NULL, NULL)")).rejects.toThrow(/unique|duplicate key/i);
    await run("INSERT INTO dead_letters (vehicle_id, idempotency_key, code, problem, payload, received_at) VALUES ('car-1', NULL, 'MALFORMED_MESSAGE', 'fields=input', '{}', 't')");
    expect(Number((await sql.raw<{ n: number }>('SELECT COUNT(*) AS n FROM dead_letters').execute(db)).rows[0]!.n)).toBe(1);
    await expect(run("INSERT INTO questions VALUES ('q1', 'r1', '', 'op', 't')")).rejects.toThrow(/check/i);
  });
});

describe(`hub store on ${testStore}`, () => {
  const dialect = testStore;
  it('rolls a failed transaction back whole and keeps the audit chain verifiable; a hidden edit is found', async () => {
    const t = await openTestStore(dialect);
    cleanup = t.close;
    const { store } = t;
    await store.transaction(async (tx) => {
      await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      await tx.appendAudit({ actor: 'admin', action: 'vehicle.enroll', place: 'hub', detail: { vehicleId: 'car-1' } }, '2026-11-24T00:00:00.000Z');
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.appendAudit({ actor: 'admin', action: 'x', place: 'hub' }, 't');
        await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      }),
    ).rejects.toThrow(/unique|duplicate key/i);
    // Concurrent transactions do not interleave: per-vehicle inbox numbers stay 1..n.
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction((tx) => tx.appendInbox('car-1', 'question', `{"i":${i}}`, 't'))));
    const seqs = (await store.transaction((tx) => tx.listInbox('car-1', 0, 100))).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await store.transaction(async (tx) => tx.appendAudit({ actor: 'admin', action: 'y', place: 'hub' }, '2026-11-24T00:00:01.000Z'));
    expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 2 });
    await sql.raw('DROP TRIGGER audit_log_no_update' + (dialect === 'postgres' ? ' ON audit_log' : '')).execute(store.db);
    await sql.raw("UPDATE audit_log SET actor = 'someone' WHERE seq = 1").execute(store.db);
    expect(await store.transaction((tx) => tx.verifyAudit())).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('undoes a savepoint whole — its rows and its place in the audit chain — and the transaction goes on', async () => {
    const t = await openTestStore(dialect);
    cleanup = t.close;
    const { store } = t;
    await store.transaction(async (tx) => {
      await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
      await tx.appendAudit({ actor: 'admin', action: 'first', place: 'hub' }, 't1');
      await expect(
        tx.savepoint(async () => {
          await tx.appendInbox('car-1', 'question', '{}', 't');
          await tx.appendAudit({ actor: 'admin', action: 'undone', place: 'hub' }, 't2');
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      await tx.savepoint(async () => tx.appendAudit({ actor: 'admin', action: 'kept', place: 'hub' }, 't3'));
      expect(await tx.appendInbox('car-1', 'question', '{}', 't')).toBe(1);
    });
    expect((await store.transaction((tx) => tx.listAudit({}))).map((r) => [r.seq, r.action])).toEqual([[1, 'first'], [2, 'kept']]);
    expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 2 });
  });
});
