import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../native/printer/receipt-document';
import { layoutReceipt, tokyoDateTime } from '../../native/printer/receipts';
import { makeClose } from '../support/daily-close';

const fee = {
  type: 'fee_receipt' as const,
  receiptNumber: 'R-0042',
  issuedAt: '2026-11-24T01:05:00.000Z',
  items: [{ kind: 'juminhyo' as const, copies: 2, unitFeeYen: 300 }],
  totalYen: 600,
  paymentMethod: 'cash' as const,
  tenderedYen: 1000,
  changeYen: 400,
  staffId: 'S001',
};

const lines = (d: ReturnType<typeof layoutReceipt>) => d.lines.flatMap((l) => (l.type === 'text' ? [l.text] : []));

describe('receipt layouts', () => {
  it('puts city, date in Tokyo time, kind label, copies, amount in full-width ￥, payment, change, number and staff on a 領収書', () => {
    const t = lines(layoutReceipt(fee));
    expect(t[0]).toBe('いわき市');
    expect(t).toContain('領　収　書');
    expect(t).toContain('令和8年11月24日(火) 10:05');
    expect(t).toContain('住民票の写し');
    expect(t.some((l) => l.includes('￥３００ × ２通') && l.endsWith('￥６００'))).toBe(true);
    expect(t.some((l) => l.startsWith('お支払い方法') && l.endsWith('現金'))).toBe(true);
    expect(t.some((l) => l.startsWith('お預かり') && l.endsWith('￥１，０００'))).toBe(true);
    expect(t.some((l) => l.startsWith('おつり') && l.endsWith('￥４００'))).toBe(true);
    expect(t).toContain('領収番号 R-0042');
    expect(t).toContain('担当 S001');
    expect(t.join()).not.toContain('再発行');
  });

  it('marks a reprint 再発行', () => {
    expect(lines(layoutReceipt({ ...fee, reprint: true }))).toContain('＊＊ 再発行 ＊＊');
  });

  it('keeps every line within the paper width (48 columns, full-width counted as two)', () => {
    for (const l of layoutReceipt(fee).lines) {
      if (l.type === 'text') expect(displayWidth(l.text) * (l.size === 'double' ? 2 : 1)).toBeLessThanOrEqual(48);
    }
  });

  it('refuses a receipt whose total or change does not add up', () => {
    expect(() => layoutReceipt({ ...fee, totalYen: 900 })).toThrow(/合いません/);
    expect(() => layoutReceipt({ ...fee, changeYen: 300 })).toThrow(/おつり/);
    expect(() => layoutReceipt({ ...fee, tenderedYen: undefined })).toThrow(/お預かり/);
  });

  it('lays out a claim slip with its number large', () => {
    const slip = layoutReceipt({ type: 'claim_slip', number: 12, issuedAt: fee.issuedAt, kinds: ['inkan'] });
    expect(slip.lines).toContainEqual({ type: 'text', text: '１２', align: 'center', size: 'double', bold: true });
  });

  it('lays out a 日計表 with fees by kind and method, cash by denomination, the difference with its reason and cashless against the terminal', () => {
    const close = makeClose({
      outingId: 'outing-0001', closedAt: fee.issuedAt, closedBy: 'S001',
      lines: [
        { kind: 'fee', item: 'juminhyo', quantity: 2, method: 'cash', amountYen: 600, tenderedYen: 1000, changeYen: 400, sourceId: 'request-1' },
        { kind: 'fee', item: 'inkan', quantity: 1, method: 'qr_code', amountYen: 300, tenderedYen: null, changeYen: 0, sourceId: 'request-2' },
      ],
      counted: { 500: 1 },
      reason: 'おつりの渡し間違い',
      terminalTotals: { qr_code: 300 },
    });
    const slip = { type: 'daily_close' as const, outing: { date: '2026-11-24', title: '地区定期巡回（川前）', staff: ['S001'] }, close };
    const text = lines(layoutReceipt(slip));
    expect(text).toContain('日　計　表');
    expect(text).toContain('令和8年11月24日');
    expect(text.some((l) => l.startsWith('  現金 １件') && l.endsWith('￥６００'))).toBe(true);
    expect(text.some((l) => l.startsWith('500円玉 × １') && l.endsWith('￥５００'))).toBe(true);
    expect(text.some((l) => l.startsWith('現金在高（計算）') && l.endsWith('￥６００'))).toBe(true);
    expect(text.some((l) => l.startsWith('過不足') && l.endsWith('－￥１００'))).toBe(true);
    expect(text).toContain('理由：おつりの渡し間違い');
    expect(text.some((l) => l.startsWith('  端末日計') && l.endsWith('￥３００'))).toBe(true);
    // A close whose totals do not follow from its lines is never printed.
    expect(() => layoutReceipt({ ...slip, close: { ...close, totals: { ...close.totals, feesYen: 800 } } })).toThrow(/合いません/);
  });

  it('writes dates in 和暦 in the city’s time zone across midnight UTC', () => {
    expect(tokyoDateTime('2026-11-24T15:30:00Z')).toBe('令和8年11月25日(水) 00:30');
    expect(tokyoDateTime('2019-04-30T14:59:00Z')).toBe('平成31年4月30日(火) 23:59');
    expect(tokyoDateTime('2019-04-30T15:00:00Z')).toBe('令和元年5月1日(水) 00:00');
  });
});
