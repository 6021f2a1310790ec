// The money ledger of the open outing: one line per certificate fee, goods sale and refund due, written
// in the same transaction as the payment it records, so the daily close (日計表) adds up what happened.
// Amounts, kind, method and ids only: no personal data. Payments taken while no outing is open (the
// desk at a gathering place before 運行開始, the tests of the fee flow) keep working as before and
// belong to no close. A closed outing's lines never change: this service refuses it with a Japanese
// error, and the store's triggers refuse it whatever code runs.
import { MoneyLine, type MoneyKind } from '../../protocol/daily-close';
import type { PaymentMethod } from '../../protocol/domain';
import type { Clock } from './clock';
import type { Db } from './db';
import { AppError } from './errors';

export interface OutingMoneyOptions {
  db: Db;
  clock: Clock;
}

interface MoneyRow {
  kind: string;
  item: string;
  quantity: number;
  method: string;
  amount_yen: number;
  tendered_yen: number | null;
  change_yen: number;
  source_id: string;
}

export const OUTING_CLOSED_MESSAGE = 'この運行は締め済みです。締めた後の入金・返金は変更できません。';

export class OutingMoney {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(options: OutingMoneyOptions) {
    this.db = options.db;
    this.clock = options.clock;
  }

  /** A certificate fee paid (step 6), for the open outing; call inside the payment's transaction. */
  feePaid(requestId: string, fee: { kind: string; copies: number; method: PaymentMethod; amountYen: number; tenderedYen: number | null; changeYen: number }): void {
    this.toOpen({ kind: 'fee', item: fee.kind, quantity: fee.copies, ...this.cashPart(fee), sourceId: requestId });
  }

  /** Goods sold during the outing; call inside the sale's transaction. */
  goodsSold(outingId: string, saleId: string, sale: { item: string; quantity: number; method: PaymentMethod; amountYen: number; tenderedYen: number | null; changeYen: number | null }): void {
    this.append(outingId, { kind: 'goods', item: sale.item, quantity: sale.quantity, ...this.cashPart({ ...sale, changeYen: sale.changeYen ?? 0 }), sourceId: saleId });
  }

  /**
   * The fee of a cancelled paid request is due back. It belongs to the outing open now — paid back
   * from today's cash — or to none; never to the outing that took the payment if that one is closed.
   */
  refundDue(requestId: string, refund: { kind: string; copies: number; method: PaymentMethod; amountYen: number }): void {
    this.toOpen({ kind: 'refund', item: refund.kind, quantity: refund.copies, method: refund.method, amountYen: refund.amountYen, tenderedYen: null, changeYen: 0, sourceId: requestId });
  }

  /** The outing's lines, in the order they were taken. */
  lines(outingId: string): MoneyLine[] {
    return this.db
      .prepare<[string], MoneyRow>('SELECT kind, item, quantity, method, amount_yen, tendered_yen, change_yen, source_id FROM outing_money WHERE outing_id = ? ORDER BY seq')
      .all(outingId)
      .map((r) => MoneyLine.parse({
        kind: r.kind, item: r.item, quantity: r.quantity, method: r.method, amountYen: r.amount_yen, tenderedYen: r.tendered_yen, changeYen: r.change_yen, sourceId: r.source_id,
      }));
  }

  isClosed(outingId: string): boolean {
    return this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM outing_closes WHERE outing_id = ?').get(outingId)!.n === 1;
  }

  /** Writes one line for an outing; a closed (or ended) outing refuses it. */
  append(outingId: string, line: MoneyLine): void {
    if (!this.db.inTransaction) throw new Error('a money line is written inside the transaction of the payment it records');
    const ended = this.db.prepare<[string], { ended_at: string | null }>('SELECT ended_at FROM outings WHERE id = ?').get(outingId);
    if (!ended) throw new AppError('NO_OPEN_OUTING', '運行が見つかりません。');
    if (ended.ended_at !== null || this.isClosed(outingId)) throw new AppError('OUTING_CLOSED', OUTING_CLOSED_MESSAGE);
    const l = MoneyLine.parse(line);
    this.db
      .prepare('INSERT INTO outing_money (outing_id, kind, item, quantity, method, amount_yen, tendered_yen, change_yen, source_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(outingId, l.kind, l.item, l.quantity, l.method, l.amountYen, l.tenderedYen, l.changeYen, l.sourceId, this.clock.now().toISOString());
  }

  private toOpen(line: MoneyLine & { kind: MoneyKind }): void {
    const open = this.db.prepare<[], { id: string }>('SELECT id FROM outings WHERE ended_at IS NULL').get();
    if (open) this.append(open.id, line);
  }

  private cashPart(p: { method: PaymentMethod; amountYen: number; tenderedYen: number | null; changeYen: number }) {
    return p.method === 'cash'
      ? { method: p.method, amountYen: p.amountYen, tenderedYen: p.tenderedYen ?? p.amountYen, changeYen: p.changeYen }
      : { method: p.method, amountYen: p.amountYen, tenderedYen: null, changeYen: 0 };
  }
}
