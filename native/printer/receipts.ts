// The three slips the vehicle prints on the thermal printer: 領収書 (fee receipt), 番号札 (claim slip)
// and the end-of-day cash summary (日計表). Each is validated before it is laid out, so a receipt
// with totals that do not add up is never printed.
import { z } from 'zod';
import { CertificateKind, certificateKindLabel, PaymentMethod, paymentMethodLabel } from '../../protocol/domain';
import { feed, fullWidthNumber, leftRight, rule, text, yen, type ReceiptDocument, type ReceiptLine } from './receipt-document';
import { StaffId } from '../../protocol/ids';

const Yen = z.number().int().min(0).max(10_000_000);
const Instant = z.iso.datetime({ offset: true });

export const FeeReceiptItem = z.object({
  kind: CertificateKind,
  copies: z.number().int().min(1).max(10),
  unitFeeYen: Yen,
});

export const FeeReceipt = z
  .object({
    type: z.literal('fee_receipt'),
    receiptNumber: z.string().regex(/^[A-Za-z0-9-]{1,24}$/, '領収番号は英数字とハイフンで入力してください。'),
    issuedAt: Instant,
    cityName: z.string().min(1).default('いわき市'),
    office: z.string().min(1).default('お出かけ市役所'),
    items: z.array(FeeReceiptItem).min(1),
    totalYen: Yen,
    paymentMethod: PaymentMethod,
    tenderedYen: Yen.optional(),
    changeYen: Yen.optional(),
    staffId: StaffId,
    reprint: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    const sum = r.items.reduce((s, i) => s + i.copies * i.unitFeeYen, 0);
    if (sum !== r.totalYen) ctx.addIssue({ code: 'custom', path: ['totalYen'], message: `合計金額（${r.totalYen}円）が明細の合計（${sum}円）と合いません。` });
    if (r.paymentMethod === 'cash') {
      if (r.tenderedYen === undefined || r.changeYen === undefined) {
        ctx.addIssue({ code: 'custom', path: ['tenderedYen'], message: '現金のときはお預かり金額とおつりを入力してください。' });
      } else if (r.tenderedYen < r.totalYen || r.tenderedYen - r.totalYen !== r.changeYen) {
        ctx.addIssue({ code: 'custom', path: ['changeYen'], message: 'お預かり金額・おつりが合計金額と合いません。' });
      }
    }
  });
export type FeeReceipt = z.infer<typeof FeeReceipt>;

export const ClaimSlip = z.object({
  type: z.literal('claim_slip'),
  number: z.number().int().min(1).max(9999),
  issuedAt: Instant,
  cityName: z.string().min(1).default('いわき市'),
  office: z.string().min(1).default('お出かけ市役所'),
  kinds: z.array(CertificateKind).default([]),
});
export type ClaimSlip = z.infer<typeof ClaimSlip>;

export const DailySummary = z
  .object({
    type: z.literal('daily_summary'),
    day: z.iso.date(),
    printedAt: Instant,
    cityName: z.string().min(1).default('いわき市'),
    place: z.string().min(1).max(40),
    staffId: StaffId,
    byKind: z.array(z.object({ kind: CertificateKind, requests: z.number().int().min(0), copies: z.number().int().min(0), amountYen: Yen })),
    byPayment: z.array(z.object({ method: PaymentMethod, count: z.number().int().min(0), amountYen: Yen })),
    totalYen: Yen,
    cash: z.object({ openingYen: Yen, expectedYen: Yen, countedYen: Yen.optional() }),
    spoiledSheets: z.number().int().min(0),
    reprints: z.number().int().min(0),
  })
  .superRefine((s, ctx) => {
    const byKind = s.byKind.reduce((t, k) => t + k.amountYen, 0);
    const byPayment = s.byPayment.reduce((t, p) => t + p.amountYen, 0);
    if (byKind !== s.totalYen || byPayment !== s.totalYen) {
      ctx.addIssue({ code: 'custom', path: ['totalYen'], message: '日計の合計が証明書別・支払方法別の合計と合いません。' });
    }
  });
export type DailySummary = z.infer<typeof DailySummary>;

/** 領収書 for goods sold on the vehicle (ごみ処理券): named items at their listed prices. */
export const GoodsReceipt = z
  .object({
    type: z.literal('goods_receipt'),
    receiptNumber: z.string().regex(/^[A-Za-z0-9-]{1,24}$/, '領収番号は英数字とハイフンで入力してください。'),
    issuedAt: Instant,
    cityName: z.string().min(1).default('いわき市'),
    office: z.string().min(1).default('お出かけ市役所'),
    items: z.array(z.object({ name: z.string().min(1).max(40), unitYen: Yen, quantity: z.number().int().min(1).max(1000) })).min(1),
    totalYen: Yen,
    paymentMethod: PaymentMethod,
    tenderedYen: Yen.optional(),
    changeYen: Yen.optional(),
    staffId: StaffId,
  })
  .superRefine((r, ctx) => {
    const sum = r.items.reduce((s, i) => s + i.quantity * i.unitYen, 0);
    if (sum !== r.totalYen) ctx.addIssue({ code: 'custom', path: ['totalYen'], message: `合計金額（${r.totalYen}円）が明細の合計（${sum}円）と合いません。` });
    if (r.paymentMethod === 'cash' && (r.tenderedYen === undefined || r.changeYen === undefined || r.tenderedYen - r.totalYen !== r.changeYen || r.changeYen < 0)) {
      ctx.addIssue({ code: 'custom', path: ['changeYen'], message: 'お預かり金額・おつりが合計金額と合いません。' });
    }
  });
export type GoodsReceipt = z.infer<typeof GoodsReceipt>;

export const ReceiptData = z.discriminatedUnion('type', [FeeReceipt, ClaimSlip, DailySummary, GoodsReceipt]);
export type ReceiptData = z.infer<typeof ReceiptData>;
export type ReceiptDataInput = z.input<typeof ReceiptData>;

const weekdays = ['日', '月', '火', '水', '木', '金', '土'];

/** Date and time in the city's zone (Asia/Tokyo, no daylight saving), e.g. 2026年11月24日(火) 10:05. */
export function tokyoDateTime(iso: string): string {
  const t = new Date(new Date(iso).getTime() + 9 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日(${weekdays[t.getUTCDay()]}) ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

function header(cityName: string, office: string, title: string): ReceiptLine[] {
  return [
    text(cityName, { align: 'center', size: 'double', bold: true }),
    text(office, { align: 'center' }),
    feed(1),
    text(title, { align: 'center', size: 'double', bold: true }),
  ];
}

/** One priced line of a receipt: a certificate's copies or a ticket's count. */
interface PaidItem {
  label: string;
  unitYen: number;
  quantity: number;
  /** 通, 枚. */
  unit: string;
}

/** A 領収書: what was paid for, the total, how it was paid and the change — the fee receipt and the goods receipt alike. */
function paidReceipt(r: FeeReceipt | GoodsReceipt, items: readonly PaidItem[], reprint: boolean, columns: number): ReceiptLine[] {
  const lines: ReceiptLine[] = [...header(r.cityName, r.office, '領　収　書')];
  if (reprint) lines.push(text('＊＊ 再発行 ＊＊', { align: 'center', bold: true }));
  lines.push(feed(1), text(tokyoDateTime(r.issuedAt)), text(`領収番号 ${r.receiptNumber}`), rule);
  for (const item of items) {
    lines.push(text(item.label));
    lines.push(text(leftRight(`  ${yen(item.unitYen)} × ${fullWidthNumber(item.quantity)}${item.unit}`, yen(item.unitYen * item.quantity), columns)));
  }
  lines.push(rule, text(leftRight('合計', yen(r.totalYen), columns / 2), { size: 'double', bold: true }));
  lines.push(text(leftRight('お支払い方法', paymentMethodLabel[r.paymentMethod], columns)));
  if (r.paymentMethod === 'cash' && r.tenderedYen !== undefined && r.changeYen !== undefined) {
    lines.push(text(leftRight('お預かり', yen(r.tenderedYen), columns)), text(leftRight('おつり', yen(r.changeYen), columns)));
  }
  lines.push(rule, text('上記の金額を領収いたしました。'), text(`担当 ${r.staffId}`, { align: 'right' }));
  return lines;
}

function feeReceipt(r: FeeReceipt, columns: number): ReceiptLine[] {
  const items = r.items.map((i) => ({ label: certificateKindLabel[i.kind], unitYen: i.unitFeeYen, quantity: i.copies, unit: '通' }));
  return paidReceipt(r, items, r.reprint === true, columns);
}

function goodsReceipt(r: GoodsReceipt, columns: number): ReceiptLine[] {
  return paidReceipt(r, r.items.map((i) => ({ label: i.name, unitYen: i.unitYen, quantity: i.quantity, unit: '枚' })), false, columns);
}

function claimSlip(s: ClaimSlip): ReceiptLine[] {
  const lines: ReceiptLine[] = [...header(s.cityName, s.office, '番　号　札'), feed(1)];
  lines.push(text(fullWidthNumber(s.number).replace(/，/g, ''), { align: 'center', size: 'double', bold: true }));
  lines.push(feed(1));
  for (const k of s.kinds) lines.push(text(certificateKindLabel[k], { align: 'center' }));
  lines.push(
    text('この番号でお呼びします。', { align: 'center' }),
    text('お呼びするまでお待ちください。', { align: 'center' }),
    rule,
    text(tokyoDateTime(s.issuedAt), { align: 'center' }),
  );
  return lines;
}

function dailySummary(s: DailySummary, columns: number): ReceiptLine[] {
  const [y, m, d] = s.day.split('-').map(Number);
  const lines: ReceiptLine[] = [...header(s.cityName, 'お出かけ市役所', '日　計　表')];
  lines.push(feed(1), text(`${y}年${m}月${d}日　${s.place}`), text(`印字 ${tokyoDateTime(s.printedAt)}`), rule, text('証明書別', { bold: true }));
  for (const k of s.byKind) {
    lines.push(text(certificateKindLabel[k.kind]));
    lines.push(text(leftRight(`  ${fullWidthNumber(k.requests)}件 ${fullWidthNumber(k.copies)}通`, yen(k.amountYen), columns)));
  }
  lines.push(rule, text('支払方法別', { bold: true }));
  for (const p of s.byPayment) {
    lines.push(text(leftRight(`${paymentMethodLabel[p.method]} ${fullWidthNumber(p.count)}件`, yen(p.amountYen), columns)));
  }
  lines.push(rule, text(leftRight('合計', yen(s.totalYen), columns / 2), { size: 'double', bold: true }), rule);
  lines.push(text(leftRight('釣銭準備金', yen(s.cash.openingYen), columns)));
  lines.push(text(leftRight('現金在高（計算）', yen(s.cash.expectedYen), columns)));
  if (s.cash.countedYen !== undefined) {
    const diff = s.cash.countedYen - s.cash.expectedYen;
    lines.push(text(leftRight('現金在高（実査）', yen(s.cash.countedYen), columns)));
    lines.push(text(leftRight('過不足', diff === 0 ? '０' : `${diff > 0 ? '＋' : '－'}${yen(Math.abs(diff))}`, columns), { bold: diff !== 0 }));
  }
  lines.push(rule, text(leftRight('書き損じ', `${fullWidthNumber(s.spoiledSheets)}枚`, columns)), text(leftRight('再発行', `${fullWidthNumber(s.reprints)}件`, columns)));
  lines.push(rule, text(`担当 ${s.staffId}`, { align: 'right' }));
  return lines;
}

/** Lays out validated slip data for a printer of `columns` half-width columns (48 on 80 mm paper). */
export function layoutReceipt(input: ReceiptDataInput, columns = 48): ReceiptDocument {
  const data = ReceiptData.parse(input);
  switch (data.type) {
    case 'fee_receipt':
      return { lines: feeReceipt(data, columns) };
    case 'claim_slip':
      return { lines: claimSlip(data) };
    case 'daily_summary':
      return { lines: dailySummary(data, columns) };
    case 'goods_receipt':
      return { lines: goodsReceipt(data, columns) };
  }
}
