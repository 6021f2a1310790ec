// Certificate requests on the vehicle: entry, identity check, the resident's confirmation and every
// later step. Each change is one SQLite transaction holding the new state, its audit record and any
// outbox message, so a power cut leaves either all of it or none of it.
import { z } from 'zod';
import type { RequestStep } from '../../protocol/domain';
import { certificateKindLabel, requestStepLabel, requesterRelationLabel } from '../../protocol/labels';
import type { FeeTable } from '../../protocol/ipc';
import {
  IdentityCheckInput,
  Payment,
  RequestInput,
  type PaymentInput,
  type RequestDetail,
  type RequestSummary,
  type ResidentView,
} from '../../protocol/request';
import { fieldProblems } from '../../protocol/errors';
import type { AuditLog } from './audit';
import { tokyoDay, type Clock } from './clock';
import { openText, sealText, type FieldCipher } from './crypto';
import type { Db } from './db';
import { AppError, NotFoundError, ValidationError } from './errors';
import { feeFor } from './fees';
import type { IdGenerator } from '../../common/ids';
import type { Outbox } from './outbox';
import type { OutingMoney } from './outing-money';
import { transition, type Effect, type WorkflowEvent, type WorkflowState } from './workflow';

interface RequestRow {
  id: string;
  day: string;
  number: string;
  kind: string;
  copies: number;
  fee_yen: number;
  step: string;
  resident_confirmed: number;
  personal_sealed: Buffer | null;
  identity_sealed: Buffer | null;
  payment: string | null;
  reason: string | null;
  staff_id: string;
  created_at: string;
  updated_at: string;
}

/** What a step change may also write besides the step. */
interface MoveExtra {
  identity_sealed?: Buffer;
  payment?: string;
  reason?: string;
  auditDetail?: Record<string, string | number>;
}

const StepFromRow = z.enum(Object.keys(requestStepLabel) as [RequestStep, ...RequestStep[]]);

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(fieldProblems(r.error));
  return r.data;
}

export interface RequestServiceOptions {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  outbox: Outbox;
  clock: Clock;
  newId: IdGenerator;
  fees: FeeTable;
  /** The open outing's money ledger: fees and refunds due land in it with the step that caused them. */
  money?: OutingMoney;
}

export class RequestService {
  // Prepared once: statement compilation would otherwise cost more than the write itself.
  private readonly stmt;

  private readonly db: Db;
  private readonly cipher: FieldCipher;
  private readonly audit: AuditLog;
  private readonly outbox: Outbox;
  private readonly clock: Clock;
  private readonly newId: IdGenerator;
  private readonly fees: FeeTable;
  private readonly money: OutingMoney | null;

  constructor(options: RequestServiceOptions) {
    this.db = options.db;
    this.cipher = options.cipher;
    this.audit = options.audit;
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.newId = options.newId;
    this.fees = options.fees;
    this.money = options.money ?? null;
    this.stmt = {
      // The newest row by rowid (requests are never deleted): O(1), where COUNT(*) over the day
      // would grow with every request and a counter row would cost one more page per write.
      newest: this.db.prepare<[], { day: string; number: string }>('SELECT day, number FROM requests ORDER BY rowid DESC LIMIT 1'),
      insert: this.db.prepare(
        `INSERT INTO requests (id, day, number, kind, copies, fee_yen, step, personal_sealed, staff_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'entered', ?, ?, ?, ?)`,
      ),
      update: this.db.prepare(
        `UPDATE requests SET step = ?, resident_confirmed = ?, identity_sealed = COALESCE(?, identity_sealed),
           payment = COALESCE(?, payment), reason = COALESCE(?, reason), updated_at = ? WHERE id = ?`,
      ),
      byId: this.db.prepare<[string], RequestRow>('SELECT * FROM requests WHERE id = ?'),
      byDay: this.db.prepare<[string], RequestRow>('SELECT * FROM requests WHERE day = ? ORDER BY rowid DESC'),
    };
  }

  /** Step 1: a new 交付請求書, entered by staff (or filled from the card). */
  create(rawInput: unknown, staffId: string): RequestSummary {
    const input = parseOrThrow(RequestInput, rawInput);
    const id = this.newId();
    const now = this.clock.now();
    const at = now.toISOString();
    const day = tokyoDay(now);
    const fee = feeFor(this.fees, input.kind, input.copies);
    const number = this.db.transaction(() => {
      const newest = this.stmt.newest.get();
      const n = String(newest?.day === day ? Number(newest.number) + 1 : 1).padStart(3, '0');
      this.stmt.insert.run(id, day, n, input.kind, input.copies, fee, this.cipher.seal(JSON.stringify(input), `request:${id}`), staffId, at, at);
      this.audit.append({ actor: staffId, action: 'request.create', requestId: id, detail: { kind: input.kind, copies: input.copies, feeYen: fee } });
      return n;
    })();
    return { id, number, kind: input.kind, copies: input.copies, feeYen: fee, step: 'entered', residentConfirmed: false, createdAt: at, updatedAt: at };
  }

  /** Step 2, manual path: document kinds and at most the last 4 digits (never an image, never the My Number). */
  checkIdentity(id: string, rawIdentity: unknown, staffId: string): RequestSummary {
    const identity = parseOrThrow(IdentityCheckInput, rawIdentity);
    return this.apply(id, { type: 'IDENTITY_CHECKED' }, staffId, {
      identity_sealed: this.cipher.seal(JSON.stringify(identity), `identity:${id}`),
      auditDetail: { documents: identity.documents.map((d) => d.kind).join('+') },
    });
  }

  confirmByResident(id: string): RequestSummary {
    return this.apply(id, { type: 'RESIDENT_CONFIRMED' }, 'resident');
  }

  /** Step 5: the printed sheet is right, or it is spoiled (書き損じ) and waits for a reprint decision. */
  checkPrinted(id: string, ok: boolean, reason: string | undefined, staffId: string): RequestSummary {
    if (!ok && !reason) throw new ValidationError([{ path: 'reason', message: '書き損じの理由を入力してください。' }]);
    return this.apply(id, ok ? { type: 'CHECK_OK' } : { type: 'CHECK_SPOILED', reason: reason! }, staffId, ok ? {} : { reason: reason! });
  }

  /** Step 6: the fee, in integer yen. Cash needs the amount tendered and gives change. */
  recordPayment(id: string, input: PaymentInput, staffId: string): { summary: RequestSummary; payment: Payment } {
    const row = this.row(id);
    let payment: Payment;
    if (input.method === 'cash') {
      const tendered = input.tenderedYen ?? 0;
      if (tendered < row.fee_yen) {
        throw new ValidationError([{ path: 'payment.tenderedYen', message: `お預かり金額が足りません。手数料は${row.fee_yen}円です。` }]);
      }
      payment = { method: 'cash', amountYen: row.fee_yen, tenderedYen: tendered, changeYen: tendered - row.fee_yen };
    } else {
      payment = { method: input.method, amountYen: row.fee_yen, tenderedYen: null, changeYen: 0 };
    }
    const summary = this.db.transaction(() => {
      const s = this.apply(id, { type: 'PAID' }, staffId, {
        payment: JSON.stringify(payment),
        auditDetail: { method: payment.method, amountYen: payment.amountYen },
      });
      this.money?.feePaid(id, { kind: row.kind, copies: row.copies, ...payment });
      return s;
    })();
    return { summary, payment };
  }

  handOver(id: string, staffId: string): RequestSummary {
    return this.apply(id, { type: 'HANDED_OVER' }, staffId);
  }

  cancel(id: string, reason: string, staffId: string): RequestSummary {
    return this.apply(id, { type: 'CANCELLED', reason }, staffId, { reason });
  }

  /** Events that come from city hall (via sync) or from the print ledger. */
  applyExternal(id: string, event: WorkflowEvent, actor: 'hub' | 'system', reason?: string): RequestSummary {
    return this.apply(id, event, actor, reason ? { reason } : {});
  }

  listForDay(day = tokyoDay(this.clock.now())): RequestSummary[] {
    return this.stmt.byDay.all(day).map((r) => this.toSummary(r));
  }

  summary(id: string): RequestSummary {
    return this.toSummary(this.row(id));
  }

  /** The full request, personal fields included. Every call leaves an audit record. */
  detail(id: string, actor: string): RequestDetail {
    const row = this.row(id);
    const detail = this.open(row);
    this.db.transaction(() => this.audit.append({ actor, action: 'personal.read', requestId: id }))();
    return detail;
  }

  /** The request as city hall receives it (step 3). The sync audits the delivery, not each attempt. */
  relayContent(id: string): RequestDetail {
    return this.open(this.row(id));
  }

  /**
   * Once city hall has acknowledged the handover, the vehicle keeps no personal data of the request:
   * the sealed fields go, the audit trail keeps ids, steps and times.
   */
  purgePersonal(id: string, actor: string): void {
    this.db.transaction(() => {
      const res = this.db
        .prepare('UPDATE requests SET personal_sealed = NULL, identity_sealed = NULL, purged_at = ? WHERE id = ? AND personal_sealed IS NOT NULL')
        .run(this.clock.now().toISOString(), id);
      if (res.changes === 1) this.audit.append({ actor, action: 'personal.purged', requestId: id });
    })();
  }

  /** What the resident screen shows, also audited (it displays personal fields). */
  residentView(id: string, actor: string): ResidentView {
    const row = this.row(id);
    const { input } = this.open(row);
    const details: string[] = [];
    if (input.juminhyo) {
      details.push(input.juminhyo.scope === 'household' ? '世帯全員' : '一部の方');
      details.push(input.juminhyo.includeHonseki ? '本籍・筆頭者 あり' : '本籍・筆頭者 なし');
      details.push(input.juminhyo.includeZokugara ? '続柄 あり' : '続柄 なし');
      if (input.juminhyo.showMyNumber) details.push('個人番号 あり');
    }
    if (input.fiscalYear !== undefined) details.push(`${input.fiscalYear}年度`);
    details.push(`請求する方: ${requesterRelationLabel[input.requester.relation]}`);
    this.db.transaction(() => this.audit.append({ actor, action: 'personal.show_resident', requestId: id }))();
    return {
      requestId: id,
      number: row.number,
      kindLabel: certificateKindLabel[input.kind],
      copies: input.copies,
      feeYen: row.fee_yen,
      subjectName: input.subject.name,
      subjectAddress: input.subject.address,
      details,
    };
  }

  /**
   * City hall acknowledged the request (step 3 done): queued → relayed, unless it has already moved
   * on. Runs inside the caller's transaction, the one that records the delivery (a failure aborts
   * both), with a single read of the request.
   */
  markRelayedIn(id: string): void {
    if (!this.db.inTransaction) throw new Error('markRelayedIn runs inside the delivery transaction');
    const row = this.row(id);
    if (row.step === 'queued') this.move(row, { type: 'RELAY_ACKED' }, 'hub', {});
  }

  private apply(id: string, event: WorkflowEvent, actor: string, extra: MoveExtra = {}): RequestSummary {
    // Read inside the transaction so two quick taps cannot both move the same step.
    this.db.transaction(() => this.move(this.row(id), event, actor, extra))();
    return this.summary(id);
  }

  private move(row: RequestRow, event: WorkflowEvent, actor: string, extra: MoveExtra): void {
    const { id } = row;
    const { state, effects } = transition(this.stateOf(row), event);
    this.stmt.update.run(state.step, state.residentConfirmed ? 1 : 0, extra.identity_sealed ?? null, extra.payment ?? null, extra.reason === undefined ? null : sealText(this.cipher, extra.reason, `request_reason:${id}`), this.clock.now().toISOString(), id);
    this.audit.append({ actor, action: `request.${event.type.toLowerCase()}`, requestId: id, detail: { from: row.step, to: state.step, ...extra.auditDetail } });
    for (const effect of effects) this.runEffect(effect, id, actor);
  }

  private runEffect(effect: Effect, id: string, actor: string): void {
    switch (effect.type) {
      case 'relayRequest':
        // A reference, not a copy: the personal fields stay sealed in one place, and the sync builds
        // the message from the request when it sends it (the request cannot change once queued).
        this.outbox.enqueue(id, 'request.submit', { requestId: id });
        this.audit.append({ actor, action: 'relay.queued', requestId: id });
        return;
      case 'notifyHub':
        this.outbox.enqueue(id, 'request.event', { requestId: id, event: effect.event, at: this.clock.now().toISOString() });
        return;
      case 'recordSpoiledSheet':
        this.audit.append({ actor, action: 'print.spoiled', requestId: id });
        return;
      case 'refundDue': {
        this.audit.append({ actor, action: 'payment.refund_due', requestId: id, detail: { amountYen: effect.amountYen } });
        const row = this.row(id);
        const paid = row.payment ? Payment.parse(JSON.parse(row.payment)) : null;
        if (paid) this.money?.refundDue(id, { kind: row.kind, copies: row.copies, method: paid.method, amountYen: effect.amountYen });
        return;
      }
    }
  }

  private row(id: string): RequestRow {
    const row = this.stmt.byId.get(id);
    if (!row) throw new NotFoundError();
    return row;
  }

  private stateOf(row: RequestRow): WorkflowState {
    return { step: StepFromRow.parse(row.step), feeYen: row.fee_yen, residentConfirmed: row.resident_confirmed === 1, paid: row.payment !== null };
  }

  private toSummary(r: RequestRow): RequestSummary {
    return {
      id: r.id,
      number: r.number,
      kind: RequestInput.shape.kind.parse(r.kind),
      copies: r.copies,
      feeYen: r.fee_yen,
      step: StepFromRow.parse(r.step),
      residentConfirmed: r.resident_confirmed === 1,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  private open(row: RequestRow): RequestDetail {
    if (!row.personal_sealed) {
      throw new AppError('PERSONAL_DATA_PURGED', 'この受付の個人情報は市役所へ引き継ぎ済みのため、端末には残っていません。');
    }
    const input = RequestInput.parse(JSON.parse(this.cipher.open(row.personal_sealed, `request:${row.id}`)));
    const identity = row.identity_sealed ? IdentityCheckInput.parse(JSON.parse(this.cipher.open(row.identity_sealed, `identity:${row.id}`))) : null;
    return {
      ...this.toSummary(row),
      input,
      identity,
      payment: row.payment ? Payment.parse(JSON.parse(row.payment)) : null,
      reason: row.reason === null ? null : openText(this.cipher, row.reason, `request_reason:${row.id}`),
    };
  }
}
