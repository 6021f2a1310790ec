// Printing as the terminal does it: the print ledger (exactly once) joined to the request workflow and
// the audit trail. A certificate confirmed by the printer moves its request to 印刷済み; a fee receipt
// is queued in the same transaction as the payment it proves.
import type { CertificateDelivery, SurveyWish } from '../../protocol/disaster';
import type { DailyClose } from '../../protocol/daily-close';
import type { PrinterState, PrintJobSummary } from '../../protocol/ipc';
import type { PaymentMethod } from '../../protocol/domain';
import type { Payment } from '../../protocol/request';
import type { CertificatePrinter, ReceiptPrinter } from '../../native/printer/types';
import type { AuditLog } from './audit';
import { tokyoDay, type Clock } from './clock';
import type { Db } from './db';
import { AppError } from './errors';
import type { Logger } from '../../common/logger';
import type { PrintJobKind, PrintJobView, PrintLedger } from './print-jobs';
import type { Outbox } from './outbox';
import type { RequestService } from './requests';

export interface Printers {
  certificate: CertificatePrinter;
  receipt: ReceiptPrinter;
}

const notConfigured = () => new AppError('PRINTER_NOT_CONFIGURED', 'プリンターが設定されていません。管理者に連絡してください。');

const summary = (j: PrintJobView): PrintJobSummary => ({
  id: j.id,
  kind: j.kind,
  requestId: j.requestId,
  state: j.state,
  staffMessage: j.staffMessage,
  createdAt: j.createdAt,
});

export interface PrintServiceOptions {
  db: Db;
  /** Null when the vehicle has no printers: the terminal runs, and every print call says so. */
  ledger: PrintLedger | null;
  printers: Printers | null;
  audit: AuditLog;
  requests: RequestService;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  /** A job's state changed (with its request, when it has one). */
  onChange: (requestId: string | null) => void;
  /** The vehicle's り災証明書 applications: a certificate city hall sent for one, and when it printed. */
  risai?: { certificateAccepted(applicationId: string, jobId: string): void; certificatePrinted(jobId: string): void };
}

export class PrintService {
  private readonly db: Db;
  private readonly ledger: PrintLedger | null;
  private readonly printers: Printers | null;
  private readonly audit: AuditLog;
  private readonly requests: RequestService;
  private readonly outbox: Outbox;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly onChange: (requestId: string | null) => void;
  private readonly risai: PrintServiceOptions['risai'];

  constructor(options: PrintServiceOptions) {
    this.db = options.db;
    this.ledger = options.ledger;
    this.printers = options.printers;
    this.audit = options.audit;
    this.requests = options.requests;
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.logger = options.logger;
    this.onChange = options.onChange;
    this.risai = options.risai;
  }

  /** At start-up: jobs cut off between send and confirmation become outcome unknown, for staff to check. */
  recover(): number {
    const n = this.ledger?.recoverInterrupted() ?? 0;
    if (n > 0) this.db.transaction(() => this.audit.append({ actor: 'system', action: 'print.recovered_unknown', detail: { jobs: n } }))();
    this.recoverPrintedSteps();
    return n;
  }

  /**
   * A terminal that stopped between a confirmed print and 印刷済み (possible before the two were one
   * transaction) left a request at 承認済み with its certificate printed: it moves on now. A sheet
   * recorded as spoiled does not count; its request waits for the reprint.
   */
  private recoverPrintedSteps(): void {
    const stranded = this.db
      .prepare(
        `SELECT DISTINCT j.request_id FROM print_jobs j JOIN requests r ON r.id = j.request_id
          WHERE j.kind = 'certificate' AND j.state = 'done' AND r.step = 'approved'
            AND NOT EXISTS (SELECT 1 FROM print_spoilage s WHERE s.job_id = j.id)`,
      )
      .pluck()
      .all() as string[];
    for (const requestId of stranded) this.db.transaction(() => this.printed(requestId))();
  }

  /**
   * At start-up: jobs accepted but not yet sent when the terminal stopped (a certificate pulled from
   * city hall, a receipt queued with its payment) are sent now. A `queued` job never reached the
   * printer, so sending it cannot print anything twice; left alone it would never print, and staff
   * would not be told.
   */
  resumeQueued(): void {
    for (const job of this.ledger?.list({ state: 'queued' }) ?? []) {
      void this.run(job.id).catch((e: unknown) => this.logger.error({ jobId: job.id, err: String(e) }, 'queued print job failed after restart'));
    }
  }

  /** Queues the 領収書 for a payment. Call inside the payment's transaction; returns the job id. */
  queueFeeReceipt(requestId: string, payment: Payment, staffId: string): string | null {
    if (!this.ledger) return null;
    const req = this.requests.summary(requestId);
    const job = this.ledger.enqueueReceipt({
      requestId,
      receipt: {
        type: 'fee_receipt',
        receiptNumber: `R${tokyoDay(this.clock.now()).replaceAll('-', '')}-${req.number}`,
        issuedAt: this.clock.now().toISOString(),
        items: [{ kind: req.kind, copies: req.copies, unitFeeYen: req.copies > 0 ? req.feeYen / req.copies : 0 }],
        totalYen: req.feeYen,
        paymentMethod: payment.method,
        ...(payment.method === 'cash' ? { tenderedYen: payment.tenderedYen ?? payment.amountYen, changeYen: payment.changeYen } : {}),
        staffId,
      },
    });
    this.audit.append({ actor: staffId, action: 'print.queued', requestId, detail: { jobId: job.id, kind: 'receipt' } });
    return job.id;
  }

  /** Queues the 領収書 for goods sold (ごみ処理券). Call inside the sale's transaction; returns the job id. */
  queueGoodsReceipt(
    sale: { receiptNumber: string; items: { item: string; unitYen: number; quantity: number }[]; method: PaymentMethod; tenderedYen: number | null; changeYen: number | null },
    staffId: string,
  ): string | null {
    if (!this.ledger) return null;
    const totalYen = sale.items.reduce((n, i) => n + i.unitYen * i.quantity, 0);
    const job = this.ledger.enqueueReceipt({
      receipt: {
        type: 'goods_receipt',
        receiptNumber: sale.receiptNumber,
        issuedAt: this.clock.now().toISOString(),
        items: sale.items.map((i) => ({ name: i.item, unitYen: i.unitYen, quantity: i.quantity })),
        totalYen,
        paymentMethod: sale.method,
        ...(sale.method === 'cash' ? { tenderedYen: sale.tenderedYen ?? totalYen, changeYen: sale.changeYen ?? 0 } : {}),
        staffId,
      },
    });
    this.audit.append({ actor: staffId, action: 'print.queued', detail: { jobId: job.id, kind: 'receipt', receiptNumber: sale.receiptNumber } });
    return job.id;
  }

  /** Queues the り災証明書 申請受付票 for the resident. Call inside the submit's transaction; returns the job id. */
  queueRisaiReceipt(slip: { number: string; disasterName: string; photos: number; survey: SurveyWish; delivery: CertificateDelivery }, staffId: string): string | null {
    if (!this.ledger) return null;
    const job = this.ledger.enqueueReceipt({ receipt: { type: 'risai_receipt', ...slip, issuedAt: this.clock.now().toISOString(), staffId } });
    this.audit.append({ actor: staffId, action: 'print.queued', detail: { jobId: job.id, kind: 'receipt', risaiNumber: slip.number } });
    return job.id;
  }

  /** Queues an outing's 日計表. Call inside the close's transaction; returns the job id. */
  queueDailyClose(slip: { outing: { date: string; title: string; staff: string[] }; close: DailyClose }, staffId: string): string | null {
    if (!this.ledger) return null;
    const job = this.ledger.enqueueReceipt({ receipt: { type: 'daily_close', outing: slip.outing, close: slip.close } });
    this.audit.append({ actor: staffId, action: 'print.queued', detail: { jobId: job.id, kind: 'receipt', outingId: slip.close.outingId } });
    return job.id;
  }

  /**
   * A certificate PDF for an approved request (from city hall): recorded once per job id. Call inside
   * the transaction that records the hub message; then `run` it.
   */
  acceptCertificate(input: { requestId: string; jobId: string; pdf: Uint8Array; copies: number; reprintOf?: string }): PrintJobView {
    if (!this.ledger) throw notConfigured();
    const ledger = this.ledger;
    return this.db.transaction(() => {
      // A reprint of a spoiled sheet sends the request back to printing.
      if (input.reprintOf && this.requests.summary(input.requestId).step === 'spoiled') {
        this.requests.applyExternal(input.requestId, { type: 'REPRINT_APPROVED' }, 'hub');
      }
      const j = ledger.enqueueCertificate(input);
      this.audit.append({ actor: 'hub', action: 'print.queued', requestId: input.requestId, detail: { jobId: j.id, kind: 'certificate' } });
      return j;
    })();
  }

  /** A り災証明書 city hall signed for one of this vehicle's applications: queued once, with no request. */
  acceptRisaiCertificate(input: { applicationId: string; jobId: string; pdf: Uint8Array }): PrintJobView {
    if (!this.ledger) throw notConfigured();
    const ledger = this.ledger;
    return this.db.transaction(() => {
      this.risai?.certificateAccepted(input.applicationId, input.jobId);
      const j = ledger.enqueueCertificate({ requestId: null, jobId: input.jobId, pdf: input.pdf, copies: 1 });
      this.audit.append({ actor: 'hub', action: 'print.queued', detail: { jobId: j.id, kind: 'certificate', applicationId: input.applicationId } });
      return j;
    })();
  }

  async printCertificate(input: { requestId: string; jobId: string; pdf: Uint8Array; copies: number }): Promise<PrintJobSummary> {
    return this.run(this.acceptCertificate(input).id);
  }

  /** City hall decided on a reprint request; an approved reprint arrives as its own print job. */
  reprintDecided(reprintRequestId: string, approved: boolean, operatorId: string): void {
    if (!this.ledger) throw notConfigured();
    const decided = this.ledger.recordReprintDecision(reprintRequestId, approved, operatorId);
    this.audit.append({ actor: 'hub', action: approved ? 'print.reprint_approved' : 'print.reprint_rejected', detail: { jobId: decided.jobId } });
  }

  /** Sends one job and records what came of it. Never resends a job whose outcome is unknown. */
  async run(jobId: string): Promise<PrintJobSummary> {
    if (!this.ledger) throw notConfigured();
    const job = await this.ledger.run(jobId, (j) => this.record(j));
    this.onChange(job.requestId);
    return summary(job);
  }

  /**
   * Records what came of one job: the audit entry, the purge of a printed document, 印刷済み. Runs
   * inside the ledger's transaction that gives the job its new state.
   */
  private record(job: PrintJobView): void {
    this.audit.append({ actor: 'system', action: `print.${job.state}`, requestId: job.requestId, detail: { jobId: job.id, kind: job.kind, code: job.problemCode } });
    if (job.state === 'done' && job.kind === 'certificate') {
      this.ledger!.purgePayload(job.id);
      if (job.requestId) this.printed(job.requestId);
      else this.risai?.certificatePrinted(job.id);
    }
  }

  attention(): PrintJobSummary[] {
    return (this.ledger?.needingStaff() ?? []).map(summary);
  }

  /** Staff looked at the printer after an unknown outcome: it printed, or it needs printing again. */
  async resolve(jobId: string, action: 'printed' | 'reprint', reason: string | undefined, staffId: string): Promise<PrintJobSummary[]> {
    if (!this.ledger) throw notConfigured();
    const ledger = this.ledger;
    let reprintJob: string | undefined;
    this.db.transaction(() => {
      if (action === 'printed') {
        const job = ledger.markPrinted(jobId, staffId);
        this.audit.append({ actor: staffId, action: 'print.confirmed_by_staff', requestId: job.requestId, detail: { jobId } });
        if (job.kind === 'certificate' && job.requestId) this.printed(job.requestId);
      } else {
        if (!reason) throw new AppError('INVALID_INPUT', '再印刷の理由を入力してください。', [{ path: 'reason', message: '再印刷の理由を入力してください。' }]);
        const result = ledger.requestReprint(jobId, staffId, reason);
        reprintJob = result.reprintJob?.id;
        if (result.reprintRequest && result.job.requestId) {
          // A certificate reprint needs an operator at city hall: the request travels in the outbox.
          this.askCityHallToReprint(result.job.requestId, result.reprintRequest.id, jobId, reason, staffId);
        }
        this.audit.append({
          actor: staffId,
          action: result.reprintRequest ? 'print.reprint_requested' : 'print.reissue_queued',
          requestId: result.job.requestId,
          detail: { jobId, reprintRequestId: result.reprintRequest?.id ?? null },
        });
      }
    })();
    // A receipt may be reissued at once (marked 再発行); a certificate waits for an operator.
    if (reprintJob) await this.run(reprintJob);
    this.onChange(null);
    return this.attention();
  }

  /** Paper refilled or cover closed: print what was held or waiting, oldest first. */
  async resume(kind: PrintJobKind): Promise<PrintJobSummary[]> {
    if (!this.ledger) throw notConfigured();
    await this.ledger.resumeHeld(kind, (job) => {
      this.record(job);
      this.onChange(job.requestId);
    });
    return this.attention();
  }

  /**
   * 書き損じ: the printed certificate cannot be handed over. Call inside the transaction that moves the
   * request to 書き損じ: the spoiled sheet is counted and city hall is asked for a reprint (the request
   * waits at 書き損じ for the operator's decision; an approved reprint arrives as a new job).
   */
  recordSpoiled(requestId: string, reason: string, staffId: string): void {
    const job = this.ledger?.lastPrintedCertificate(requestId);
    // A sheet printed before this terminal had printers (or confirmed elsewhere) has no job to count.
    if (!this.ledger || !job) return;
    this.ledger.recordSpoiled({ jobId: job.id, reason, staffId });
    const result = this.ledger.requestReprint(job.id, staffId, reason);
    if (result.reprintRequest) this.askCityHallToReprint(requestId, result.reprintRequest.id, job.id, reason, staffId);
    this.audit.append({ actor: staffId, action: 'print.reprint_requested', requestId, detail: { jobId: job.id, reprintRequestId: result.reprintRequest?.id ?? null } });
  }

  private askCityHallToReprint(requestId: string, reprintRequestId: string, jobId: string, reason: string, staffId: string): void {
    this.outbox.enqueue(requestId, 'print.reprint_request', { reprintRequestId, jobId, requestId, reason, staffId, at: this.clock.now().toISOString() });
  }

  async status(): Promise<PrinterState[]> {
    const one = async (kind: PrintJobKind, printer: CertificatePrinter | ReceiptPrinter | undefined): Promise<PrinterState> => {
      if (!printer) return { kind, configured: false, ready: false, messages: ['プリンターが設定されていません。'] };
      try {
        const s = await printer.status();
        return { kind, configured: true, ready: s.ready, messages: s.problems.map((p) => p.message) };
      } catch (e) {
        this.logger.warn({ kind, err: e instanceof Error ? e.message : String(e) }, 'printer status failed');
        return { kind, configured: true, ready: false, messages: ['プリンターの状態を読めません。電源とケーブルを確認してください。'] };
      }
    };
    return Promise.all([one('certificate', this.printers?.certificate), one('receipt', this.printers?.receipt)]);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.printers?.certificate.close(), this.printers?.receipt.close()]);
  }

  private printed(requestId: string): void {
    const step = this.requests.summary(requestId).step;
    if (step === 'approved') this.requests.applyExternal(requestId, { type: 'PRINTED' }, 'system');
  }
}
