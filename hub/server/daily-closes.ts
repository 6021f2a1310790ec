// The vehicles' daily closes (日計表) at the hub: the close that rides an outing record turned into rows
// (its totals already checked against its lines by the contract's one rule), and the month's view for
// the console — each close with its difference and reason, and the fees by kind and method.
import { z } from 'zod';
import type { ClosesMonthView, FeeSummaryRow } from '../../protocol/console-api';
import { CloseTotals, MONEY_KINDS, moneyItemLabel, MoneyKind, type DailyClose } from '../../protocol/daily-close';
import { PaymentMethod } from '../../protocol/domain';
import type { OutingRecordMessage } from '../../protocol/records';
import { badRequest } from '../errors';
import type { DailyCloseLineRow, DailyCloseRow, HubStore } from '../store/types';

/** What an outing record's daily close writes: the cash check, the cashless check and its lines (no request ids). */
export function dailyCloseRows(vehicleId: string, c: DailyClose, m: Pick<OutingRecordMessage, 'outingId' | 'date'>, at: string): { close: DailyCloseRow; lines: DailyCloseLineRow[] } {
  const t = c.totals;
  return {
    close: {
      outingId: m.outingId, vehicleId, date: m.date, month: m.date.slice(0, 7), closedAt: c.closedAt, closedBy: c.closedBy, feesYen: t.feesYen,
      goodsYen: t.goodsYen, refundsYen: t.refundsYen, expectedYen: t.cash.expectedYen, countedYen: t.cash.countedYen, differenceYen: t.cash.differenceYen,
      reason: c.reason, counted: JSON.stringify(c.counted), cashless: JSON.stringify(t.cashless), receivedAt: at,
    },
    lines: c.lines.map((l, i) => ({ lineNo: i + 1, kind: l.kind, item: l.item, quantity: l.quantity, method: l.method, amountYen: l.amountYen })),
  };
}

export const CloseMonthQuery = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: '月は YYYY-MM の形で指定してください（例 2026-11）。' }),
});

/** The closes of a month and its fee summary, summed in SQL. */
export async function closesOfMonth(store: HubStore, query: unknown): Promise<ClosesMonthView> {
  const parsed = CloseMonthQuery.safeParse(query);
  if (!parsed.success) throw badRequest('BAD_MONTH', parsed.error.issues[0]!.message);
  const { month } = parsed.data;
  const { closes, rows } = await store.transaction(async (tx) => ({ closes: await tx.listDailyCloses(month), rows: await tx.closeSummary(month) }));
  // Ordered here, not by the database: the two stores' collations would order the items' names differently.
  const summary: FeeSummaryRow[] = rows
    .map((r) => {
      const kind = MoneyKind.parse(r.kind);
      return { kind, item: r.item, label: moneyItemLabel({ kind, item: r.item }), method: PaymentMethod.parse(r.method), count: r.count, quantity: r.quantity, amountYen: r.amountYen };
    })
    .sort((a, b) =>
      MONEY_KINDS.indexOf(a.kind) - MONEY_KINDS.indexOf(b.kind) || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0) ||
      PaymentMethod.options.indexOf(a.method) - PaymentMethod.options.indexOf(b.method));
  const byMethod = PaymentMethod.options.map((method) => {
    const of = summary.filter((s) => s.method === method);
    const taken = of.filter((s) => s.kind !== 'refund');
    return {
      method,
      count: taken.reduce((n, s) => n + s.count, 0),
      amountYen: taken.reduce((n, s) => n + s.amountYen, 0),
      refundsYen: of.filter((s) => s.kind === 'refund').reduce((n, s) => n + s.amountYen, 0),
    };
  });
  return {
    month,
    closes: closes.map((c) => ({
      outingId: c.outingId, vehicleId: c.vehicleId, date: c.date, closedAt: c.closedAt, closedBy: c.closedBy, feesYen: c.feesYen, goodsYen: c.goodsYen,
      refundsYen: c.refundsYen, expectedYen: c.expectedYen, countedYen: c.countedYen, differenceYen: c.differenceYen, reason: c.reason,
      cashless: CloseTotals.shape.cashless.parse(JSON.parse(c.cashless)),
    })),
    summary,
    byMethod,
    totals: {
      feesYen: closes.reduce((n, c) => n + c.feesYen, 0),
      goodsYen: closes.reduce((n, c) => n + c.goodsYen, 0),
      refundsYen: closes.reduce((n, c) => n + c.refundsYen, 0),
      differenceYen: closes.reduce((n, c) => n + c.differenceYen, 0),
    },
  };
}
