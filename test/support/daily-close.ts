// A daily close as a vehicle would send it: the totals computed from the lines by the contract's rule.
import { computeClose, DENOMINATIONS, type CashCount, type DailyClose, type MoneyLine, type TerminalTotals } from '../../protocol/daily-close';

export const noCash = (): CashCount => Object.fromEntries(DENOMINATIONS.map((d) => [d, 0])) as unknown as CashCount;
export const noTerminal = (): TerminalTotals => ({ credit_card: 0, electronic_money: 0, qr_code: 0 });

export function makeClose(o: {
  outingId: string;
  closedAt: string;
  closedBy?: string;
  lines?: MoneyLine[];
  counted?: Partial<CashCount>;
  reason?: string | null;
  terminalTotals?: Partial<TerminalTotals>;
}): DailyClose {
  const counted = { ...noCash(), ...o.counted };
  const terminalTotals = { ...noTerminal(), ...o.terminalTotals };
  const lines = o.lines ?? [];
  return { outingId: o.outingId, closedAt: o.closedAt, closedBy: o.closedBy ?? 'S1', counted, reason: o.reason ?? null, terminalTotals, lines, totals: computeClose(lines, { counted, terminalTotals }) };
}
