// The store's open notices read a page at a time: `afterSeq` skips what an earlier page of the same
// pull returned, and handled notices never come back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyHubStore } from '../../hub/store/store';
import { openTestStore, testStore } from '../support/hub-store';

let store: KyselyHubStore;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ store, close } = await openTestStore(testStore));
});
afterEach(async () => close());

const notice = (i: number) => ({
  id: `notice-${i}`, dedupeKey: `confirmation:b-${i}:created`, bookingId: `b-${i}`, audience: 'relay' as const, kind: 'confirmation', channel: 'line',
  externalId: `L-${i}`, message: 'ご予約を承りました。', contact: null, createdAt: '2026-11-25T01:00:00.000Z',
});

describe(`open notices by page on ${testStore}`, () => {
  it('answers the open notices after a seq, oldest first, and leaves out handled ones', async () => {
    await store.transaction(async (tx) => {
      for (let i = 1; i <= 5; i++) await tx.insertNotice(notice(i));
    });
    const all = await store.transaction((tx) => tx.listOpenNotices('relay', 100));
    expect(all.map((n) => n.id)).toEqual(['notice-1', 'notice-2', 'notice-3', 'notice-4', 'notice-5']);
    const page = await store.transaction((tx) => tx.listOpenNotices('relay', 2, all[1]!.seq));
    expect(page.map((n) => n.id)).toEqual(['notice-3', 'notice-4']);
    await store.transaction((tx) => tx.handleNotices('relay', ['notice-4'], 'intake:ik-0123456789abcdef', '2026-11-25T02:00:00.000Z'));
    expect((await store.transaction((tx) => tx.listOpenNotices('relay', 100, all[1]!.seq))).map((n) => n.id)).toEqual(['notice-3', 'notice-5']);
    expect(await store.transaction((tx) => tx.listOpenNotices('callback', 100, 0))).toEqual([]);
  });
});
