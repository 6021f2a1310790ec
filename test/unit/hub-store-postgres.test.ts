// Two hub processes on one PostgreSQL database, as two stores (two pools) in one test: what each gives
// out must never be given twice, and a delivery that reaches both at once is applied once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresHubStore } from '../../hub/store/open';
import type { KyselyHubStore } from '../../hub/store/store';
import type { HubTx } from '../../hub/store/types';
import { ManualClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import { InProcessBus } from '../../hub/server/bus';
import { PushHub } from '../../hub/server/push';
import { HubSealer } from '../../hub/server/sealing';
import { VehicleSync } from '../../hub/server/vehicle-sync';
import { eventMessage, submitMessage } from '../support/hub';
import { createTestDatabase } from '../support/hub-store';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let a: KyselyHubStore;
let b: KyselyHubStore;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  database = await createTestDatabase();
  // Both start at once on an empty database: the migrations run once, behind their lock.
  [a, b] = await Promise.all([openPostgresHubStore(database.url), openPostgresHubStore(database.url)]);
  await a.transaction((tx) => tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' }));
}, 30_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

describe('two hub processes on one PostgreSQL database', () => {
  it('never gives an inbox number twice, and numbers a vehicle’s inbox 1..n', async () => {
    const appends = Array.from({ length: 60 }, (_, i) =>
      (i % 2 ? a : b).transaction(async (tx) => {
        const seq = await tx.appendInbox('car-1', 'question', `{"i":${i}}`, 't');
        // Work after the number is taken keeps the other process waiting on it, not reading around it.
        await sleep(i % 5);
        return seq;
      }),
    );
    const seqs = await Promise.all(appends);
    expect(new Set(seqs).size).toBe(60);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await b.transaction((tx) => tx.latestInboxSeq('car-1'))).toBe(60);
  });

  it('keeps the audit log one chain when both append at once', async () => {
    await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        (i % 2 ? a : b).transaction(async (tx) => {
          await tx.appendAudit({ actor: i % 2 ? 'process-a' : 'process-b', action: 'test.append', place: 'hub', detail: { i } }, `2026-11-25T00:00:${String(i % 60).padStart(2, '0')}.000Z`);
          await sleep(i % 3);
          await tx.appendAudit({ actor: 'system', action: 'test.second', place: 'hub' }, 't');
        }),
      ),
    );
    const verdict = await a.transaction((tx) => tx.verifyAudit());
    expect(verdict).toEqual({ ok: true, rows: 160 });
    const rows = await b.transaction((tx) => tx.listAudit({ action: 'test.append' }));
    expect(new Set(rows.map((r) => JSON.parse(r.detail).i)).size).toBe(80);
  });

  it('applies an idempotency key once when the same delivery reaches both processes at the same moment', async () => {
    // What the hub's delivery does per message: look the key up, apply, record the key — in a savepoint.
    const deliver = (store: KyselyHubStore, key: string, requestId: string) =>
      store.transaction(async (tx: HubTx) =>
        tx.savepoint(async () => {
          if (await tx.getAppliedMessage('car-1', key)) return 'duplicate' as const;
          await sleep(10); // widen the window between the look-up and the write
          await tx.insertRequest({
            id: requestId, vehicleId: 'car-1', number: 'A-001', day: '2026-11-25', kind: 'juminhyo', copies: 1, feeYen: 300, step: 'relayed',
            input: '{}', identity: null, staffId: 'S1', sentAt: 't', receivedAt: 't', updatedAt: 't',
          });
          await tx.insertRequestEvent({ requestId, event: 'RELAYED', step: 'relayed', actor: 'S1', at: 't', reason: null });
          await tx.appendAudit({ actor: 'S1', action: 'request.relayed', requestId, place: 'car-1' }, 't');
          await tx.insertAppliedMessage({ vehicleId: 'car-1', idempotencyKey: key, messageType: 'request.submit', result: '{}', appliedAt: 't' });
          return 'applied' as const;
        }),
      );
    for (let i = 0; i < 15; i++) {
      const key = `key-race-${String(i).padStart(4, '0')}`;
      const answers = await Promise.all([deliver(a, key, `req-race-${i}`), deliver(b, key, `req-race-${i}`)]);
      expect([...answers].sort()).toEqual(['applied', 'duplicate']);
      expect(await a.transaction((tx) => tx.listRequestEvents([`req-race-${i}`]))).toHaveLength(1);
      expect(await b.transaction((tx) => tx.listAudit({ requestId: `req-race-${i}` }))).toHaveLength(1);
    }
    expect(await a.transaction((tx) => tx.verifyAudit())).toMatchObject({ ok: true });
  });

  it('applies a delivery batch once when it reaches both processes at the same moment', async () => {
    await a.transaction((tx) => tx.insertVehicle({ id: 'car-batch', enrolledAt: 't', enrolledBy: 'admin' }));
    const syncs = [a, b].map((store) => {
      const clock = new ManualClock();
      const sealer = new HubSealer(randomBytes(32));
      return new VehicleSync({ store, clock, log: silentLogger, sealer, push: new PushHub({ store, bus: new InProcessBus(silentLogger), log: silentLogger, clock, sealer }) });
    });
    for (let round = 0; round < 5; round++) {
      const submits = Array.from({ length: 40 }, (_, i) => submitMessage({ requestId: `req-batch-${round}-${i}` }));
      const batch = [...submits, ...submits.map((s) => eventMessage(s.requestId, 'CANCELLED'))];
      const [x, y] = await Promise.all(syncs.map((sync) => sync.deliver('car-batch', { messages: batch })));
      // One process applies the whole batch; the other waits on the vehicle's lock and finds every key applied.
      expect([x!, y!].map((r) => [...new Set(r.results.map((m) => m.status))]).sort()).toEqual([['applied'], ['duplicate']]);
      expect(y!.results.map((m) => m.idempotencyKey)).toEqual(batch.map((m) => m.idempotencyKey));
      const ids = submits.map((s) => s.requestId);
      expect(await a.transaction((tx) => tx.listRequestEvents(ids))).toHaveLength(80);
      expect(await b.transaction((tx) => tx.getAppliedMessages('car-batch', batch.map((m) => m.idempotencyKey)))).toHaveLength(80);
      const audit = await b.transaction((tx) => tx.listAudit({}));
      expect(audit.filter((r) => r.requestId?.startsWith(`req-batch-${round}-`))).toHaveLength(80);
    }
    expect(await a.transaction((tx) => tx.verifyAudit())).toMatchObject({ ok: true });
  });

  it('gives numbers, pdf bytes and flags back as the SQLite store does', async () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);
    await a.transaction(async (tx) => {
      await tx.insertOperator({ id: 'op-1', displayName: '職員', role: 'operator', passwordHash: 'x', active: true, createdAt: 't' });
      await tx.insertRequest({
        id: 'req-doc', vehicleId: 'car-1', number: 'A-002', day: '2026-11-25', kind: 'juminhyo', copies: 2, feeYen: 600, step: 'approved',
        input: '{}', identity: null, staffId: 'S1', sentAt: 't', receivedAt: 't', updatedAt: 't',
      });
      await tx.insertDocument({ id: 'doc-1', requestId: 'req-doc', kind: 'juminhyo', serial: 'S-1', verificationCode: 'V-1', pdf, sha256: 'h', issuedAt: 't', issuedBy: 'op-1' });
    });
    const doc = await b.transaction((tx) => tx.getDocumentForRequest('req-doc'));
    expect(doc!.pdf).toBeInstanceOf(Uint8Array);
    expect([...doc!.pdf]).toEqual([...pdf]);
    expect(await b.transaction((tx) => tx.getOperator('op-1'))).toMatchObject({ active: true });
    expect(await b.transaction((tx) => tx.getRequest('req-doc'))).toMatchObject({ copies: 2, feeYen: 600 });
    const id = await b.transaction((tx) => tx.insertDeadLetter({ vehicleId: 'car-1', idempotencyKey: null, code: 'X', problem: 'p', payload: '{}', receivedAt: 't' }));
    expect(typeof id).toBe('number');
    expect(await a.transaction((tx) => tx.interruptOpenConsultations('t'))).toBe(0);
  });
});
