// The daily close (日計表) of an outing's money: the denominations staff count, what they enter, and
// the one rule that turns the outing's money lines and that input into the close — fees and goods by
// kind and method, the cash expected against the cash counted, and the cashless totals against the
// payment terminal's own. The vehicle applies it to show and print the close; the hub applies it to
// check the close it receives (a close whose totals do not follow from its lines is refused). Pure.
import { z } from 'zod';
import { CertificateKind, PaymentMethod } from './domain';
import { EntityId, StaffId } from './ids';
import { certificateKindLabel } from './labels';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';

/** The notes and coins counted, largest first. */
export const DENOMINATIONS = [10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1] as const;
export type Denomination = (typeof DENOMINATIONS)[number];
export const denominationLabel: Record<Denomination, string> = {
  10000: '一万円札', 5000: '五千円札', 2000: '二千円札', 1000: '千円札', 500: '500円玉', 100: '100円玉', 50: '50円玉', 10: '10円玉', 5: '5円玉', 1: '1円玉',
};

/** The cashless methods a payment terminal totals (one per method on its daily slip). */
export const CASHLESS_METHODS = ['credit_card', 'electronic_money', 'qr_code'] as const;
export type CashlessMethod = (typeof CASHLESS_METHODS)[number];

/** What the fee and sale screens say, and the refusal, while city hall (and so the payment agent) is out of reach. */
export const CASHLESS_OFFLINE_MESSAGE = '市役所に接続できないため、キャッシュレス決済は使えません。現金でお受け取りください。';

const Yen = z.number().int().min(0).max(100_000_000);

const pieces = (d: Denomination) =>
  z
    .number({ error: `${denominationLabel[d]}の枚数を数字で入力してください。` })
    .int({ error: `${denominationLabel[d]}の枚数は整数で入力してください。` })
    .min(0, { error: `${denominationLabel[d]}の枚数は0以上で入力してください。` })
    .max(99_999, { error: `${denominationLabel[d]}の枚数が多すぎます（99,999枚まで）。` });

/** How many of each note and coin staff counted (the change fund is set aside before counting). */
export const CashCount = z.object({
  10000: pieces(10000), 5000: pieces(5000), 2000: pieces(2000), 1000: pieces(1000), 500: pieces(500),
  100: pieces(100), 50: pieces(50), 10: pieces(10), 5: pieces(5), 1: pieces(1),
});
export type CashCount = z.infer<typeof CashCount>;

const slipTotal = (label: string) =>
  z
    .number({ error: `${label}の端末の日計額を数字で入力してください。` })
    .int({ error: `${label}の端末の日計額は円単位の整数で入力してください。` })
    .min(0, { error: `${label}の端末の日計額は0円以上で入力してください。` })
    .max(100_000_000, { error: `${label}の端末の日計額が大きすぎます。` });

/** The payment terminal's own daily total per cashless method, as staff read it from its slip. */
export const TerminalTotals = z.object({
  credit_card: slipTotal('クレジットカード'),
  electronic_money: slipTotal('電子マネー'),
  qr_code: slipTotal('QRコード決済'),
});
export type TerminalTotals = z.infer<typeof TerminalTotals>;

/** Why the counted cash differs from the expected: required when it does. */
export const CloseReason = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim() === '' ? null : v.trim()) : v),
  z.string({ error: '過不足の理由を文字で入力してください。' }).min(1, { error: '過不足の理由を入力してください。' }).max(200, { error: '過不足の理由は200文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }).nullable(),
);

/** What staff enter to close an outing's money. */
export const CloseInput = z.object({
  counted: CashCount,
  reason: CloseReason,
  terminalTotals: TerminalTotals,
});
export type CloseInput = z.infer<typeof CloseInput>;
export type CloseInputDraft = z.input<typeof CloseInput>;

/** fee: a certificate fee; goods: a ticket sold; refund: the fee of a cancelled paid request, due back. */
export const MONEY_KINDS = ['fee', 'goods', 'refund'] as const;
export const MoneyKind = z.enum(MONEY_KINDS);
export type MoneyKind = z.infer<typeof MoneyKind>;
export const moneyKindLabel: Record<MoneyKind, string> = { fee: '手数料', goods: '物品', refund: '返金' };

/**
 * One money line of an outing: amounts, kind, method and ids only — no personal data. `item` is the
 * certificate kind of a fee or refund, or the goods' name; cash lines carry what was tendered and the
 * change given.
 */
export const MoneyLine = z
  .object({
    kind: MoneyKind,
    item: z.string().min(1).max(40),
    quantity: z.number().int().min(1).max(1000),
    method: PaymentMethod,
    amountYen: Yen,
    tenderedYen: Yen.nullable(),
    changeYen: Yen,
    /** The request or sale it came from. */
    sourceId: EntityId,
  })
  .superRefine((l, ctx) => {
    if (l.kind !== 'goods' && !CertificateKind.safeParse(l.item).success) ctx.addIssue({ code: 'custom', path: ['item'], message: '手数料の種類が正しくありません。' });
    if (l.kind === 'refund' || l.method !== 'cash') {
      if (l.tenderedYen !== null || l.changeYen !== 0) ctx.addIssue({ code: 'custom', path: ['tenderedYen'], message: '返金とキャッシュレスにお預かり・おつりはありません。' });
    } else if (l.tenderedYen === null || l.tenderedYen - l.amountYen !== l.changeYen) {
      ctx.addIssue({ code: 'custom', path: ['changeYen'], message: 'お預かり金額・おつりが金額と合いません。' });
    }
  });
export type MoneyLine = z.infer<typeof MoneyLine>;

/** How a money line's item is named on screens and on the 日計表. */
export function moneyItemLabel(line: Pick<MoneyLine, 'kind' | 'item'>): string {
  if (line.kind === 'goods') return line.item;
  const kind = CertificateKind.safeParse(line.item);
  return kind.success ? certificateKindLabel[kind.data] : line.item;
}

const Count = z.number().int().min(0);
const SignedYen = z.number().int().min(-100_000_000).max(100_000_000);

/** What the close rule computes from the lines and the input. */
export const CloseTotals = z.object({
  /** Fees, goods and refunds by kind, item and method, in the order first recorded. */
  byItem: z.array(z.object({ kind: MoneyKind, item: z.string(), method: PaymentMethod, count: Count, quantity: Count, amountYen: Yen })),
  /** Fees and goods together per method (refunds apart). */
  byMethod: z.array(z.object({ method: PaymentMethod, count: Count, amountYen: Yen })),
  feesYen: Yen,
  goodsYen: Yen,
  refundsYen: Yen,
  cash: z.object({
    /** Cash tendered by residents. */
    receivedYen: Yen,
    changeYen: Yen,
    /** Refunds of cash-paid fees, paid back from the cash. */
    refundsYen: Yen,
    expectedYen: SignedYen,
    countedYen: Yen,
    /** Counted minus expected: positive is a surplus (過剰), negative a shortfall (不足). */
    differenceYen: SignedYen,
  }),
  cashless: z.array(z.object({ method: z.enum(CASHLESS_METHODS), count: Count, amountYen: Yen, terminalYen: Yen, differenceYen: SignedYen, refundsYen: Yen })),
});
export type CloseTotals = z.infer<typeof CloseTotals>;

/** The cash staff counted, in yen. */
export function countedYen(counted: CashCount): number {
  return DENOMINATIONS.reduce((sum, d) => sum + d * counted[d], 0);
}

/**
 * The close. Expected cash is what residents tendered, less the change given and the cash refunds
 * due; a cashless refund goes back through the payment agent, never out of the cash (so it is listed,
 * and the terminal's total is checked against the payments alone).
 */
export function computeClose(lines: readonly MoneyLine[], input: Pick<CloseInput, 'counted' | 'terminalTotals'>): CloseTotals {
  const byItem: CloseTotals['byItem'] = [];
  const byMethod = new Map<PaymentMethod, { method: PaymentMethod; count: number; amountYen: number }>();
  let feesYen = 0, goodsYen = 0, refundsYen = 0, receivedYen = 0, changeYen = 0, cashRefundsYen = 0;
  const cashless = new Map(CASHLESS_METHODS.map((m) => [m, { method: m, count: 0, amountYen: 0, refundsYen: 0 }]));
  for (const l of lines) {
    let group = byItem.find((g) => g.kind === l.kind && g.item === l.item && g.method === l.method);
    if (!group) byItem.push((group = { kind: l.kind, item: l.item, method: l.method, count: 0, quantity: 0, amountYen: 0 }));
    group.count++;
    group.quantity += l.quantity;
    group.amountYen += l.amountYen;
    const c = l.method === 'cash' ? null : cashless.get(l.method)!;
    if (l.kind === 'refund') {
      refundsYen += l.amountYen;
      if (c) c.refundsYen += l.amountYen;
      else cashRefundsYen += l.amountYen;
      continue;
    }
    if (l.kind === 'fee') feesYen += l.amountYen;
    else goodsYen += l.amountYen;
    const m = byMethod.get(l.method) ?? { method: l.method, count: 0, amountYen: 0 };
    m.count++;
    m.amountYen += l.amountYen;
    byMethod.set(l.method, m);
    if (c) {
      c.count++;
      c.amountYen += l.amountYen;
    } else {
      receivedYen += l.tenderedYen ?? l.amountYen;
      changeYen += l.changeYen;
    }
  }
  const expectedYen = receivedYen - changeYen - cashRefundsYen;
  const counted = countedYen(input.counted);
  return {
    byItem,
    byMethod: PaymentMethod.options.flatMap((m) => byMethod.get(m) ?? []),
    feesYen,
    goodsYen,
    refundsYen,
    cash: { receivedYen, changeYen, refundsYen: cashRefundsYen, expectedYen, countedYen: counted, differenceYen: counted - expectedYen },
    cashless: [...cashless.values()].map((c) => ({ ...c, terminalYen: input.terminalTotals[c.method], differenceYen: input.terminalTotals[c.method] - c.amountYen })),
  };
}

/** What keeps a close from being taken: a difference in cash needs its reason. */
export function closeProblems(totals: CloseTotals, input: Pick<CloseInput, 'reason'>): { path: string; message: string }[] {
  if (totals.cash.differenceYen !== 0 && input.reason === null) {
    return [{ path: 'reason', message: `現金が${totals.cash.differenceYen > 0 ? '多い' : '少ない'}です（${Math.abs(totals.cash.differenceYen).toLocaleString('ja-JP')}円）。過不足の理由を入力してください。` }];
  }
  return [];
}

/** Both sides through the schema first, so key order never makes two equal closes differ. */
const sameTotals = (a: CloseTotals, b: CloseTotals) => JSON.stringify(CloseTotals.parse(a)) === JSON.stringify(CloseTotals.parse(b));

/** The close as stored on the vehicle, printed, and sent to city hall inside the outing's record. */
export const DailyClose = z
  .object({
    outingId: EntityId,
    closedAt: z.iso.datetime({ offset: true }),
    closedBy: StaffId,
    ...CloseInput.shape,
    lines: z.array(MoneyLine).max(5000),
    totals: CloseTotals,
  })
  .superRefine((c, ctx) => {
    if (!sameTotals(computeClose(c.lines, c), c.totals)) {
      ctx.addIssue({ code: 'custom', path: ['totals'], message: '日計の合計が明細から計算した合計と合いません。' });
      return;
    }
    for (const p of closeProblems(c.totals, c)) ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
  });
export type DailyClose = z.infer<typeof DailyClose>;
