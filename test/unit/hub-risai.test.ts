// り災証明書 at the hub, on both stores: the application applied once however often it arrives, each
// chunk checked and written once (duplicates, out of order, at the same time), a photo whole only when
// its sha256 matches, the application complete only when every photo is; the tax department's queue
// moves along the one transition table, every read audited; counts per disaster and district.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import { PHOTO_CHUNK_BYTES, type PhotoMeta, type RisaiApplicationMessage } from '../../protocol/disaster';
import { InProcessBus } from '../../hub/server/bus';
import { HubSealer } from '../../hub/server/sealing';
import { PushHub } from '../../hub/server/push';
import { addDisaster, RisaiService } from '../../hub/server/risai';
import type { KyselyHubStore } from '../../hub/store/store';
import { openTestStore, testStore, vehicleSyncFor } from '../support/hub-store';
import { fakeJpeg, risaiApplication, sha256 } from '../support/risai';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const clock = new ManualClock(new Date('2026-11-25T01:00:00.000Z'));

async function setUp() {
  const opened = await openTestStore(testStore);
  cleanups.push(() => opened.close());
  const store = opened.store;
  await store.transaction(async (tx) => {
    await tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' });
    await tx.insertVehicle({ id: 'car-2', enrolledAt: 't', enrolledBy: 'admin' });
  });
  const { sync, close } = vehicleSyncFor(store);
  cleanups.push(close);
  const push = new PushHub({ store, bus: new InProcessBus(silentLogger), log: silentLogger, clock, sealer: new HubSealer(randomBytes(32)) });
  cleanups.push(() => push.closeAll());
  const risai = new RisaiService({ store, clock, log: silentLogger, push });
  const typhoon = await addDisaster(store, { name: '令和5年台風第13号', kind: 'storm_flood', date: '2023-09-08', area: '平・内郷', selfAssessment: true }, 'admin', clock);
  const quake = await addDisaster(store, { name: '福島県沖地震', kind: 'earthquake', date: '2022-03-16', area: '市内全域', selfAssessment: false }, 'admin', clock);
  return { store, sync, risai, typhoon, quake };
}

let n = 0;
function photo(bytes: number, seed: number): { meta: PhotoMeta; data: Buffer } {
  const data = fakeJpeg(1600, 1200, bytes, seed);
  return { meta: { id: `photo-${seed}-${++n}-xxxx`, takenAt: '2026-11-25T09:00:00+09:00', bytes, sha256: sha256(data), width: 1600, height: 1200 }, data };
}

function message(disasterId: string, photos: PhotoMeta[], over: Partial<RisaiApplicationMessage> = {}): RisaiApplicationMessage {
  const id = over.applicationId ?? `app-${++n}-risai`;
  return {
    type: 'risai.application', idempotencyKey: `key-${id}`, applicationId: id, number: 'R1125-001', input: risaiApplication(disasterId), photos,
    staffId: 'S0001', takenAt: '2026-11-25T09:05:00+09:00', ...over,
  };
}

const chunkOf = (data: Buffer, i: number) => {
  const part = data.subarray(i * PHOTO_CHUNK_BYTES, (i + 1) * PHOTO_CHUNK_BYTES);
  return { sha256: createHash('sha256').update(part).digest('hex'), data: part };
};

async function audits(store: KyselyHubStore, action: string) {
  return store.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', action).execute();
}

describe(`り災証明書 at the hub on ${testStore}`, () => {
  it('applies an application once under any key, and refuses an unknown disaster or 自己判定方式 where it is not allowed', async () => {
    const { store, sync, typhoon, quake } = await setUp();
    const p = photo(150_000, 1);
    const m = message(typhoon.id, [p.meta]);
    expect((await sync.deliver('car-1', { messages: [m] })).results[0]!.status).toBe('applied');
    expect((await sync.deliver('car-1', { messages: [m] })).results[0]!.status).toBe('duplicate');
    // The same application again under a new key (re-queued on the vehicle): still one.
    expect((await sync.deliver('car-1', { messages: [{ ...m, idempotencyKey: 'key-again-0001' }] })).results[0]!.status).toBe('duplicate');
    // Another vehicle with the same id is a conflict, not a takeover.
    expect((await sync.deliver('car-2', { messages: [{ ...m, idempotencyKey: 'key-other-0001' }] })).results[0]).toMatchObject({ status: 'rejected', code: 'REQUEST_ID_CONFLICT' });
    expect((await sync.deliver('car-1', { messages: [message('disaster-nowhere', [p.meta])] })).results[0]).toMatchObject({ status: 'rejected', code: 'UNKNOWN_DISASTER' });
    expect((await sync.deliver('car-1', { messages: [message(quake.id, [p.meta])] })).results[0]).toMatchObject({ status: 'rejected', code: 'MALFORMED_MESSAGE' });
    const rows = await store.db.selectFrom('risai_applications').select(['id', 'status', 'complete_at']).execute();
    expect(rows).toEqual([{ id: m.applicationId, status: 'received', complete_at: null }]);
    const received = await audits(store, 'risai.received');
    expect(received).toHaveLength(1);
    // The audit holds ids and counts, never the applicant.
    expect(JSON.stringify(received)).not.toContain('春子');
  });

  it('writes each chunk once whatever arrives twice, out of order or at the same time, and completes the application with identical bytes', async () => {
    const { store, sync, risai, typhoon } = await setUp();
    const a = photo(3 * PHOTO_CHUNK_BYTES + 1234, 2);
    const b = photo(PHOTO_CHUNK_BYTES, 3);
    const m = message(typhoon.id, [a.meta, b.meta]);
    await sync.deliver('car-1', { messages: [m] });
    expect(await risai.progress('car-1', a.meta.id)).toEqual({ photoId: a.meta.id, chunks: 4, received: [], complete: false, applicationComplete: false });
    // Another vehicle cannot see or fill this vehicle's photo.
    await expect(risai.progress('car-2', a.meta.id)).rejects.toMatchObject({ code: 'UNKNOWN_PHOTO' });
    await expect(risai.chunk('car-2', a.meta.id, 0, chunkOf(a.data, 0))).rejects.toMatchObject({ code: 'UNKNOWN_PHOTO' });

    await risai.chunk('car-1', a.meta.id, 2, chunkOf(a.data, 2));
    // The same chunk five times at once (a link that duplicates requests, two hub processes on PostgreSQL).
    await Promise.all(Array.from({ length: 5 }, () => risai.chunk('car-1', a.meta.id, 0, chunkOf(a.data, 0))));
    await risai.chunk('car-1', a.meta.id, 2, chunkOf(a.data, 2));
    expect((await risai.progress('car-1', a.meta.id)).received).toEqual([0, 2]);
    // A chunk whose bytes do not match its hash, or of the wrong length, is refused and not kept.
    await expect(risai.chunk('car-1', a.meta.id, 1, { ...chunkOf(a.data, 1), sha256: '0'.repeat(64) })).rejects.toMatchObject({ code: 'BAD_CHUNK' });
    await expect(risai.chunk('car-1', a.meta.id, 1, chunkOf(a.data, 3))).rejects.toMatchObject({ code: 'BAD_CHUNK' });
    await expect(risai.chunk('car-1', a.meta.id, 9, chunkOf(a.data, 1))).rejects.toMatchObject({ code: 'BAD_CHUNK' });
    await risai.chunk('car-1', a.meta.id, 3, chunkOf(a.data, 3));
    const last = await risai.chunk('car-1', a.meta.id, 1, chunkOf(a.data, 1));
    expect(last).toMatchObject({ complete: true, applicationComplete: false, received: [0, 1, 2, 3] });
    // Not in the tax department's queue until every photo is there.
    expect(await risai.list({})).toEqual([]);
    const done = await Promise.all([risai.chunk('car-1', b.meta.id, 0, chunkOf(b.data, 0)), risai.chunk('car-1', b.meta.id, 0, chunkOf(b.data, 0))]);
    expect(done.map((d) => d.applicationComplete)).toEqual([true, true]);
    // Once whole, a late duplicate changes nothing.
    expect(await risai.chunk('car-1', a.meta.id, 1, chunkOf(a.data, 1))).toMatchObject({ complete: true, applicationComplete: true });

    const photos = await store.db.selectFrom('risai_photos').select(['id', 'chunks', 'chunk_writes', 'data']).orderBy('position').execute();
    expect(photos.map((p) => [p.chunks, Number(p.chunk_writes)])).toEqual([[4, 4], [1, 1]]);
    expect(photos.map((p) => sha256(Buffer.from(p.data!)))).toEqual([a.meta.sha256, b.meta.sha256]);
    expect(await store.db.selectFrom('risai_chunks').selectAll().execute()).toEqual([]);
    expect(await audits(store, 'risai.complete')).toHaveLength(1);
    expect(await risai.list({})).toMatchObject([{ id: m.applicationId, status: 'received', photos: 2, complete: true, area: '平' }]);
  });

  it('drops a photo whose whole does not match its sha256, so the vehicle sends it again', async () => {
    const { store, sync, risai, typhoon } = await setUp();
    const a = photo(PHOTO_CHUNK_BYTES + 10, 4);
    const wrong = { ...a.meta, sha256: sha256(Buffer.from('another photo')) };
    await sync.deliver('car-1', { messages: [message(typhoon.id, [wrong])] });
    await risai.chunk('car-1', a.meta.id, 0, chunkOf(a.data, 0));
    expect(await risai.chunk('car-1', a.meta.id, 1, chunkOf(a.data, 1))).toMatchObject({ complete: false, received: [] });
    expect(await store.db.selectFrom('risai_chunks').selectAll().execute()).toEqual([]);
    expect(await audits(store, 'risai.photo_mismatch')).toHaveLength(1);
  });

  it('moves an application along the table with the grade, refuses other moves, audits reads, and counts by disaster and district', async () => {
    const { store, sync, risai, typhoon } = await setUp();
    const a = photo(20_000, 5);
    const selfAssessed = message(typhoon.id, [a.meta]);
    const onSite = message(typhoon.id, [], { input: { ...risaiApplication(typhoon.id), survey: 'on_site', property: { ...risaiApplication(typhoon.id).property, district: '内郷' } } });
    await sync.deliver('car-1', { messages: [selfAssessed, onSite] });
    // No photos: complete on arrival. With a photo: not yet, and it cannot move.
    await expect(risai.move(selfAssessed.applicationId, { to: 'judged', grade: 'semi_half' }, 'tax-1')).rejects.toMatchObject({ code: 'RISAI_INCOMPLETE' });
    await risai.chunk('car-1', a.meta.id, 0, chunkOf(a.data, 0));

    expect(await risai.move(selfAssessed.applicationId, { to: 'judged', grade: 'semi_half' }, 'tax-1')).toMatchObject({ status: 'judged', grade: 'semi_half' });
    await expect(risai.move(onSite.applicationId, { to: 'judged', grade: 'half' }, 'tax-1')).rejects.toMatchObject({ code: 'ILLEGAL_STATUS', message: '現地調査を希望する申請は、調査のあとで判定してください。' });
    await expect(risai.move(onSite.applicationId, { to: 'issued' }, 'tax-1')).rejects.toMatchObject({ code: 'ILLEGAL_STATUS' });
    await risai.move(onSite.applicationId, { to: 'scheduling' }, 'tax-1');
    await risai.move(onSite.applicationId, { to: 'surveyed' }, 'tax-1');
    await expect(risai.move(onSite.applicationId, { to: 'judged' }, 'tax-1')).rejects.toMatchObject({ code: 'ILLEGAL_STATUS', message: '判定（全壊〜一部損壊）を選んでください。' });
    await risai.move(onSite.applicationId, { to: 'judged', grade: 'large_half' }, 'tax-1');
    await risai.move(onSite.applicationId, { to: 'issued' }, 'tax-1');

    expect((await risai.list({ status: 'issued' })).map((s) => s.id)).toEqual([onSite.applicationId]);
    expect((await risai.list({ area: '平' })).map((s) => s.id)).toEqual([selfAssessed.applicationId]);
    expect(await risai.list({ disasterId: 'disaster-other-1' })).toEqual([]);

    const detail = await risai.detail(onSite.applicationId, 'tax-1');
    expect(detail.input.applicant.name).toBe('小名浜 春子');
    expect(detail.history.map((h) => [h.status, h.grade])).toEqual([['received', null], ['scheduling', null], ['surveyed', null], ['judged', 'large_half'], ['issued', null]]);
    const jpeg = await risai.photo(selfAssessed.applicationId, a.meta.id, 'tax-1');
    expect(sha256(jpeg)).toBe(a.meta.sha256);
    expect((await audits(store, 'risai.viewed')).map((r) => r.actor)).toEqual(['tax-1']);
    expect(await audits(store, 'risai.photo_viewed')).toHaveLength(1);

    const counts = await risai.counts();
    expect(counts.rows.map((r) => [r.disasterName, r.area, r.status, r.grade, r.count])).toEqual([
      ['令和5年台風第13号', '内郷', 'issued', 'large_half', 1],
      ['令和5年台風第13号', '平', 'judged', 'semi_half', 1],
    ]);
  });
});
