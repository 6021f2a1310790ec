// 本日の訪問: the vehicle's home visits, pulled from city hall whenever it is reachable and kept sealed
// at rest, so from departure on the day is there with no network. Opening a visit creates its
// certificate requests pre-filled from the booking (書かない窓口); the outcome is recorded offline and
// goes to city hall through the outbox; once city hall holds it, the visit's personal data is purged.
import { z } from 'zod';
import type { RequestInput, RequestSummary } from '../../protocol/request';
import { tokyoDate } from '../../protocol/visit-calendar';
import {
  requestsFromBooking, VisitForVehicle, VisitOutcome, type VehicleVisitsResponse, type VisitDay, type VisitOutcomeInput, type VisitView,
} from '../../protocol/visits';
import type { Logger } from '../../common/logger';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { FieldCipher } from './crypto';
import type { Db } from './db';
import { AppError } from './errors';
import type { Outbox } from './outbox';

/** How the vehicle asks city hall for its visits (the mutual-TLS link); answers are parsed before they arrive here. */
export interface VisitTransport {
  visits(): Promise<VehicleVisitsResponse>;
}

export interface HomeVisitsOptions {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  outbox: Outbox;
  logger: Logger;
  /** City hall; without it the terminal keeps what it has (nothing, if it was never pulled). */
  transport: VisitTransport | null;
  /** Whether city hall answered the last sync: shown on the day's banner. */
  online(): boolean;
  /** Creates one certificate request the way staff do at the desk (request-desk.ts). */
  createRequest(input: RequestInput, staffId: string): RequestSummary;
  /** The day changed (pulled, opened, outcome recorded or purged); something may wait for city hall. */
  onChange(): void;
}

const STORED_BOOKING = VisitForVehicle.omit({ status: true });
type StoredBooking = z.infer<typeof STORED_BOOKING>;

const sealContext = (id: string) => `home_visit:${id}`;
const reasonContext = (id: string) => `home_visit_reason:${id}`;

interface VisitRow {
  id: string;
  visit_date: string;
  slot: VisitView['slot'];
  start: string;
  status: VisitView['status'];
  booking_sealed: Buffer | null;
  request_ids: string;
  outcome_reason_sealed: Buffer | null;
  outcome_key: string | null;
}

/** What the outbox keeps for a visit's outcome until city hall acknowledges it. */
export const VisitOutcomePayload = z.object({
  bookingId: z.string(),
  outcome: VisitOutcome,
  reason: z.string().nullable(),
  staffId: z.string(),
  recordedAt: z.string(),
});

export class HomeVisits {
  private readonly o: HomeVisitsOptions;
  private pulling: Promise<VisitDay> | null = null;

  constructor(options: HomeVisitsOptions) {
    this.o = options;
  }

  /**
   * Brings the coming visits from city hall and stores them sealed, in one transaction. A visit city
   * hall no longer lists (cancelled, its day given to another vehicle, or its day past) is dropped
   * unless its outcome is recorded here; one city hall already holds an outcome for keeps no personal data.
   */
  pull(): Promise<VisitDay> {
    this.pulling ??= this.pullOnce().finally(() => {
      this.pulling = null;
    });
    return this.pulling;
  }

  /** A pull in the background (start, reconnect): a failure is logged by code and the stored day stays. */
  pullInBackground(): void {
    if (!this.o.transport) return;
    this.pull().catch((e: unknown) => this.o.logger.warn({ code: e instanceof AppError ? e.code : 'UNREACHABLE' }, 'visits not pulled'));
  }

  private async pullOnce(): Promise<VisitDay> {
    const { transport, db, cipher, audit, clock } = this.o;
    if (!transport) throw new AppError('HUB_NOT_CONFIGURED', 'この端末は市役所ハブに登録されていないため、訪問予定を受け取れません。管理者に連絡してください。');
    let answer: VehicleVisitsResponse;
    try {
      answer = await transport.visits();
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('HUB_UNREACHABLE', '市役所に接続できないため、訪問予定を更新できませんでした。保存されている予定を表示しています。');
    }
    const at = clock.now().toISOString();
    const existing = db.prepare<[string], { status: VisitView['status'] }>('SELECT status FROM home_visits WHERE id = ?');
    const insert = db.prepare(
      'INSERT INTO home_visits (id, visit_date, slot, start, status, booking_sealed, outcome_at, pulled_at, purged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const update = db.prepare("UPDATE home_visits SET visit_date = ?, slot = ?, start = ?, booking_sealed = ?, pulled_at = ? WHERE id = ? AND status IN ('planned', 'open')");
    const closeFromHub = db.prepare(
      "UPDATE home_visits SET status = ?, outcome_at = ?, booking_sealed = NULL, outcome_reason_sealed = NULL, purged_at = ? WHERE id = ? AND status IN ('planned', 'open')",
    );
    let dropped = 0;
    db.transaction(() => {
      for (const v of answer.visits) {
        const { status: _booked, ...booking } = v;
        const sealed = cipher.seal(JSON.stringify(booking), sealContext(v.bookingId));
        if (existing.get(v.bookingId)) update.run(v.date, v.slot, v.start, sealed, at, v.bookingId);
        else insert.run(v.bookingId, v.date, v.slot, v.start, 'planned', sealed, null, at, null);
      }
      for (const f of answer.finished) {
        if (existing.get(f.bookingId)) closeFromHub.run(f.outcome, at, at, f.bookingId);
        else insert.run(f.bookingId, f.date, f.slot, f.start, f.outcome, null, at, at, at);
      }
      const listed = new Set([...answer.visits, ...answer.finished].map((v) => v.bookingId));
      // Past days too: city hall lists from today on, and a visit never worked keeps no personal data here.
      const stale = db
        .prepare<[], { id: string }>("SELECT id FROM home_visits WHERE status IN ('planned', 'open')")
        .all()
        .filter((r) => !listed.has(r.id));
      const remove = db.prepare('DELETE FROM home_visits WHERE id = ?');
      for (const r of stale) dropped += remove.run(r.id).changes;
      db.prepare("INSERT INTO meta (key, value) VALUES ('visits_pulled_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(at);
      audit.append({ actor: 'system', action: 'visits.pulled', detail: { visits: answer.visits.length, finished: answer.finished.length, dropped } });
    })();
    this.o.onChange();
    return this.day();
  }

  /** The visits from today (the vehicle's Tokyo date) on, by day and time. */
  day(): VisitDay {
    const today = tokyoDate(this.o.clock.now());
    const rows = this.o.db
      .prepare<[string], VisitRow>(
        'SELECT id, visit_date, slot, start, status, booking_sealed, request_ids, outcome_reason_sealed, outcome_key FROM home_visits WHERE visit_date >= ? ORDER BY visit_date, start, id',
      )
      .all(today);
    return { today, visits: rows.map((r) => this.view(r)), lastPulledAt: this.lastPulledAt(), online: this.o.online() };
  }

  /**
   * 訪問を開始: creates the visit's certificate requests pre-filled from the booking, through the same
   * path as a request staff type in, so each then goes through the seven steps (the card read
   * confirms the person fields). Opening an open visit again creates nothing more.
   */
  open(bookingId: string, staffId: string): VisitView {
    const { db, audit } = this.o;
    const view = db.transaction(() => {
      const row = this.row(bookingId);
      if (row.status === 'open') return this.view(row);
      if (row.status !== 'planned') throw new AppError('VISIT_CLOSED', 'この訪問は結果を記録済みです。開始できません。');
      const booking = this.booking(row);
      const created = requestsFromBooking(booking).map((input) => this.o.createRequest(input, staffId).id);
      db.prepare("UPDATE home_visits SET status = 'open', request_ids = ? WHERE id = ?").run(JSON.stringify(created), bookingId);
      audit.append({ actor: staffId, action: 'visit.opened', detail: { bookingId, requests: created.join(',') } });
      return this.view(this.row(bookingId));
    })();
    this.o.onChange();
    return view;
  }

  /** 完了 / ご不在 / 延期 / 取消: recorded here at once, and queued for city hall in the same transaction. */
  recordOutcome(input: VisitOutcomeInput, staffId: string): VisitView {
    const { db, audit, outbox, cipher, clock } = this.o;
    const view = db.transaction(() => {
      const row = this.row(input.bookingId);
      if (row.status !== 'planned' && row.status !== 'open') throw new AppError('OUTCOME_RECORDED', 'この訪問の結果はもう記録されています。');
      const at = clock.now().toISOString();
      const reason = input.outcome === 'done' ? null : (input.reason ?? null);
      const key = outbox.enqueue(input.bookingId, 'visit.outcome', { bookingId: input.bookingId, outcome: input.outcome, reason, staffId, recordedAt: at });
      db.prepare('UPDATE home_visits SET status = ?, outcome_reason_sealed = ?, outcome_at = ?, outcome_by = ?, outcome_key = ? WHERE id = ?').run(
        input.outcome,
        reason === null ? null : cipher.seal(reason, reasonContext(input.bookingId)),
        at,
        staffId,
        key,
        input.bookingId,
      );
      audit.append({ actor: staffId, action: 'visit.outcome_recorded', detail: { bookingId: input.bookingId, outcome: input.outcome } });
      return this.view(this.row(input.bookingId));
    })();
    this.o.onChange();
    return view;
  }

  /** City hall holds the outcome: the visit keeps its id, day, slot and outcome only. Call inside the sync's transaction. */
  outcomeDelivered(bookingId: string): void {
    const changed = this.o.db
      .prepare('UPDATE home_visits SET booking_sealed = NULL, outcome_reason_sealed = NULL, outcome_key = NULL, purged_at = ? WHERE id = ? AND purged_at IS NULL')
      .run(this.o.clock.now().toISOString(), bookingId).changes;
    if (changed === 1) this.o.audit.append({ actor: 'system', action: 'visit.purged', detail: { bookingId } });
  }

  lastPulledAt(): string | null {
    return this.o.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'visits_pulled_at'").get()?.value ?? null;
  }

  private row(id: string): VisitRow {
    const row = this.o.db
      .prepare<[string], VisitRow>('SELECT id, visit_date, slot, start, status, booking_sealed, request_ids, outcome_reason_sealed, outcome_key FROM home_visits WHERE id = ?')
      .get(id);
    if (!row) throw new AppError('VISIT_NOT_FOUND', 'この訪問は見つかりません。訪問予定を更新してください。');
    return row;
  }

  private booking(row: VisitRow): StoredBooking {
    if (!row.booking_sealed) throw new AppError('VISIT_PURGED', 'この訪問の内容は市役所に送信済みのため、端末には残っていません。');
    return STORED_BOOKING.parse(JSON.parse(this.o.cipher.open(row.booking_sealed, sealContext(row.id))));
  }

  private view(row: VisitRow): VisitView {
    return {
      bookingId: row.id,
      date: row.visit_date,
      slot: row.slot,
      start: row.start,
      status: row.status,
      outcomePending: row.outcome_key !== null,
      booking: row.booking_sealed ? this.booking(row) : null,
      outcomeReason: row.outcome_reason_sealed ? this.o.cipher.open(row.outcome_reason_sealed, reasonContext(row.id)) : null,
      requestIds: z.array(z.string()).parse(JSON.parse(row.request_ids)),
    };
  }
}
