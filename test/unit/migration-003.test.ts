import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db';
import { migrations } from '../../electron/core/migrations';
import { tempDir } from '../support/fixtures';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

describe('migration 003 (sync)', () => {
  it('keeps requests and waiting outbox messages of version 2, and adds the sync columns and tables', () => {
    tmp = tempDir();
    const db = new Database(join(tmp.dir, 't.sqlite3'));
    db.pragma('foreign_keys = ON');
    migrate(db, migrations, 2);
    expect(schemaVersion(db)).toBe(2);
    db.prepare(
      "INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, staff_id, created_at, updated_at) VALUES ('r1', '2026-11-24', '001', 'juminhyo', 1, 300, 'queued', 'S1', 't', 't')",
    ).run();
    db.prepare("INSERT INTO outbox (idempotency_key, request_id, kind, payload_sealed, created_at) VALUES ('key-00001', 'r1', 'request.submit', x'01', 't')").run();

    migrate(db, migrations, 3);
    expect(schemaVersion(db)).toBe(3);
    expect(db.prepare('SELECT idempotency_key, rejected_code, rejected_at FROM outbox').get()).toEqual({ idempotency_key: 'key-00001', rejected_code: null, rejected_at: null });
    expect(db.prepare('SELECT id, step, purged_at FROM requests').get()).toEqual({ id: 'r1', step: 'queued', purged_at: null });
    db.prepare("INSERT INTO hub_inbox_applied (seq, type, request_id, outcome, applied_at) VALUES (1, 'decision', 'r1', 'applied', 't')").run();
    expect(() => db.prepare("INSERT INTO hub_inbox_applied (seq, type, request_id, outcome, applied_at) VALUES (1, 'decision', 'r1', 'applied', 't')").run()).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare("INSERT INTO hub_questions (seq, request_id, text_sealed, operator_id, asked_at) VALUES (2, 'nope', x'00', 'O1', 't')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
