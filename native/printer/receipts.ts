// The slips the vehicle prints on the thermal printer: 領収書 (fee and goods receipts), 番号札 (claim
// slip), an outing's daily close (日計表) and the り災証明書 申請受付票. Each is validated before it is laid out, so a receipt
// with totals that do not add up is never printed.
import { z } from 'zod';
import { CertificateKind, certificateKindLabel, PaymentMethod, paymentMethodLabel } from '../../protocol/domain';
import { feed, fullWidthNumber, leftRight, rule, text, yen, type ReceiptDocument, type ReceiptLine } from './receipt-document';
import { StaffId } from '../../protocol/ids';
import { japanDate, warekiDate } from '../../protocol/wareki';
import { DailyClose, DENOMINATIONS, denominationLabel, moneyItemLabel } from '../../protocol/daily-close';
import { CertificateDelivery, certificateDeliveryLabel, SurveyWish, surveyWishLabel } from '../../protocol/disaster';

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

/**
 * 日計表: an outing's daily close — fees and goods by kind and method, cash by denomination against the
 * expected, the difference and its reason, cashless per method against the payment terminal's total.
 * The close carries its own check (its totals follow from its lines), so a slip that does not add up
 * is never printed.
 */
export const DailyCloseSlip = z.object({
  type: z.literal('daily_close'),
  cityName: z.string().min(1).default('いわき市'),
  office: z.string().min(1).default('お出かけ市役所'),
  outing: z.object({ date: z.iso.date(), title: z.string().min(1).max(80), staff: z.array(StaffId).min(1).max(8) }),
  close: DailyClose,
});
export type DailyCloseSlip = z.infer<typeof DailyCloseSlip>;

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

/**
 * り災証明書 申請受付票: what the resident keeps after applying in the vehicle — the application's
 * number, the disaster, how many photos, the survey and how the certificate will reach them. No name
 * or address: the number is what the tax department asks for.
 */
export const RisaiReceipt = z.object({
  type: z.literal('risai_receipt'),
  cityName: z.string().min(1).default('いわき市'),
  office: z.string().min(1).default('お出かけ市役所'),
  number: z.string().min(1).max(16),
  issuedAt: Instant,
  disasterName: z.string().min(1).max(80),
  photos: z.number().int().min(0).max(30),
  survey: SurveyWish,
  delivery: CertificateDelivery,
  staffId: StaffId,
});
export type RisaiReceipt = z.infer<typeof RisaiReceipt>;

export const ReceiptData = z.discriminatedUnion('type', [FeeReceipt, ClaimSlip, DailyCloseSlip, GoodsReceipt, RisaiReceipt]);
export type ReceiptData = z.infer<typeof ReceiptData>;
export type ReceiptDataInput = z.input<typeof ReceiptData>;

const weekdays = ['日', '月', '火', '水', '木', '金', '土'];

/** Date and time in the city's zone (Asia/Tokyo, no daylight saving), in 和暦 as the city writes it: 令和8年11月24日(火) 10:05. */
export function tokyoDateTime(iso: string): string {
  const at = new Date(iso);
  const t = new Date(at.getTime() + 9 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${warekiDate(japanDate(at))}(${weekdays[t.getUTCDay()]}) ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
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

/** A signed amount: ＋￥１００ / －￥１００ / ￥０. */
function signedYen(n: number): string {
  return n === 0 ? yen(0) : `${n > 0 ? '＋' : '－'}${yen(Math.abs(n))}`;
}

function dailyClose(s: DailyCloseSlip, columns: number): ReceiptLine[] {
  const { close } = s;
  const t = close.totals;
  const lines: ReceiptLine[] = [...header(s.cityName, s.office, '日　計　表')];
  lines.push(feed(1), text(warekiDate(s.outing.date)), text(s.outing.title), text(`締め ${tokyoDateTime(close.closedAt)}`), rule);
  lines.push(text('手数料・物品（種類・支払方法別）', { bold: true }));
  for (const g of t.byItem) {
    const label = moneyItemLabel(g);
    lines.push(text(g.kind === 'refund' ? `【返金】${label}` : label));
    lines.push(text(leftRight(`  ${paymentMethodLabel[g.method]} ${fullWidthNumber(g.count)}件`, g.kind === 'refund' ? `－${yen(g.amountYen)}` : yen(g.amountYen), columns)));
  }
  if (t.byItem.length === 0) lines.push(text('  入金・返金はありません'));
  lines.push(rule, text('支払方法別', { bold: true }));
  for (const p of t.byMethod) lines.push(text(leftRight(`${paymentMethodLabel[p.method]} ${fullWidthNumber(p.count)}件`, yen(p.amountYen), columns)));
  lines.push(text(leftRight('手数料', yen(t.feesYen), columns)), text(leftRight('物品', yen(t.goodsYen), columns)));
  lines.push(text(leftRight('合計', yen(t.feesYen + t.goodsYen), columns / 2), { size: 'double', bold: true }));
  if (t.refundsYen > 0) lines.push(text(leftRight('返金（取消分）', `－${yen(t.refundsYen)}`, columns)));
  lines.push(rule, text('現金（金種別・釣銭準備金を除く）', { bold: true }));
  for (const dn of DENOMINATIONS) {
    const n = close.counted[dn];
    lines.push(text(leftRight(`${denominationLabel[dn]} × ${fullWidthNumber(n)}`, yen(dn * n), columns)));
  }
  lines.push(rule);
  lines.push(text(leftRight('お預かり', yen(t.cash.receivedYen), columns)), text(leftRight('おつり', `－${yen(t.cash.changeYen)}`, columns)));
  if (t.cash.refundsYen > 0) lines.push(text(leftRight('返金（現金）', `－${yen(t.cash.refundsYen)}`, columns)));
  lines.push(text(leftRight('現金在高（計算）', signedYen(t.cash.expectedYen).replace(/^＋/, ''), columns)));
  lines.push(text(leftRight('現金在高（実査）', yen(t.cash.countedYen), columns)));
  lines.push(text(leftRight('過不足', signedYen(t.cash.differenceYen), columns), { bold: t.cash.differenceYen !== 0 }));
  if (close.reason !== null) lines.push(text(`理由：${close.reason}`));
  lines.push(rule, text('キャッシュレス（端末日計との照合）', { bold: true }));
  for (const c of t.cashless) {
    lines.push(text(paymentMethodLabel[c.method]));
    lines.push(text(leftRight(`  記録 ${fullWidthNumber(c.count)}件`, yen(c.amountYen), columns)));
    lines.push(text(leftRight('  端末日計', yen(c.terminalYen), columns)));
    lines.push(text(leftRight('  差', signedYen(c.differenceYen), columns), { bold: c.differenceYen !== 0 }));
    if (c.refundsYen > 0) lines.push(text(leftRight('  返金（決済代行）', yen(c.refundsYen), columns)));
  }
  lines.push(rule, text(`乗車 ${s.outing.staff.join('、')}`), text(`運行 ${close.outingId}`), text(`担当 ${close.closedBy}`, { align: 'right' }));
  return lines;
}

function risaiReceipt(r: RisaiReceipt, columns: number): ReceiptLine[] {
  const lines: ReceiptLine[] = [...header(r.cityName, r.office, '受　付　票'), text('り災証明書 交付申請', { align: 'center', bold: true }), feed(1)];
  lines.push(text('受付番号', { align: 'center' }), text(r.number, { align: 'center', size: 'double', bold: true }), feed(1), rule);
  lines.push(text(`災害　${r.disasterName}`));
  lines.push(text(leftRight('写真', `${fullWidthNumber(r.photos)}枚`, columns)));
  lines.push(text(leftRight('調査', surveyWishLabel[r.survey], columns)));
  lines.push(text(leftRight('受け取り', certificateDeliveryLabel[r.delivery], columns)));
  lines.push(rule, text('証明書ができましたらお知らせします。'), text('この受付票は大切に保管してください。'), text('お問い合わせ　いわき市 資産税課'));
  lines.push(rule, text(tokyoDateTime(r.issuedAt)), text(`担当 ${r.staffId}`, { align: 'right' }));
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
    case 'daily_close':
      return { lines: dailyClose(data, columns) };
    case 'goods_receipt':
      return { lines: goodsReceipt(data, columns) };
    case 'risai_receipt':
      return { lines: risaiReceipt(data, columns) };
  }
}
