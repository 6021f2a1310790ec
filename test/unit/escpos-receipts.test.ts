import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../native/printer/receipt-document';
import { layoutReceipt, tokyoDateTime } from '../../native/printer/receipts';

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
    expect(t).toContain('2026年11月24日(火) 10:05');
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

  it('lays out a claim slip with its number large and a daily summary with totals and spoiled sheets', () => {
    const slip = layoutReceipt({ type: 'claim_slip', number: 12, issuedAt: fee.issuedAt, kinds: ['inkan'] });
    expect(slip.lines).toContainEqual({ type: 'text', text: '１２', align: 'center', size: 'double', bold: true });
    const summary = lines(
      layoutReceipt({
        type: 'daily_summary', day: '2026-11-24', printedAt: fee.issuedAt, place: '川前地区', staffId: 'S001',
        byKind: [{ kind: 'juminhyo', requests: 3, copies: 4, amountYen: 1200 }],
        byPayment: [{ method: 'cash', count: 2, amountYen: 900 }, { method: 'qr_code', count: 1, amountYen: 300 }],
        totalYen: 1200, cash: { openingYen: 10000, expectedYen: 10900, countedYen: 10900 }, spoiledSheets: 1, reprints: 0,
      }),
    );
    expect(summary).toContain('日　計　表');
    expect(summary.some((l) => l.startsWith('書き損じ') && l.endsWith('１枚'))).toBe(true);
    expect(summary.some((l) => l.startsWith('QRコード決済 １件') && l.endsWith('￥３００'))).toBe(true);
  });

  it('writes dates in the city’s time zone across midnight UTC', () => {
    expect(tokyoDateTime('2026-11-24T15:30:00Z')).toBe('2026年11月25日(水) 00:30');
  });
});
