// A delivery batch applied with one statement per table: the store's batch methods on both dialects,
// the same answers and records as message by message, and one application when the same batch
// reaches two hub processes on one PostgreSQL database at once.
import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyHubStore } from '../../hub/store/store';
import type { RequestRow } from '../../hub/store/types';
import { eventMessage, submitMessage } from '../support/hub';
import { openTestStore, testStore, vehicleSyncFor } from '../support/hub-store';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshStore() {
  const opened = await openTestStore(testStore);
  cleanups.push(() => opened.close());
  await opened.store.transaction((tx) => tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' }));
  return opened;
}

function syncFor(store: KyselyHubStore) {
  const { sync, close } = vehicleSyncFor(store);
  cleanups.push(close);
  return sync;
}

const request = (id: string, step: RequestRow['step'] = 'relayed'): RequestRow => ({
  id, vehicleId: 'car-1', number: 'A-001', day: '2026-11-25', kind: 'juminhyo', copies: 1, feeYen: 300, step,
  input: '{}', identity: null, staffId: 'S1', sentAt: 't', receivedAt: 't', updatedAt: 't',
});

describe('the store’s batch methods', () => {
  it('writes and reads many rows at once, in order, and keeps the audit chain one chain', async () => {
    const { store } = await freshStore();
    await store.transaction(async (tx) => {
      await tx.appendAudit({ actor: 'system', action: 'test.before', place: 'hub' }, 't0');
      await tx.insertRequests([request('req-1'), request('req-2'), request('req-3')]);
      await tx.setRequestSteps([{ id: 'req-1', step: 'cancelled', at: 't1' }, { id: 'req-3', step: 'cancelled', at: 't2' }]);
      await tx.insertRequestEvents(['E1', 'E2', 'E3', 'E4'].map((event, i) => ({ requestId: `req-${(i % 2) + 1}`, event, step: 'relayed' as const, actor: 'S1', at: 't', reason: null })));
      await tx.appendAudits([1, 2, 3].map((i) => ({ entry: { actor: 'S1', action: 'test.batch', requestId: `req-${i}`, place: 'car-1', detail: { i } }, at: `t${i}` })));
      await tx.appendAudit({ actor: 'system', action: 'test.after', place: 'hub' }, 't9');
      await tx.insertAppliedMessages(['k1', 'k2'].map((k) => ({ vehicleId: 'car-1', idempotencyKey: k, messageType: 'request.submit', result: `{"k":"${k}"}`, appliedAt: 't' })));
      // Nothing to write is no statement at all.
      await tx.insertRequests([]);
      await tx.appendAudits([]);
      await tx.insertAppliedMessages([]);
    });
    const read = await store.transaction(async (tx) => ({
      requests: await tx.getRequests(['req-1', 'req-3', 'req-missing']),
      none: await tx.getRequests([]),
      applied: await tx.getAppliedMessages('car-1', ['k2', 'k3', 'k1']),
      events: await tx.listRequestEvents(['req-1', 'req-2']),
      audit: await tx.listAudit({}),
      verdict: await tx.verifyAudit(),
    }));
    expect(read.requests.map((r) => [r.id, r.step, r.updatedAt]).sort()).toEqual([['req-1', 'cancelled', 't1'], ['req-3', 'cancelled', 't2']]);
    expect(read.none).toEqual([]);
    expect(read.applied.map((r) => r.idempotencyKey).sort()).toEqual(['k1', 'k2']);
    expect(read.events.map((e) => e.event)).toEqual(['E1', 'E2', 'E3', 'E4']);
    expect(read.audit.map((r) => [r.seq, r.action, r.at])).toEqual([
      [1, 'test.before', 't0'], [2, 'test.batch', 't1'], [3, 'test.batch', 't2'], [4, 'test.batch', 't3'], [5, 'test.after', 't9'],
    ]);
    expect(read.verdict).toEqual({ ok: true, rows: 5 });
  });

  it('writes more rows than one statement holds', async () => {
    const { store } = await freshStore();
    const ids = Array.from({ length: 1203 }, (_, i) => `req-many-${i}`);
    await store.transaction(async (tx) => {
      await tx.insertRequests(ids.map((id) => request(id)));
      await tx.appendAudits(ids.map((id) => ({ entry: { actor: 'S1', action: 'test.many', requestId: id, place: 'car-1' }, at: 't' })));
    });
    expect(await store.transaction((tx) => tx.getRequests(ids))).toHaveLength(1203);
    expect(await store.transaction((tx) => tx.verifyAudit())).toEqual({ ok: true, rows: 1203 });
  });
});

describe('a delivery batch', () => {
  it('applies submits and steps together with the records one by one would leave', async () => {
    const { store } = await freshStore();
    const sync = syncFor(store);
    const earlier = submitMessage({ requestId: 'req-earlier' });
    expect((await sync.deliver('car-1', { messages: [earlier] })).results[0]).toMatchObject({ status: 'applied' });
    const fresh = submitMessage({ requestId: 'req-fresh' });
    const batch = [
      fresh,
      eventMessage('req-fresh', 'CANCELLED'),
      eventMessage('req-earlier', 'CANCELLED'),
      earlier, // a key applied in an earlier batch
      { ...fresh }, // the same key again within this batch
      submitMessage({ requestId: 'req-fresh', key: 'key-resent-fresh' }), // the request again under a new key
    ];
    const { results } = await sync.deliver('car-1', { messages: batch });
    expect(results.map((r) => [r.idempotencyKey, r.status])).toEqual([
      [fresh.idempotencyKey, 'applied'],
      ['key-cancelled-req-fresh', 'applied'],
      ['key-cancelled-req-earlier', 'applied'],
      [earlier.idempotencyKey, 'duplicate'],
      [fresh.idempotencyKey, 'duplicate'],
      ['key-resent-fresh', 'duplicate'],
    ]);
    const after = await store.transaction(async (tx) => ({
      requests: await tx.getRequests(['req-fresh', 'req-earlier']),
      events: await tx.listRequestEvents(['req-fresh', 'req-earlier']),
      audit: await tx.listAudit({}),
      verdict: await tx.verifyAudit(),
      applied: await tx.getAppliedMessages('car-1', batch.map((m) => m.idempotencyKey)),
      dead: await tx.listDeadLetters(10),
    }));
    expect(after.requests.map((r) => [r.id, r.step]).sort()).toEqual([['req-earlier', 'cancelled'], ['req-fresh', 'cancelled']]);
    expect(after.events.map((e) => [e.requestId, e.event, e.step])).toEqual([
      ['req-earlier', 'RELAYED', 'relayed'], ['req-fresh', 'RELAYED', 'relayed'], ['req-fresh', 'CANCELLED', 'cancelled'], ['req-earlier', 'CANCELLED', 'cancelled'],
    ]);
    expect(after.audit.map((r) => [r.action, r.requestId])).toEqual([
      ['request.relayed', 'req-earlier'], ['request.relayed', 'req-fresh'], ['request.cancelled', 'req-fresh'], ['request.cancelled', 'req-earlier'],
    ]);
    expect(after.verdict).toEqual({ ok: true, rows: 4 });
    expect(after.applied.map((r) => [r.idempotencyKey, JSON.parse(r.result).status]).sort()).toEqual([
      [earlier.idempotencyKey, 'applied'], [fresh.idempotencyKey, 'applied'], ['key-cancelled-req-earlier', 'applied'], ['key-cancelled-req-fresh', 'applied'], ['key-resent-fresh', 'duplicate'],
    ].sort());
    expect(after.dead).toEqual([]);
  });

  it('answers a batch with refused messages among good ones as message by message, with their dead letters and audit records', async () => {
    const { store } = await freshStore();
    const sync = syncFor(store);
    const a = submitMessage({ requestId: 'req-alpha' });
    const b = submitMessage({ requestId: 'req-bravo' });
    const batch = [a, eventMessage('req-alpha', 'PRINTED'), b, eventMessage('req-unknown', 'CANCELLED'), eventMessage('req-bravo', 'CANCELLED')];
    const { results } = await sync.deliver('car-1', { messages: batch });
    expect(results).toEqual([
      { idempotencyKey: a.idempotencyKey, status: 'applied' },
      { idempotencyKey: 'key-printed-req-alpha', status: 'rejected', code: 'ILLEGAL_EVENT', message: expect.any(String) },
      { idempotencyKey: b.idempotencyKey, status: 'applied' },
      { idempotencyKey: 'key-cancelled-req-unknown', status: 'rejected', code: 'UNKNOWN_REQUEST', message: expect.any(String) },
      { idempotencyKey: 'key-cancelled-req-bravo', status: 'applied' },
    ]);
    const after = await store.transaction(async (tx) => ({
      audit: await tx.listAudit({}),
      verdict: await tx.verifyAudit(),
      dead: await tx.listDeadLetters(10),
      requests: await tx.getRequests(['req-alpha', 'req-bravo']),
    }));
    expect(after.audit.map((r) => r.action)).toEqual(['request.relayed', 'message.rejected', 'request.relayed', 'message.rejected', 'request.cancelled']);
    expect(after.verdict).toMatchObject({ ok: true });
    expect(after.dead.map((d) => [d.idempotencyKey, d.code]).sort()).toEqual([['key-cancelled-req-unknown', 'UNKNOWN_REQUEST'], ['key-printed-req-alpha', 'ILLEGAL_EVENT']]);
    expect(after.requests.map((r) => [r.id, r.step]).sort()).toEqual([['req-alpha', 'relayed'], ['req-bravo', 'cancelled']]);
    // Sent again, the refused ones are refused again and the applied ones answered as before.
    const again = await sync.deliver('car-1', { messages: batch });
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'rejected', 'duplicate', 'rejected', 'duplicate']);
  });
});
