// The print ledger: every certificate and receipt job goes through here so that nothing prints twice
// without a person deciding it. The job row says `sending` (committed, synchronous=FULL) before the
// first byte leaves, and `done` only after the printer confirms. A job caught in between by a crash
// or a cut connection becomes `outcome_unknown` and is never sent again by itself: staff look at the
// printer and choose 印刷済み or 再印刷を依頼 (a certificate reprint waits for an operator's approval;
// a receipt reprint is printed at once, marked 再発行).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { layoutReceipt, ReceiptData, type ReceiptDataInput } from '../../native/printer/receipts';
import { PrinterError, type CertificatePrinter, type PrinterProblem, type ReceiptPrinter } from '../../native/printer/types';
import { tokyoDay, type Clock } from './clock';
import { sealText } from './crypto';
import type { Db } from './db';
import { AppError, NotFoundError } from './errors';
import { newId as defaultNewId, type IdGenerator } from '../../common/ids';
import { silentLogger, type Logger } from '../../common/logger';
import { StaffId } from '../../protocol/ids';

export type PrintJobKind = 'certificate' | 'receipt';
export const PrintJobState = z.enum(['queued', 'held', 'sending', 'done', 'outcome_unknown', 'reprint_requested', 'failed']);
export type PrintJobState = z.infer<typeof PrintJobState>;

/** Seals job documents at rest (certificates carry personal data); the core's FieldCipher fits. */
const SPOILED = '書き損じ';

export interface PayloadCipher {
  seal(plaintext: string, context: string): Buffer;
  open(sealed: Buffer, context: string): string;
}

export interface PrintLedgerDeps {
  db: Db;
  clock: Clock;
  certificatePrinter: CertificatePrinter;
  receiptPrinter: ReceiptPrinter;
  cipher: PayloadCipher;
  newId?: IdGenerator;
  logger?: Logger;
  /** Half-width columns of the receipt paper, for receipt layouts. */
  receiptColumns?: number;
}

const Row = z.object({
  id: z.string(),
  kind: z.enum(['certificate', 'receipt']),
  request_id: z.string().nullable(),
  day: z.string(),
  state: PrintJobState,
  payload_sealed: z.instanceof(Buffer),
  payload_sha256: z.string(),
  copies: z.number().int(),
  reprint_of: z.string().nullable(),
  attempts: z.number().int(),
  problem_code: z.string().nullable(),
  problem_message: z.string().nullable(),
  printer_job_id: z.number().int().nullable(),
  resolution: z.string().nullable(),
  resolved_by: z.string().nullable(),
  created_at: z.string(),
  sending_at: z.string().nullable(),
  done_at: z.string().nullable(),
});
type Row = z.infer<typeof Row>;

export interface PrintJobView {
  id: string;
  kind: PrintJobKind;
  requestId: string | null;
  state: PrintJobState;
  copies: number;
  attempts: number;
  reprintOf: string | null;
  /** What staff should know or do, in Japanese; set for held, outcome_unknown and failed jobs. */
  staffMessage: string | null;
  problemCode: string | null;
  resolution: string | null;
  /** The printer's own job number (IPP job-id), when it gave one. */
  printerJobId: number | null;
  createdAt: string;
  doneAt: string | null;
}

export interface ReprintRequestView {
  id: string;
  jobId: string;
  status: 'pending_approval' | 'approved' | 'rejected';
  newJobId: string | null;
}

export const outcomeUnknownMessage = '印刷できたか確認できませんでした。プリンターを確認し、「印刷済み」か「再印刷を依頼」を選んでください。';

const Reason = z.string().trim().min(1, '理由を入力してください。').max(200, '理由は200文字以内で入力してください。');

export class PrintLedger {
  private readonly newId: IdGenerator;
  private readonly logger: Logger;
  // One job at a time per printer, so jobs leave in the order they were queued.
  private readonly lanes: Record<PrintJobKind, Promise<unknown>> = { certificate: Promise.resolve(), receipt: Promise.resolve() };

  constructor(private readonly deps: PrintLedgerDeps) {
    this.newId = deps.newId ?? defaultNewId;
    this.logger = deps.logger ?? silentLogger;
  }

  /** At start-up: a job left `sending` was interrupted between send and confirmation. */
  recoverInterrupted(): number {
    const now = this.now();
    const res = this.deps.db
      .prepare(`UPDATE print_jobs SET state = 'outcome_unknown', problem_code = 'INTERRUPTED', problem_message = ?, updated_at = ? WHERE state = 'sending'`)
      .run(outcomeUnknownMessage, now);
    if (res.changes) this.logger.warn({ jobs: res.changes }, 'print jobs interrupted by a restart are now outcome_unknown');
    return res.changes;
  }

  /** Queues a certificate PDF. The same job id twice (a duplicate delivery) is the same job. */
  enqueueCertificate(input: { jobId: string; requestId: string | null; pdf: Uint8Array; copies: number; reprintOf?: string }): PrintJobView {
    if (!/^%PDF-/.test(Buffer.from(input.pdf.subarray(0, 5)).toString('latin1'))) {
      throw new AppError('PRINT_NOT_PDF', '印刷データが PDF ではありません。市役所に再送を依頼してください。');
    }
    return this.insert('certificate', input.jobId, input.requestId, Buffer.from(input.pdf).toString('base64'), input.copies, input.reprintOf ?? null);
  }

  /** Queues a receipt (領収書, 番号札, 日計表); the data is validated and kept for a 再発行. */
  enqueueReceipt(input: { jobId?: string; requestId?: string; receipt: ReceiptDataInput; reprintOf?: string }): PrintJobView {
    const parsed = ReceiptData.safeParse(input.receipt);
    if (!parsed.success) {
      throw new AppError('RECEIPT_INVALID', parsed.error.issues[0]?.message ?? 'レシートの内容が正しくありません。');
    }
    return this.insert('receipt', input.jobId ?? this.newId(), input.requestId ?? null, JSON.stringify(parsed.data), 1, input.reprintOf ?? null);
  }

  private insert(kind: PrintJobKind, id: string, requestId: string | null, plain: string, copies: number, reprintOf: string | null): PrintJobView {
    const sha = createHash('sha256').update(plain).digest('hex');
    const now = this.now();
    return this.deps.db.transaction(() => {
      const existing = this.row(id);
      if (existing) {
        if (existing.payload_sha256 !== sha || existing.kind !== kind) {
          throw new AppError('PRINT_JOB_CONFLICT', '同じ印刷番号で内容の違う印刷が届きました。市役所に確認してください。');
        }
        return view(existing);
      }
      this.deps.db
        .prepare(
          `INSERT INTO print_jobs (id, kind, request_id, day, state, payload_sealed, payload_sha256, copies, reprint_of, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, kind, requestId, tokyoDay(this.deps.clock.now()), this.deps.cipher.seal(plain, `print_job:${id}`), sha, copies, reprintOf, now, now);
      return view(this.mustRow(id));
    })();
  }

  /**
   * Prints a queued or held job now. Jobs in any other state are returned unchanged: never resent.
   * `settle` records what came of the job (the audit entry, 印刷済み…) in the same transaction as the
   * job's new state, so a crash between the two cannot leave a printed job on a request still waiting.
   */
  run(jobId: string, settle: (job: PrintJobView) => void = () => undefined): Promise<PrintJobView> {
    const row = this.mustRow(jobId);
    const lane = this.lanes[row.kind].then(() => this.attempt(jobId, settle));
    this.lanes[row.kind] = lane.catch(() => undefined);
    return lane;
  }

  /**
   * After paper is refilled (or the printer is back): prints every waiting job of a kind, oldest first.
   * `settle` runs for each job with its new state (as in `run`), before the next one is sent.
   */
  async resumeHeld(kind: PrintJobKind, settle: (job: PrintJobView) => void = () => undefined): Promise<PrintJobView[]> {
    const ids = this.deps.db
      .prepare(`SELECT id FROM print_jobs WHERE kind = ? AND state IN ('queued', 'held') ORDER BY created_at, rowid`)
      .pluck()
      .all(kind) as string[];
    const results: PrintJobView[] = [];
    for (const id of ids) {
      const result = await this.run(id, settle);
      results.push(result);
      // The printer still has the same problem; the rest would only be held again.
      if (result.state === 'held') break;
    }
    return results;
  }

  private async attempt(jobId: string, settle: (job: PrintJobView) => void): Promise<PrintJobView> {
    const row = this.mustRow(jobId);
    const settled = (record: () => void): PrintJobView =>
      this.deps.db.transaction(() => {
        record();
        const job = view(this.mustRow(jobId));
        settle(job);
        return job;
      })();
    if (row.state !== 'queued' && row.state !== 'held') return settled(() => undefined);
    const plain = this.deps.cipher.open(row.payload_sealed, `print_job:${row.id}`);
    let marked = false;
    const beforeSend = () => {
      const now = this.now();
      const res = this.deps.db
        .prepare(`UPDATE print_jobs SET state = 'sending', attempts = attempts + 1, sending_at = ?, problem_code = NULL, problem_message = NULL, updated_at = ? WHERE id = ? AND state IN ('queued', 'held')`)
        .run(now, now, jobId);
      if (res.changes !== 1) throw new AppError('PRINT_JOB_STATE_CHANGED', 'この印刷は別の操作で状態が変わりました。一覧を確認してください。');
      marked = true;
    };
    let record: () => void;
    try {
      const confirmation =
        row.kind === 'certificate'
          ? await this.deps.certificatePrinter.print({ jobId, pdf: Buffer.from(plain, 'base64'), copies: row.copies }, { beforeSend })
          : await this.deps.receiptPrinter.print({ jobId, document: layoutReceipt(JSON.parse(plain) as ReceiptDataInput, this.deps.receiptColumns ?? 48) }, { beforeSend });
      record = () => {
        const now = this.now();
        this.deps.db
          .prepare(`UPDATE print_jobs SET state = 'done', resolution = 'printer_confirmed', printer_job_id = ?, done_at = ?, updated_at = ? WHERE id = ? AND state = 'sending'`)
          .run(confirmation.printerJobId ?? null, now, now, jobId);
        this.logger.info({ jobId, kind: row.kind }, 'print job confirmed by the printer');
      };
    } catch (err) {
      record = () => this.recordFailure(jobId, row.kind, err, marked);
    }
    return settled(record);
  }

  private recordFailure(jobId: string, kind: PrintJobKind, err: unknown, sent: boolean): void {
    const now = this.now();
    const perr = err instanceof PrinterError ? err : undefined;
    const code = perr?.code ?? (err instanceof AppError ? err.code : 'PRINT_FAILED');
    if (sent) {
      // Bytes may have reached the printer: only a person looking at the paper can say what happened.
      const message = `${perr?.message ?? 'プリンターとのやり取りが途中で止まりました。'} ${outcomeUnknownMessage}`;
      this.deps.db
        .prepare(`UPDATE print_jobs SET state = 'outcome_unknown', problem_code = ?, problem_message = ?, updated_at = ? WHERE id = ? AND state = 'sending'`)
        .run(code, message, now, jobId);
      this.logger.warn({ jobId, kind, code }, 'print job outcome unknown');
      return;
    }
    if (code === 'IPP_REJECTED' || code === 'RECEIPT_UNPRINTABLE_CHAR' || code === 'RECEIPT_INVALID') {
      this.deps.db
        .prepare(`UPDATE print_jobs SET state = 'failed', resolution = 'rejected_by_printer', problem_code = ?, problem_message = ?, updated_at = ? WHERE id = ?`)
        .run(code, perr?.message ?? (err as Error).message, now, jobId);
      return;
    }
    const blocking: PrinterProblem | undefined = perr?.problems.find((p) => p.blocking);
    const message = blocking?.message ?? perr?.message ?? 'プリンターの準備ができていません。プリンターを確認してください。';
    this.deps.db
      .prepare(`UPDATE print_jobs SET state = 'held', problem_code = ?, problem_message = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'held')`)
      .run(blocking?.code ?? code, message, now, jobId);
    this.logger.info({ jobId, kind, code: blocking?.code ?? code }, 'print job held until the printer is ready');
  }

  /** 印刷済み: staff saw the printed sheet of a job whose outcome was unknown. */
  markPrinted(jobId: string, staffId: string): PrintJobView {
    StaffId.parse(staffId);
    const now = this.now();
    const res = this.deps.db
      .prepare(`UPDATE print_jobs SET state = 'done', resolution = 'staff_confirmed_printed', resolved_by = ?, done_at = ?, updated_at = ? WHERE id = ? AND state = 'outcome_unknown'`)
      .run(staffId, now, now, jobId);
    if (res.changes !== 1) throw this.notUnknown(jobId);
    return view(this.mustRow(jobId));
  }

  /**
   * 再印刷を依頼: for a certificate, a request that waits for an operator's approval; for a receipt,
   * a new job marked 再発行, queued at once. Allowed for a job whose outcome is unknown, and for a
   * printed one whose sheet was spoiled (the spoilage must be recorded first).
   */
  requestReprint(jobId: string, staffId: string, reason: string): { job: PrintJobView; reprintRequest?: ReprintRequestView; reprintJob?: PrintJobView } {
    StaffId.parse(staffId);
    const why = Reason.parse(reason);
    const now = this.now();
    return this.deps.db.transaction(() => {
      const row = this.mustRow(jobId);
      const spoiled = (this.deps.db.prepare(`SELECT COUNT(*) FROM print_spoilage WHERE job_id = ?`).pluck().get(jobId) as number) > 0;
      if (!(row.state === 'outcome_unknown' || (row.state === 'done' && spoiled))) {
        throw new AppError('REPRINT_NOT_ALLOWED', row.state === 'done'
          ? '印刷済みの証明書を再印刷するには、先に書き損じとして記録してください。'
          : 'この印刷は再印刷の対象ではありません（印刷待ちか、すでに依頼済みです）。');
      }
      this.deps.db
        .prepare(`UPDATE print_jobs SET state = 'reprint_requested', resolution = 'reprint_requested', resolved_by = ?, updated_at = ? WHERE id = ?`)
        .run(staffId, now, jobId);
      if (row.kind === 'certificate') {
        const id = this.newId();
        this.deps.db
          .prepare(`INSERT INTO print_reprint_requests (id, job_id, reason, requested_by, requested_at, status) VALUES (?, ?, ?, ?, ?, 'pending_approval')`)
          .run(id, jobId, sealText(this.deps.cipher, why, `reprint_reason:${id}`), staffId, now);
        return { job: view(this.mustRow(jobId)), reprintRequest: this.reprintRequest(id) };
      }
      const data = ReceiptData.parse(JSON.parse(this.deps.cipher.open(row.payload_sealed, `print_job:${row.id}`)));
      const reprintData = data.type === 'fee_receipt' ? { ...data, reprint: true } : data;
      const reprintJob = this.enqueueReceipt({ receipt: reprintData, reprintOf: jobId, ...(row.request_id ? { requestId: row.request_id } : {}) });
      return { job: view(this.mustRow(jobId)), reprintJob };
    })();
  }

  /**
   * 書き損じ: a sheet that came out but cannot be handed over, for the end-of-day count. Why it was
   * spoiled is free text: it is kept sealed with the request and its reprint request, and this row
   * (counted, never shown) says only 書き損じ.
   */
  recordSpoiled(input: { jobId: string; sheets?: number; reason: string; staffId: string }): void {
    StaffId.parse(input.staffId);
    Reason.parse(input.reason);
    const sheets = z.number().int().min(1, '枚数は1枚以上で入力してください。').max(100).parse(input.sheets ?? 1);
    this.mustRow(input.jobId);
    this.deps.db
      .prepare(`INSERT INTO print_spoilage (id, job_id, day, sheets, reason, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(this.newId(), input.jobId, tokyoDay(this.deps.clock.now()), sheets, SPOILED, input.staffId, this.now());
  }

  /** The request's certificate job that printed last: the sheet a 書き損じ refers to. */
  lastPrintedCertificate(requestId: string): PrintJobView | null {
    const r = this.deps.db
      .prepare(`SELECT * FROM print_jobs WHERE request_id = ? AND kind = 'certificate' AND state = 'done' ORDER BY done_at DESC, rowid DESC LIMIT 1`)
      .get(requestId);
    return r === undefined ? null : view(Row.parse(r));
  }

  /**
   * A printed certificate's document is not kept on the vehicle: a reprint comes from city hall as a
   * new signed job. Only the hash stays, to recognise a duplicate delivery of the same job.
   */
  purgePayload(jobId: string): void {
    this.deps.db.prepare(`UPDATE print_jobs SET payload_sealed = x'', updated_at = ? WHERE id = ? AND state = 'done'`).run(this.now(), jobId);
  }

  /** City hall's decision on a certificate reprint request (an approved one arrives as a new job). */
  recordReprintDecision(reprintRequestId: string, approved: boolean, operatorId: string, newJobId: string | null = null): ReprintRequestView {
    StaffId.parse(operatorId);
    const res = this.deps.db
      .prepare(`UPDATE print_reprint_requests SET status = ?, decided_by = ?, decided_at = ?, new_job_id = ? WHERE id = ? AND status = 'pending_approval'`)
      .run(approved ? 'approved' : 'rejected', operatorId, this.now(), newJobId, reprintRequestId);
    if (res.changes !== 1) throw new AppError('REPRINT_ALREADY_DECIDED', 'この再印刷依頼はすでに承認または却下されています。');
    return this.reprintRequest(reprintRequestId);
  }

  get(jobId: string): PrintJobView {
    return view(this.mustRow(jobId));
  }

  /** Jobs staff must act on: held (fix the printer) and outcome unknown (check the paper). */
  needingStaff(): PrintJobView[] {
    const rows = this.deps.db.prepare(`SELECT * FROM print_jobs WHERE state IN ('held', 'outcome_unknown') ORDER BY created_at, rowid`).all();
    return rows.flatMap((r) => {
      const parsed = Row.safeParse(r);
      if (!parsed.success) {
        // A damaged row is reported, not crashed on; the rest of the list is still shown.
        this.logger.error({ jobId: (r as { id?: unknown }).id }, 'print job row failed to parse');
        return [];
      }
      return [view(parsed.data)];
    });
  }

  list(filter: { state?: PrintJobState; kind?: PrintJobKind } = {}): PrintJobView[] {
    const rows = this.deps.db
      .prepare(`SELECT * FROM print_jobs WHERE (? IS NULL OR state = ?) AND (? IS NULL OR kind = ?) ORDER BY created_at, rowid`)
      .all(filter.state ?? null, filter.state ?? null, filter.kind ?? null, filter.kind ?? null);
    return rows.map((r) => view(Row.parse(r)));
  }

  private reprintRequest(id: string): ReprintRequestView {
    const r = this.deps.db.prepare(`SELECT id, job_id, status, new_job_id FROM print_reprint_requests WHERE id = ?`).get(id) as
      | { id: string; job_id: string; status: ReprintRequestView['status']; new_job_id: string | null }
      | undefined;
    if (!r) throw new NotFoundError('指定の再印刷依頼が見つかりません。一覧から選び直してください。');
    return { id: r.id, jobId: r.job_id, status: r.status, newJobId: r.new_job_id };
  }

  private notUnknown(jobId: string): AppError {
    const row = this.mustRow(jobId);
    return new AppError('PRINT_JOB_NOT_UNKNOWN', row.state === 'done' ? 'この印刷はすでに印刷済みです。' : 'この印刷は確認待ちではありません。一覧を確認してください。');
  }

  private row(id: string): Row | undefined {
    const r = this.deps.db.prepare(`SELECT * FROM print_jobs WHERE id = ?`).get(id);
    return r === undefined ? undefined : Row.parse(r);
  }

  private mustRow(id: string): Row {
    const r = this.row(id);
    if (!r) throw new NotFoundError('指定の印刷が見つかりません。一覧から選び直してください。');
    return r;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

function view(r: Row): PrintJobView {
  return {
    id: r.id,
    kind: r.kind,
    requestId: r.request_id,
    state: r.state,
    copies: r.copies,
    attempts: r.attempts,
    reprintOf: r.reprint_of,
    staffMessage: r.state === 'held' || r.state === 'outcome_unknown' || r.state === 'failed' ? r.problem_message : null,
    problemCode: r.problem_code,
    resolution: r.resolution,
    printerJobId: r.printer_job_id,
    createdAt: r.created_at,
    doneAt: r.done_at,
  };
}
