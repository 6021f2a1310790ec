// 運行: the vehicle's outings and what is counted during them. Staff start an outing (kind, place,
// staff on board); everything done while it is open belongs to it — a certificate handed over, a
// health-insurance link, a video consultation, the tallies staff keep by hand, the goods sold. Ending
// it writes the outing's record (OutingRecordMessage) to the outbox in the same transaction, once.
// The outing tables hold no personal data: a resident is at most a keyed hash of their folded name
// and birth date, under a key that lives with the open outing only and is cleared with the hashes
// when it ends, so the same resident served twice counts once in 計. Ending an outing closes its money
// (日計表): the close is computed from the outing's money lines and the staff's count, stored, audited,
// printed and sent inside the record; after it no payment of that outing can change.
import { openText, sealText, type FieldCipher } from './crypto';
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Department } from '../../protocol/consultation';
import { closeProblems, computeClose, CloseInput, DailyClose, type CloseInputDraft } from '../../protocol/daily-close';
import { PaymentMethod } from '../../protocol/domain';
import { fieldProblems } from '../../protocol/errors';
import { normalizeName } from '../../protocol/name-folding';
import {
  countServed, GoodsSaleInput, serviceTotals, type GoodsTable, type OutingCounts, type OutingDesk, type OutingStartInput, type OutingView,
  type ServiceEvent, type TallyInput,
} from '../../protocol/outings';
import { OutingKind, outingKindLabel, OutingRecordMessage, ServedService, type OutingSale } from '../../protocol/records';
import { tokyoDate } from '../../protocol/visit-calendar';
import type { IdGenerator } from '../../common/ids';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { Db } from './db';
import { AppError, ValidationError } from './errors';
import { refuseCashlessOffline } from './fees';
import type { Outbox } from './outbox';
import type { OutingMoney } from './outing-money';

/** The outing's slips on the receipt printer (the print service's receipt path). */
export interface OutingReceiptPrinter {
  /** Queues the 領収書 of a sale; call inside the sale's transaction. Returns the job id, or null with no printer. */
  queue(sale: { receiptNumber: string; items: OutingSale[]; method: PaymentMethod; tenderedYen: number | null; changeYen: number | null }, staffId: string): string | null;
  /** Queues the 日計表; call inside the close's transaction. Returns the job id, or null with no printer. */
  queueClose(slip: { outing: { date: string; title: string; staff: string[] }; close: DailyClose }, staffId: string): string | null;
  /** Sends a queued job to the printer. */
  run(jobId: string): Promise<unknown>;
}

export interface OutingServiceOptions {
  db: Db;
  /** Seals the close at rest: its reason for a cash difference is free text. */
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  outbox: Outbox;
  newId: IdGenerator;
  /** The places of 地区定期巡回 the city keeps (fixtures/outing-places.json). */
  places: readonly string[];
  /** The goods sold on the vehicle and their prices (fixtures/goods.json). */
  goods: GoodsTable;
  receipts: OutingReceiptPrinter;
  /** The outing's money ledger (fees, goods, refunds due). */
  money: OutingMoney;
  /** Whether city hall answered the last sync: cashless payments need it. */
  online(): boolean;
  onError(error: unknown): void;
  /** The outing or its counts changed; a record may wait for city hall. */
  onChange(): void;
}

/**
 * The outbox keeps an outing's record without its idempotency key (the outbox's own key is the
 * message's): the message is the payload with that key, checked whole against the contract. A record
 * queued before outings closed their money has no close: it goes as it is, with none.
 */
export function outingRecordMessage(idempotencyKey: string, payload: unknown): OutingRecordMessage {
  return OutingRecordMessage.parse({ close: null, ...z.record(z.string(), z.unknown()).parse(payload), idempotencyKey });
}

interface OutingRow {
  id: string;
  outing_date: string;
  kind: string;
  place: string | null;
  staff: string;
  started_at: string;
  ended_at: string | null;
  person_hash_key: Buffer | null;
  explained: number;
  record_key: string | null;
  record_delivered_at: string | null;
}

const OUTING_COLUMNS = 'id, outing_date, kind, place, staff, started_at, ended_at, person_hash_key, explained, record_key, record_delivered_at';
const TALLY_SOURCE = 'tally';

export class OutingService {
  private readonly o: OutingServiceOptions;

  constructor(options: OutingServiceOptions) {
    this.o = options;
  }

  desk(): OutingDesk {
    const today = tokyoDate(this.o.clock.now());
    const open = this.openRow();
    const last = this.o.db
      .prepare<[string], OutingRow>(`SELECT ${OUTING_COLUMNS} FROM outings WHERE ended_at IS NOT NULL AND outing_date = ? ORDER BY ended_at DESC LIMIT 1`)
      .get(today);
    return {
      today,
      open: open ? this.view(open) : null,
      lastEnded: last ? this.view(last) : null,
      places: [...this.o.places],
      goods: this.o.goods.items,
      staff: this.roster(),
    };
  }

  /** 運行開始: one outing open at a time; works offline (nothing goes to city hall until it ends). */
  start(input: OutingStartInput, staffId: string): OutingView {
    const { db, audit, clock, newId } = this.o;
    if (input.kind === 'patrol' && input.place !== null && !this.o.places.includes(input.place)) {
      throw new AppError('INVALID_INPUT', '地区定期巡回の場所は一覧から選んでください。', [{ path: 'place', message: '地区定期巡回の場所は一覧から選んでください。' }]);
    }
    const known = new Set(this.roster().map((s) => s.id));
    const unknown = input.staff.find((s) => !known.has(s));
    if (unknown) throw new AppError('INVALID_INPUT', `職員番号 ${unknown} は登録されていません。`, [{ path: 'staff', message: `職員番号 ${unknown} は登録されていません。` }]);
    const view = db.transaction(() => {
      if (this.openRow()) throw new AppError('OUTING_ALREADY_OPEN', '運行中です。いまの運行を終了してから、次の運行を開始してください。');
      const id = newId();
      const now = clock.now();
      db.prepare('INSERT INTO outings (id, outing_date, kind, place, staff, started_at, started_by, person_hash_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        id, tokyoDate(now), input.kind, input.place, JSON.stringify(input.staff), now.toISOString(), staffId, randomBytes(32),
      );
      audit.append({ actor: staffId, action: 'outing.started', detail: { outingId: id, kind: input.kind, place: input.place ?? '' } });
      return this.view(this.row(id));
    })();
    this.o.onChange();
    return view;
  }

  /**
   * 締めて運行を終了: the close is computed from the outing's money lines and the staff's count, and a
   * difference in cash needs its reason. The close, its audit, its 日計表 print job and the record
   * carrying it are written in the same transaction that ends the outing, so it is sent once and
   * nothing of the outing's money changes after; the person hashes and their key go.
   */
  end(rawInput: CloseInputDraft, staffId: string): OutingView {
    const { db, audit, clock, outbox } = this.o;
    const parsed = CloseInput.safeParse(rawInput);
    if (!parsed.success) throw new ValidationError(fieldProblems(parsed.error));
    const input = parsed.data;
    const { view, printJob } = db.transaction(() => {
      const row = this.openRow();
      if (!row) throw new AppError('NO_OPEN_OUTING', '運行が開始されていません。');
      const endedAt = clock.now().toISOString();
      const lines = this.o.money.lines(row.id);
      const totals = computeClose(lines, input);
      const problems = closeProblems(totals, input);
      if (problems.length > 0) throw new ValidationError(problems);
      const close = DailyClose.parse({ outingId: row.id, closedAt: endedAt, closedBy: staffId, ...input, lines, totals });
      const staff = this.staffOf(row);
      const job = this.o.receipts.queueClose({ outing: { date: row.outing_date, title: this.title(row), staff }, close }, staffId);
      db.prepare('INSERT INTO outing_closes (outing_id, close, closed_at, closed_by, print_job_id) VALUES (?, ?, ?, ?, ?)').run(row.id, sealText(this.o.cipher, JSON.stringify(close), `outing_close:${row.id}`), endedAt, staffId, job);
      audit.append({
        actor: staffId,
        action: 'outing.closed',
        detail: {
          outingId: row.id, feesYen: totals.feesYen, goodsYen: totals.goodsYen, refundsYen: totals.refundsYen, expectedYen: totals.cash.expectedYen,
          countedYen: totals.cash.countedYen, differenceYen: totals.cash.differenceYen,
          ...Object.fromEntries(totals.cashless.map((c) => [`${c.method}DifferenceYen`, c.differenceYen])),
        },
      });
      const record = {
        type: 'outing.record',
        outingId: row.id,
        date: row.outing_date,
        kind: row.kind,
        place: row.place,
        staff,
        startedAt: row.started_at,
        endedAt,
        people: countServed(this.events(row.id)),
        explained: row.explained,
        sales: this.sales(row.id),
        close,
      };
      const key = outbox.enqueue(row.id, 'outing.record', record);
      // A record the hub would refuse is not written: the outing stays open with its work.
      outingRecordMessage(key, record);
      db.prepare('UPDATE outings SET ended_at = ?, ended_by = ?, record_key = ?, person_hash_key = NULL WHERE id = ?').run(endedAt, staffId, key, row.id);
      db.prepare('UPDATE outing_services SET person_key = NULL WHERE outing_id = ?').run(row.id);
      audit.append({ actor: staffId, action: 'outing.ended', detail: { outingId: row.id, people: record.people.length, explained: record.explained } });
      return { view: this.view(this.row(row.id)), printJob: job };
    })();
    this.o.onChange();
    if (printJob) void this.o.receipts.run(printJob).catch((e: unknown) => this.o.onError(e));
    return view;
  }

  /** City hall holds the record (called inside the sync's transaction). */
  recordDelivered(outingId: string): void {
    this.o.db.prepare('UPDATE outings SET record_delivered_at = ? WHERE id = ? AND ended_at IS NOT NULL AND record_delivered_at IS NULL').run(this.o.clock.now().toISOString(), outingId);
  }

  /** +1 / −1 on a hand tally; −1 undoes the last +1 of that kind and never goes below 0. */
  tally(input: TallyInput, staffId: string): OutingView {
    const { db, clock } = this.o;
    const view = db.transaction(() => {
      const row = this.requireOpen();
      if (input.kind === 'explained') {
        db.prepare('UPDATE outings SET explained = MAX(0, explained + ?) WHERE id = ?').run(input.delta, row.id);
      } else if (input.delta === 1) {
        this.insertEvent(row.id, { personKey: null, service: input.kind }, TALLY_SOURCE, null, clock.now().toISOString());
      } else {
        const last = db
          .prepare<[string, string, string], { seq: number }>('SELECT seq FROM outing_services WHERE outing_id = ? AND source = ? AND service = ? ORDER BY seq DESC LIMIT 1')
          .get(row.id, TALLY_SOURCE, input.kind);
        if (last) db.prepare('DELETE FROM outing_services WHERE seq = ?').run(last.seq);
      }
      this.o.audit.append({ actor: staffId, action: 'outing.tallied', detail: { outingId: row.id, kind: input.kind, delta: input.delta } });
      return this.view(this.row(row.id));
    })();
    this.o.onChange();
    return view;
  }

  /** ごみ処理券: sold at the listed price, its 領収書 printed (when the vehicle has a receipt printer), the buyer counted once. */
  sell(input: GoodsSaleInput, staffId: string): { outing: OutingView; receiptPrinting: boolean } {
    const { db, clock, newId } = this.o;
    const sale = GoodsSaleInput.parse(input);
    const item = this.o.goods.items.find((i) => i.id === sale.itemId);
    if (!item) throw new AppError('INVALID_INPUT', '品目が見つかりません。一覧から選び直してください。', [{ path: 'itemId', message: '品目が見つかりません。一覧から選び直してください。' }]);
    refuseCashlessOffline(sale.method, this.o.online());
    const totalYen = item.unitYen * sale.quantity;
    const tendered = sale.method === 'cash' ? (sale.tenderedYen ?? 0) : null;
    if (tendered !== null && tendered < totalYen) {
      throw new AppError('INVALID_INPUT', `お預かり金額が足りません。合計は${totalYen}円です。`, [{ path: 'tenderedYen', message: `お預かり金額が足りません。合計は${totalYen}円です。` }]);
    }
    const change = tendered === null ? null : tendered - totalYen;
    const { view, jobId } = db.transaction(() => {
      const row = this.requireOpen();
      const id = newId();
      const at = clock.now().toISOString();
      const receiptNumber = `G${row.outing_date.replaceAll('-', '')}-${String(this.salesToday(row.outing_date) + 1).padStart(3, '0')}`;
      const job = this.o.receipts.queue({ receiptNumber, items: [{ item: item.name, unitYen: item.unitYen, quantity: sale.quantity }], method: sale.method, tenderedYen: tendered, changeYen: change }, staffId);
      db.prepare(
        'INSERT INTO outing_sales (id, outing_id, item_id, item_name, unit_yen, quantity, payment_method, tendered_yen, change_yen, receipt_job_id, sold_by, sold_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(id, row.id, item.id, item.name, item.unitYen, sale.quantity, sale.method, tendered, change, job, staffId, at);
      this.o.money.goodsSold(row.id, id, { item: item.name, quantity: sale.quantity, method: sale.method, amountYen: totalYen, tenderedYen: tendered, changeYen: change });
      this.insertEvent(row.id, { personKey: null, service: 'garbage_ticket' }, 'sale', id, at);
      this.o.audit.append({ actor: staffId, action: 'outing.goods_sold', detail: { outingId: row.id, saleId: id, item: item.id, quantity: sale.quantity, amountYen: totalYen, method: sale.method } });
      return { view: this.view(this.row(row.id)), jobId: job };
    })();
    this.o.onChange();
    if (jobId) void this.o.receipts.run(jobId).catch((e: unknown) => this.o.onError(e));
    return { outing: view, receiptPrinting: jobId !== null };
  }

  /** A certificate handed over (step 7): its subject counted once with 'certificate', however many copies. */
  certificateHandedOver(requestId: string, subject: { name: string; birthDate: string }): void {
    this.counted({ personKey: null, service: 'certificate' }, 'request', requestId, subject);
  }

  /**
   * A り災証明書 application submitted (in the caller's transaction): its applicant counted once,
   * recognised by name and birth date like a certificate's subject, never stored.
   */
  risaiApplicationTaken(applicationId: string, applicant: { name: string; birthDate: string }): void {
    this.counted({ personKey: null, service: 'risai' }, 'risai', applicationId, applicant);
  }

  /** マイナ保険証紐付け recorded by city hall. */
  insuranceLinked(linkId: string): void {
    this.counted({ personKey: null, service: 'mynumber_card' }, 'insurance_link', linkId);
  }

  /** A video consultation that was connected has ended. */
  consultationEnded(callId: string, department: Department): void {
    this.counted({ personKey: null, service: 'consultation', department }, 'consultation', callId);
  }

  /** Whether an outing is open now (the work outside an outing is not counted). */
  isOpen(): boolean {
    return this.openRow() !== undefined;
  }

  private counted(event: ServiceEvent, source: string, sourceId: string, person?: { name: string; birthDate: string }): void {
    const { db } = this.o;
    const row = this.openRow();
    if (!row) return;
    const personKey = person && row.person_hash_key ? this.personKey(row.person_hash_key, person) : null;
    const inserted = db.transaction(() => this.insertEvent(row.id, { ...event, personKey }, source, sourceId, this.o.clock.now().toISOString()))();
    if (inserted) this.o.onChange();
  }

  private insertEvent(outingId: string, e: ServiceEvent, source: string, sourceId: string | null, at: string): boolean {
    return (
      this.o.db
        .prepare('INSERT OR IGNORE INTO outing_services (outing_id, person_key, service, department, source, source_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(outingId, e.personKey, e.service, e.department ?? null, source, sourceId, at).changes === 1
    );
  }

  /** Same resident within the outing: the folded name and the birth date, hashed under the outing's key. */
  private personKey(key: Buffer, person: { name: string; birthDate: string }): string {
    return createHmac('sha256', key).update(`${normalizeName(person.name)}\u0000${person.birthDate}`).digest('base64url');
  }

  private events(outingId: string): ServiceEvent[] {
    return this.o.db
      .prepare<[string], { person_key: string | null; service: string; department: string | null }>('SELECT person_key, service, department FROM outing_services WHERE outing_id = ? ORDER BY seq')
      .all(outingId)
      .map((r) => ({
        personKey: r.person_key,
        service: ServedService.parse(r.service),
        ...(r.department ? { department: r.department as Department } : {}),
      }));
  }

  private sales(outingId: string): OutingSale[] {
    return this.o.db
      .prepare<[string], { item_name: string; unit_yen: number; quantity: number }>('SELECT item_name, unit_yen, quantity FROM outing_sales WHERE outing_id = ? ORDER BY sold_at, id')
      .all(outingId)
      .map((r) => ({ item: r.item_name, unitYen: r.unit_yen, quantity: r.quantity }));
  }

  private salesToday(date: string): number {
    return this.o.db
      .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM outing_sales s JOIN outings o ON o.id = s.outing_id WHERE o.outing_date = ?')
      .get(date)!.n;
  }

  private counts(row: OutingRow): OutingCounts {
    const totals = serviceTotals(countServed(this.events(row.id)));
    const sold = this.sales(row.id);
    return {
      services: totals.services,
      risai: totals.risai,
      people: totals.people,
      explained: row.explained,
      ticketsSold: sold.reduce((n, s) => n + s.quantity, 0),
      salesYen: sold.reduce((n, s) => n + s.quantity * s.unitYen, 0),
    };
  }

  private roster(): { id: string; name: string }[] {
    return this.o.db
      .prepare<[], { id: string; display_name: string }>('SELECT id, display_name FROM staff WHERE active = 1 ORDER BY id')
      .all()
      .map((r) => ({ id: r.id, name: r.display_name }));
  }

  private staffOf(row: OutingRow): string[] {
    return z.array(z.string()).parse(JSON.parse(row.staff));
  }

  private title(row: OutingRow): string {
    return `${outingKindLabel[OutingKind.parse(row.kind)]}${row.place ? `（${row.place}）` : ''}`;
  }

  private closeOf(outingId: string): DailyClose | null {
    const r = this.o.db.prepare<[string], { close: string }>('SELECT close FROM outing_closes WHERE outing_id = ?').get(outingId);
    return r ? DailyClose.parse(JSON.parse(openText(this.o.cipher, r.close, `outing_close:${outingId}`))) : null;
  }

  private view(row: OutingRow): OutingView {
    const names = new Map(this.roster().map((s) => [s.id, s.name]));
    const pending = row.record_key !== null && row.record_delivered_at === null;
    return {
      id: row.id,
      date: row.outing_date,
      kind: OutingKind.parse(row.kind),
      place: row.place,
      staff: this.staffOf(row).map((id) => ({ id, name: names.get(id) ?? id })),
      startedAt: row.started_at,
      endedAt: row.ended_at,
      counts: this.counts(row),
      recordPending: pending,
      money: this.o.money.lines(row.id),
      close: this.closeOf(row.id),
    };
  }

  private openRow(): OutingRow | undefined {
    return this.o.db.prepare<[], OutingRow>(`SELECT ${OUTING_COLUMNS} FROM outings WHERE ended_at IS NULL`).get();
  }

  private requireOpen(): OutingRow {
    const row = this.openRow();
    if (!row) throw new AppError('NO_OPEN_OUTING', '運行が開始されていません。先に運行を開始してください。');
    return row;
  }

  private row(id: string): OutingRow {
    return this.o.db.prepare<[string], OutingRow>(`SELECT ${OUTING_COLUMNS} FROM outings WHERE id = ?`).get(id)!;
  }
}
