// The daily closes (日計表) at the hub on both stores: the close that rides an outing record is kept
// once with its lines, a close whose totals do not follow from its lines is refused with the record,
// and a month's closes and its fee summary by kind and method come back as the console shows them.
import { afterEach, describe, expect, it } from 'vitest';
import type { MoneyLine } from '../../protocol/daily-close';
import type { OutingRecordMessage } from '../../protocol/records';
import { closesOfMonth } from '../../hub/server/daily-closes';
import type { KyselyHubStore } from '../../hub/store/store';
import { makeClose } from '../support/daily-close';
import { openTestStore, testStore, vehicleSyncFor } from '../support/hub-store';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshStore(): Promise<KyselyHubStore> {
  const opened = await openTestStore(testStore);
  cleanups.push(() => opened.close());
  await opened.store.transaction((tx) => tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' }));
  return opened.store;
}

function syncFor(store: KyselyHubStore) {
  const { sync, close } = vehicleSyncFor(store);
  cleanups.push(close);
  return sync;
}

const cash = (item: string, amountYen: number, tenderedYen: number, sourceId: string, kind: 'fee' | 'goods' = 'fee'): MoneyLine => ({
  kind, item, quantity: 1, method: 'cash', amountYen, tenderedYen, changeYen: tenderedYen - amountYen, sourceId,
});
const cashless = (item: string, method: 'credit_card' | 'electronic_money' | 'qr_code', amountYen: number, sourceId: string, kind: 'fee' | 'goods' = 'fee'): MoneyLine => ({
  kind, item, quantity: 1, method, amountYen, tenderedYen: null, changeYen: 0, sourceId,
});

let seq = 0;
function record(o: { date: string; lines: MoneyLine[]; counted?: Parameters<typeof makeClose>[0]['counted']; reason?: string; terminalTotals?: Parameters<typeof makeClose>[0]['terminalTotals'] }): OutingRecordMessage {
  seq++;
  const outingId = `outing-close-${seq}`;
  const endedAt = `${o.date}T06:00:00.000Z`;
  return {
    type: 'outing.record', idempotencyKey: `key-close-${seq}-0000`, outingId, date: o.date, kind: 'other', place: null, staff: ['S1'],
    startedAt: `${o.date}T00:00:00.000Z`, endedAt, people: [], explained: 0, sales: [],
    close: makeClose({ outingId, closedAt: endedAt, lines: o.lines, ...(o.counted ? { counted: o.counted } : {}), reason: o.reason ?? null, ...(o.terminalTotals ? { terminalTotals: o.terminalTotals } : {}) }),
  };
}

describe(`daily closes (日計表) at the hub on ${testStore}`, () => {
  it('keeps each close once with its difference and reason, and sums a month’s fees by kind and method', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    const first = record({
      date: '2026-11-24',
      lines: [
        cash('juminhyo', 600, 1000, 'request-0001'),
        cashless('inkan', 'qr_code', 300, 'request-0002'),
        cash('粗大ごみ処理券', 700, 1000, 'sale-00000001', 'goods'),
        { kind: 'refund', item: 'juminhyo', quantity: 1, method: 'cash', amountYen: 300, tenderedYen: null, changeYen: 0, sourceId: 'request-0003' },
      ],
      // Expected 600 + 700 − 300 = 1000; counted 900.
      counted: { 500: 1, 100: 4 },
      reason: 'おつりを100円多く渡した',
      terminalTotals: { qr_code: 300 },
    });
    const second = record({ date: '2026-11-26', lines: [cash('juminhyo', 300, 300, 'request-0004'), cashless('nozei', 'credit_card', 300, 'request-0005')], counted: { 100: 3 }, terminalTotals: { credit_card: 300 } });
    const otherMonth = record({ date: '2026-12-01', lines: [cash('juminhyo', 300, 300, 'request-0006')], counted: { 100: 3 } });
    expect((await sync.deliver('car-1', { messages: [first, second, otherMonth] })).results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    // Delivered again, under its key or a new one: still one close.
    expect((await sync.deliver('car-1', { messages: [first, { ...first, idempotencyKey: 'key-close-again-01' }] })).results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);

    const view = await closesOfMonth(store, { month: '2026-11' });
    expect(view.closes.map((c) => [c.date, c.expectedYen, c.countedYen, c.differenceYen, c.reason])).toEqual([
      ['2026-11-24', 1000, 900, -100, 'おつりを100円多く渡した'],
      ['2026-11-26', 300, 300, 0, null],
    ]);
    expect(view.closes[0]!.cashless.find((c) => c.method === 'qr_code')).toEqual({ method: 'qr_code', count: 1, amountYen: 300, terminalYen: 300, differenceYen: 0, refundsYen: 0 });
    expect(view.summary).toEqual([
      { kind: 'fee', item: 'inkan', label: '印鑑登録証明書', method: 'qr_code', count: 1, quantity: 1, amountYen: 300 },
      { kind: 'fee', item: 'juminhyo', label: '住民票の写し', method: 'cash', count: 2, quantity: 2, amountYen: 900 },
      { kind: 'fee', item: 'nozei', label: expect.any(String), method: 'credit_card', count: 1, quantity: 1, amountYen: 300 },
      { kind: 'goods', item: '粗大ごみ処理券', label: '粗大ごみ処理券', method: 'cash', count: 1, quantity: 1, amountYen: 700 },
      { kind: 'refund', item: 'juminhyo', label: '住民票の写し', method: 'cash', count: 1, quantity: 1, amountYen: 300 },
    ]);
    expect(view.byMethod).toEqual([
      { method: 'cash', count: 3, amountYen: 1600, refundsYen: 300 },
      { method: 'credit_card', count: 1, amountYen: 300, refundsYen: 0 },
      { method: 'electronic_money', count: 0, amountYen: 0, refundsYen: 0 },
      { method: 'qr_code', count: 1, amountYen: 300, refundsYen: 0 },
    ]);
    expect(view.totals).toEqual({ feesYen: 1500, goodsYen: 700, refundsYen: 300, differenceYen: -100 });
    expect((await closesOfMonth(store, { month: '2026-12' })).closes).toHaveLength(1);
    await expect(closesOfMonth(store, { month: '2026-13' })).rejects.toThrow('月は YYYY-MM の形で指定してください（例 2026-11）。');

    const audit = await store.transaction((tx) => tx.listAudit({ action: 'outing.closed' }));
    expect(audit.map((a) => JSON.parse(a.detail))).toContainEqual({ outingId: first.outingId, expectedYen: 1000, countedYen: 900, differenceYen: -100 });
  });

  it('refuses a record whose close does not add up to its lines, and keeps neither the outing nor the close', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    const honest = record({ date: '2026-11-24', lines: [cash('juminhyo', 300, 1000, 'request-0001')], counted: { 100: 3 } });
    // The fee recorded as 300 but the close claims 1,300 was expected (and so no difference).
    const forged = { ...honest, close: { ...honest.close!, totals: { ...honest.close!.totals, feesYen: 1300 } } };
    const refused = await sync.deliver('car-1', { messages: [forged] });
    expect(refused.results[0]).toMatchObject({ status: 'rejected', code: 'MALFORMED_MESSAGE' });
    // A difference without a reason is refused the same way.
    const noReason = record({ date: '2026-11-24', lines: [cash('juminhyo', 300, 1000, 'request-0002')] });
    expect((await sync.deliver('car-1', { messages: [noReason] })).results[0]).toMatchObject({ status: 'rejected', code: 'MALFORMED_MESSAGE' });
    const view = await closesOfMonth(store, { month: '2026-11' });
    expect(view.closes).toEqual([]);
    expect(view.summary).toEqual([]);
    // The honest record is applied.
    expect((await sync.deliver('car-1', { messages: [{ ...honest, idempotencyKey: 'key-honest-0001' }] })).results[0]!.status).toBe('applied');
    expect((await closesOfMonth(store, { month: '2026-11' })).closes).toHaveLength(1);
  });

  it('applies a record queued before outings closed their money, with no close to keep', async () => {
    const store = await freshStore();
    const sync = syncFor(store);
    const legacy = { ...record({ date: '2026-11-20', lines: [] }), close: null };
    expect((await sync.deliver('car-1', { messages: [legacy] })).results[0]!.status).toBe('applied');
    expect((await closesOfMonth(store, { month: '2026-11' })).closes).toEqual([]);
    expect(await store.transaction((tx) => tx.listAudit({ action: 'outing.recorded' }))).toHaveLength(1);
  });
});
