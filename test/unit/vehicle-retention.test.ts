// What the vehicle no longer needs leaves it, and leaves no trace in the files: a request cancelled on
// an earlier day, once city hall has the cancellation, loses its personal data and its questions; a
// certificate job that failed on an earlier day loses its document. Copies of the database and its WAL
// made after the sweep do not hold the sealed bytes that were there before.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../electron/core/clock';
import { checkpoint } from '../../electron/core/retention';
import type { TerminalCore } from '../../electron/core/terminal';
import { contractOn } from '../support/contract';
import { demoStaff, juminhyoRequest, makeCore, tempDir } from '../support/fixtures';
import { reachableHub } from '../support/reachable-hub';

let tmp: ReturnType<typeof tempDir>;
let core: TerminalCore;
let clock: ManualClock;
const { ok } = contractOn(() => core);

beforeEach(async () => {
  tmp = tempDir();
  ({ core, clock } = makeCore(tmp.dir, undefined, reachableHub()));
  await ok('signIn', demoStaff);
});
afterEach(async () => {
  await core.close();
  tmp.remove();
});

/** The database file and its WAL as someone copying them now would get them. */
function copiedFiles(): Buffer {
  const db = join(tmp.dir, 'terminal.sqlite3');
  const parts = [db, `${db}-wal`].filter((f) => existsSync(f)).map((f) => {
    const copy = join(tmp.dir, `copy-${f.split('/').pop()}`);
    copyFileSync(f, copy);
    return readFileSync(copy);
  });
  return Buffer.concat(parts);
}

describe('retention on the vehicle', () => {
  it('purges a cancelled request of an earlier day once city hall has it, and the files keep no trace', async () => {
    const { id } = await ok('createRequest', juminhyoRequest({ subject: { ...juminhyoRequest().subject, name: '消去 確認子' } }));
    await ok('cancelRequest', { id, reason: 'お客様の都合' });
    await core.sync!.syncNow();
    const sealed = core.db.prepare('SELECT personal_sealed FROM requests WHERE id = ?').pluck().get(id) as Buffer;
    expect(sealed.length).toBeGreaterThan(32);
    checkpoint(core.db);
    expect(copiedFiles().includes(sealed)).toBe(true);

    // The same day: kept (staff may still need it today).
    expect(core.retention.sweep()).toEqual({ requests: 0, printPayloads: 0 });
    clock.advance(24 * 3600_000);
    expect(core.retention.sweep()).toEqual({ requests: 1, printPayloads: 0 });
    expect(core.db.prepare('SELECT personal_sealed, identity_sealed FROM requests WHERE id = ?').get(id)).toEqual({ personal_sealed: null, identity_sealed: null });
    expect(core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'personal.purged'").pluck().get()).toBe(1);
    // Copies made now hold neither the sealed bytes nor a fragment of them.
    const files = copiedFiles();
    expect(files.includes(sealed)).toBe(false);
    expect(files.includes(sealed.subarray(8, 40))).toBe(false);
  });

  it('keeps a cancelled request whose cancellation has not reached city hall', async () => {
    ({ core, clock } = await (async () => {
      await core.close();
      return makeCore(join(tmp.dir, 'offline'));
    })());
    await ok('signIn', demoStaff);
    // Sent to city hall (queued: no network), then cancelled: both wait in the outbox.
    const { id } = await ok('createRequest', juminhyoRequest());
    await ok('checkIdentity', { id, identity: { documents: [{ kind: 'drivers_license', last4: '4321' }] } });
    await ok('showToResident', { id });
    await ok('confirmAsResident', { requestId: id }, 'resident');
    await ok('cancelRequest', { id, reason: 'お客様の都合' });
    expect(core.db.prepare('SELECT COUNT(*) FROM outbox WHERE request_id = ?').pluck().get(id)).toBeGreaterThan(0);
    clock.advance(24 * 3600_000);
    expect(core.retention.sweep().requests).toBe(0);
    expect(core.db.prepare('SELECT personal_sealed IS NOT NULL FROM requests WHERE id = ?').pluck().get(id)).toBe(1);
  });

  it('drops the document of a certificate job that failed on an earlier day', async () => {
    const now = clock.now().toISOString();
    const day = now.slice(0, 10);
    core.db.prepare(
      `INSERT INTO print_jobs (id, kind, request_id, day, state, payload_sealed, payload_sha256, copies, created_at, updated_at)
       VALUES ('job-failed-1', 'certificate', NULL, ?, 'failed', randomblob(4096), 'x', 1, ?, ?)`,
    ).run(day, now, now);
    const before = core.db.prepare("SELECT payload_sealed FROM print_jobs WHERE id = 'job-failed-1'").pluck().get() as Buffer;
    clock.advance(2 * 24 * 3600_000);
    expect(core.retention.sweep().printPayloads).toBe(1);
    expect((core.db.prepare("SELECT length(payload_sealed) FROM print_jobs WHERE id = 'job-failed-1'").pluck().get())).toBe(0);
    expect(copiedFiles().includes(before.subarray(0, 64))).toBe(false);
  });
});
