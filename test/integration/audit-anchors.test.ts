// The audit chains cannot be rewritten without trace. Someone with write access to the hub's database
// edits a record and recomputes every hash after it: the chain alone still verifies, but the hub's signed
// checkpoints do not — `odekake hub audit verify` names the record and the hub refuses to start. The
// same rewrite of a vehicle's log is found against the heads the hub recorded from it.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowHash, GENESIS_HASH } from '../../common/audit-chain';
import { AuditLog } from '../../electron/core/audit';
import { systemClock } from '../../electron/core/clock';
import { hubDatabaseLocation } from '../../hub/server/data-dir';
import { createPostgresKysely } from '../../hub/store/open';
import { cliPath } from '../support/host';
import { httpsCall, startTestHub, submitMessage, type TestHub, type VehicleTls } from '../support/hub';
import { tempDir } from '../support/fixtures';

let t: TestHub;
let car: VehicleTls;
let scratch: ReturnType<typeof tempDir>;
beforeAll(async () => {
  scratch = tempDir();
  t = await startTestHub();
  car = await t.enroll('car-a');
  for (const v of ['car-b', 'car-c']) await t.enroll(v);
});
afterAll(async () => {
  await t?.stop().catch(() => undefined);
  scratch.remove();
});

const cli = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, ODEKAKE_LOG_LEVEL: 'silent' } });

type Row = { seq: number; at: string; actor: string; action: string; request_id: string | null; place: string; detail: string };

/** Rewrites record `seq` of a chain and recomputes every hash from it on, as an attacker would. */
function rewritten(rows: Row[], seq: number, detail: string): { seq: number; detail: string; prev_hash: string; hash: string }[] {
  let prev = GENESIS_HASH;
  const out = [];
  for (const r of rows) {
    const d = r.seq === seq ? detail : r.detail;
    const hash = auditRowHash(prev, { seq: r.seq, at: r.at, actor: r.actor, action: r.action, requestId: r.request_id, place: r.place, detail: d });
    out.push({ seq: r.seq, detail: d, prev_hash: prev, hash });
    prev = hash;
  }
  return out.filter((r) => r.seq >= seq);
}

describe('anchored audit chains', () => {
  it('records the head of a vehicle’s chain that comes with its deliveries, once per change', async () => {
    const head = { seq: 12, hash: 'a'.repeat(64) };
    const send = (auditHead: typeof head) =>
      httpsCall(`${t.hub.url}/api/v1/vehicle/messages`, { body: { messages: [submitMessage()], auditHead }, tls: { cert: car.cert, key: car.key, ca: car.ca } });
    expect((await send(head)).status).toBe(200);
    expect((await send(head)).status).toBe(200);
    expect((await send({ seq: 15, hash: 'b'.repeat(64) })).status).toBe(200);
    const anchors = cli(['hub', 'audit', 'anchors', '--data', t.dataDir, '--vehicle', 'car-a']);
    expect(anchors.status, anchors.stderr).toBe(0);
    expect(JSON.parse(anchors.stdout)).toEqual([head, { seq: 15, hash: 'b'.repeat(64) }]);
  });

  it('finds a rewritten hub log whose hashes were all recomputed: the verify command names it and the hub does not start', async () => {
    await t.hub.stop();
    const before = cli(['hub', 'audit', 'verify', '--data', t.dataDir]);
    expect(before.status, before.stderr).toBe(0);

    const location = hubDatabaseLocation(t.dataDir);
    const target = 2;
    if (location.kind === 'sqlite') {
      const db = new Database(location.file);
      db.exec('DROP TRIGGER audit_log_no_update');
      const rows = db.prepare('SELECT seq, at, actor, action, request_id, place, detail FROM audit_log ORDER BY seq').all() as Row[];
      const update = db.prepare('UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      for (const r of rewritten(rows, target, '{"vehicleId":"car-z"}')) update.run(r.detail, r.prev_hash, r.hash, r.seq);
      db.close();
    } else {
      const db: Kysely<any> = createPostgresKysely(location.url);
      await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(db);
      const rows = (await sql<Row>`SELECT seq, at, actor, action, request_id, place, detail FROM audit_log ORDER BY seq`.execute(db)).rows;
      for (const r of rewritten(rows, target, '{"vehicleId":"car-z"}')) {
        await sql`UPDATE audit_log SET detail = ${r.detail}, prev_hash = ${r.prev_hash}, hash = ${r.hash} WHERE seq = ${r.seq}`.execute(db);
      }
      await db.destroy();
    }

    const check = cli(['hub', 'audit', 'verify', '--data', t.dataDir]);
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/監査ログが書き換えられています: \d+番目の記録（署名済みチェックポイントと鎖が合いません）/);
    await expect(startTestHub({ dataDir: t.dataDir })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
  });
});

describe('a vehicle chain against the heads the hub recorded', () => {
  it('passes as it is and is caught once rewritten with every hash recomputed, by the core and by `odekake audit verify`', () => {
    mkdirSync(join(scratch.dir, 'vehicle'));
    const file = join(scratch.dir, 'vehicle', 'terminal.sqlite3');
    const db = new Database(file);
    db.exec(`CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, request_id TEXT, place TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`);
    const log = new AuditLog(db, systemClock, 'car-a');
    const anchors: { seq: number; hash: string }[] = [];
    for (let i = 1; i <= 6; i++) {
      log.append({ actor: 'S0001', action: 'test.step', detail: { i } });
      if (i % 2 === 0) anchors.push(log.head()!);
    }
    expect(log.verifyAnchored(anchors)).toEqual({ ok: true, rows: 6 });
    const anchorsFile = join(scratch.dir, 'anchors.json');
    writeFileSync(anchorsFile, JSON.stringify(anchors));
    expect(cli(['audit', 'verify', '--data', join(scratch.dir, 'vehicle'), '--anchors', anchorsFile]).stdout).toContain('監査ログは正常です（6件、市役所の記録 3件と一致）');

    const rows = db.prepare('SELECT seq, at, actor, action, request_id, place, detail FROM audit_log ORDER BY seq').all() as Row[];
    const update = db.prepare('UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    for (const r of rewritten(rows, 3, '{"i":33}')) update.run(r.detail, r.prev_hash, r.hash, r.seq);
    expect(log.verify()).toEqual({ ok: true, rows: 6 });
    expect(log.verifyAnchored(anchors)).toMatchObject({ ok: false, brokenAt: 4, why: '市役所が記録した先頭と鎖が合いません' });
    db.close();
    const caught = cli(['audit', 'verify', '--data', join(scratch.dir, 'vehicle'), '--anchors', anchorsFile]);
    expect(caught.status).toBe(1);
    expect(caught.stderr).toContain('4番目の記録（市役所が記録した先頭と鎖が合いません）');
  });
});
