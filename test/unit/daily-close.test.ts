// The daily close (日計表) rule: expected cash, change, refunds, cashless against the terminal, the
// reason a difference needs — and the vehicle's computation and the hub's check agreeing on every close.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CloseInput, closeProblems, computeClose, countedYen, DailyClose, DENOMINATIONS, type MoneyLine,
} from '../../protocol/daily-close';
import { PaymentMethod } from '../../protocol/domain';
import { OutingRecordMessage } from '../../protocol/records';
import { makeClose, noCash, noTerminal } from '../support/daily-close';

const cashFee = (amountYen: number, tenderedYen: number, sourceId: string): MoneyLine => ({
  kind: 'fee', item: 'juminhyo', quantity: amountYen / 300, method: 'cash', amountYen, tenderedYen, changeYen: tenderedYen - amountYen, sourceId,
});
const cashless = (method: Exclude<PaymentMethod, 'cash'>, amountYen: number, sourceId: string, kind: 'fee' | 'goods' = 'fee'): MoneyLine => ({
  kind, item: kind === 'fee' ? 'inkan' : '粗大ごみ処理券', quantity: 1, method, amountYen, tenderedYen: null, changeYen: 0, sourceId,
});
const refund = (method: PaymentMethod, amountYen: number, sourceId: string): MoneyLine => ({
  kind: 'refund', item: 'juminhyo', quantity: 1, method, amountYen, tenderedYen: null, changeYen: 0, sourceId,
});

describe('the daily close rule', () => {
  it('expects the cash tendered less the change given and the cash refunds, and gives the difference from the count', () => {
    const lines: MoneyLine[] = [
      cashFee(600, 1000, 'request-01'),
      cashFee(300, 500, 'request-02'),
      { kind: 'goods', item: '粗大ごみ処理券', quantity: 2, method: 'cash', amountYen: 1400, tenderedYen: 2000, changeYen: 600, sourceId: 'sale-0001' },
      refund('cash', 300, 'request-02'),
    ];
    const t = computeClose(lines, { counted: { ...noCash(), 1000: 1, 500: 1, 100: 4 }, terminalTotals: noTerminal() });
    expect(t.cash).toEqual({ receivedYen: 3500, changeYen: 1200, refundsYen: 300, expectedYen: 2000, countedYen: 1900, differenceYen: -100 });
    expect(t.feesYen).toBe(900);
    expect(t.goodsYen).toBe(1400);
    expect(t.refundsYen).toBe(300);
    expect(t.byItem).toEqual([
      { kind: 'fee', item: 'juminhyo', method: 'cash', count: 2, quantity: 3, amountYen: 900 },
      { kind: 'goods', item: '粗大ごみ処理券', method: 'cash', count: 1, quantity: 2, amountYen: 1400 },
      { kind: 'refund', item: 'juminhyo', method: 'cash', count: 1, quantity: 1, amountYen: 300 },
    ]);
    expect(t.byMethod).toEqual([{ method: 'cash', count: 3, amountYen: 2300 }]);
  });

  it('checks each cashless method against the terminal total, and keeps a cashless refund out of the cash', () => {
    const lines = [cashless('qr_code', 300, 'request-01'), cashless('qr_code', 700, 'sale-00001', 'goods'), cashless('credit_card', 300, 'request-02'), refund('credit_card', 300, 'request-02')];
    const t = computeClose(lines, { counted: noCash(), terminalTotals: { credit_card: 300, electronic_money: 0, qr_code: 900 } });
    expect(t.cash.expectedYen).toBe(0);
    expect(t.cash.differenceYen).toBe(0);
    expect(t.cashless).toEqual([
      { method: 'credit_card', count: 1, amountYen: 300, refundsYen: 300, terminalYen: 300, differenceYen: 0 },
      { method: 'electronic_money', count: 0, amountYen: 0, refundsYen: 0, terminalYen: 0, differenceYen: 0 },
      { method: 'qr_code', count: 2, amountYen: 1000, refundsYen: 0, terminalYen: 900, differenceYen: -100 },
    ]);
  });

  it('counts cash by denomination', () => {
    expect(countedYen({ ...noCash(), 10000: 1, 5000: 1, 2000: 1, 1000: 1, 500: 1, 100: 1, 50: 1, 10: 1, 5: 1, 1: 1 })).toBe(18666);
    expect(DENOMINATIONS).toEqual([10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1]);
  });

  it('needs a reason for any difference in cash, and takes none when the cash agrees', () => {
    const lines = [cashFee(300, 300, 'request-01')];
    const short = computeClose(lines, { counted: noCash(), terminalTotals: noTerminal() });
    expect(closeProblems(short, { reason: null })).toEqual([{ path: 'reason', message: expect.stringContaining('過不足の理由を入力してください') }]);
    expect(closeProblems(short, { reason: '数え間違い' })).toEqual([]);
    expect(closeProblems(computeClose(lines, { counted: { ...noCash(), 100: 3 }, terminalTotals: noTerminal() }), { reason: null })).toEqual([]);
  });

  it('reads the staff input with Japanese messages naming the field', () => {
    const bad = CloseInput.safeParse({ counted: { ...noCash(), 1000: -1 }, reason: 'x'.repeat(201), terminalTotals: { ...noTerminal(), qr_code: 1.5 } });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message);
    expect(messages).toContain('千円札の枚数は0以上で入力してください。');
    expect(messages).toContain('過不足の理由は200文字以内で入力してください。');
    expect(messages).toContain('QRコード決済の端末の日計額は円単位の整数で入力してください。');
    // An empty reason is no reason.
    expect(CloseInput.parse({ counted: noCash(), reason: '  ', terminalTotals: noTerminal() }).reason).toBeNull();
  });

  it('is refused at the hub when its totals do not follow from its lines, or a difference has no reason', () => {
    const close = makeClose({ outingId: 'outing-0001', closedAt: '2026-11-24T06:00:00.000Z', lines: [cashFee(300, 500, 'request-01')], counted: { 100: 3 } });
    expect(DailyClose.safeParse(close).success).toBe(true);
    const forged = { ...close, totals: { ...close.totals, cash: { ...close.totals.cash, expectedYen: 200, differenceYen: 100 } } };
    expect(DailyClose.safeParse(forged).error?.issues.map((i) => i.path.join('.'))).toEqual(['totals']);
    const noReason = makeClose({ outingId: 'outing-0001', closedAt: '2026-11-24T06:00:00.000Z', lines: [cashFee(300, 500, 'request-01')] });
    expect(DailyClose.safeParse(noReason).error?.issues.map((i) => i.path.join('.'))).toEqual(['reason']);
  });

  it('agrees on both sides: every close the vehicle computes is one the hub accepts, and any changed total is refused', () => {
    const methods = PaymentMethod.options;
    const line = fc
      .record({
        kind: fc.constantFrom('fee' as const, 'goods' as const, 'refund' as const),
        method: fc.constantFrom(...methods),
        amountYen: fc.integer({ min: 0, max: 20_000 }),
        extra: fc.integer({ min: 0, max: 10_000 }),
        n: fc.integer({ min: 1, max: 999_999 }),
      })
      .map(({ kind, method, amountYen, extra, n }): MoneyLine => {
        const cash = method === 'cash' && kind !== 'refund';
        return {
          kind, item: kind === 'goods' ? '家電ごみ処理券' : 'nozei', quantity: 1, method, amountYen,
          tenderedYen: cash ? amountYen + extra : null, changeYen: cash ? extra : 0, sourceId: `source-${String(n).padStart(6, '0')}`,
        };
      });
    const counted = fc.record(Object.fromEntries(DENOMINATIONS.map((d) => [d, fc.integer({ min: 0, max: 50 })])) as Record<`${(typeof DENOMINATIONS)[number]}`, fc.Arbitrary<number>>);
    const terminal = fc.record({ credit_card: fc.integer({ min: 0, max: 50_000 }), electronic_money: fc.integer({ min: 0, max: 50_000 }), qr_code: fc.integer({ min: 0, max: 50_000 }) });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), counted, terminal, fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0), (lines, c, terminalTotals, delta) => {
        const input = { counted: c as unknown as ReturnType<typeof noCash>, terminalTotals };
        const totals = computeClose(lines, input);
        const reason = totals.cash.differenceYen === 0 ? null : '数え直しても合わない';
        const close = { outingId: 'outing-0001', closedAt: '2026-11-24T06:00:00.000Z', closedBy: 'S0001', ...input, reason, lines, totals };
        // The vehicle sends what it computed; the hub's parse of the record accepts it as it is.
        const record = {
          type: 'outing.record', idempotencyKey: 'key-outing-0001', outingId: 'outing-0001', date: '2026-11-24', kind: 'other', place: null, staff: ['S0001'],
          startedAt: '2026-11-24T00:00:00.000Z', endedAt: '2026-11-24T06:00:00.000Z', people: [], explained: 0, sales: [], close,
        };
        expect(OutingRecordMessage.parse(record).close!.totals).toEqual(totals);
        // The hub refuses any total changed by even one yen.
        const changed = { ...close, totals: { ...totals, cash: { ...totals.cash, countedYen: Math.max(0, totals.cash.countedYen + delta) } } };
        if (changed.totals.cash.countedYen !== totals.cash.countedYen) expect(OutingRecordMessage.safeParse({ ...record, close: changed }).success).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
