// The staff's work on one certificate request, step by step: each step is the request service's
// transition plus what comes with it (the resident's screen, the fee receipt, the reprint request
// after a spoiled sheet), and a note to the screens that the request changed.
import type { IdentityCheckInput, PaymentInput, RequestInput, RequestSummary, Payment } from '../../protocol/request';
import type { Db } from './db';
import { AppError } from './errors';
import { refuseCashlessOffline } from './fees';
import type { Logger } from '../../common/logger';
import type { PrintService } from './printing';
import type { RequestService } from './requests';
import type { ResidentScreen } from './resident-screen';

export interface RequestDeskOptions {
  db: Db;
  requests: RequestService;
  printing: PrintService;
  residentScreen: ResidentScreen;
  logger: Logger;
  /** Whether city hall answered the last sync: a cashless fee needs it. */
  online(): boolean;
  /** A request moved: the screens reload it and the outbox may have something new for city hall. */
  onChanged: (requestId: string) => void;
}

export class RequestDesk {
  private readonly db: Db;
  private readonly requests: RequestService;
  private readonly printing: PrintService;
  private readonly residentScreen: ResidentScreen;
  private readonly logger: Logger;
  private readonly online: () => boolean;
  private readonly onChanged: (requestId: string) => void;

  constructor(options: RequestDeskOptions) {
    this.db = options.db;
    this.requests = options.requests;
    this.printing = options.printing;
    this.residentScreen = options.residentScreen;
    this.logger = options.logger;
    this.online = options.online;
    this.onChanged = options.onChanged;
  }

  create(input: RequestInput, staffId: string): RequestSummary {
    return this.changed(this.requests.create(input, staffId));
  }

  checkIdentity(id: string, identity: IdentityCheckInput, staffId: string): RequestSummary {
    return this.changed(this.requests.checkIdentity(id, identity, staffId));
  }

  showToResident(id: string, staffId: string): void {
    this.residentScreen.show(this.requests.residentView(id, staffId));
  }

  /** The resident can confirm only the request the staff put on their screen, and only once. */
  confirmAsResident(requestId: string): void {
    if (!this.residentScreen.showing(requestId)) {
      throw new AppError('NOTHING_TO_CONFIRM', '確認する内容がありません。職員にお声がけください。');
    }
    const summary = this.requests.confirmByResident(requestId);
    this.residentScreen.clear();
    this.changed(summary);
  }

  /** Step 5. A spoiled sheet (書き損じ) is counted and city hall asked for a reprint, with the step. */
  checkPrinted(id: string, ok: boolean, reason: string | undefined, staffId: string): RequestSummary {
    const summary = this.db.transaction(() => {
      const s = this.requests.checkPrinted(id, ok, reason, staffId);
      if (!ok && reason) this.printing.recordSpoiled(id, reason, staffId);
      return s;
    })();
    return this.changed(summary);
  }

  /**
   * Step 6. The receipt job and the outing's money line are written with the payment they prove: all
   * land, or none. Cashless is refused while city hall is out of reach.
   */
  recordPayment(id: string, payment: PaymentInput, staffId: string): { summary: RequestSummary; payment: Payment } {
    refuseCashlessOffline(payment.method, this.online(), 'payment.method');
    const { result, receiptJob } = this.db.transaction(() => {
      const r = this.requests.recordPayment(id, payment, staffId);
      return { result: r, receiptJob: this.printing.queueFeeReceipt(id, r.payment, staffId) };
    })();
    this.onChanged(id);
    if (receiptJob) void this.printing.run(receiptJob).catch((e: unknown) => this.logger.error({ err: String(e) }, 'receipt print failed'));
    return result;
  }

  handOver(id: string, staffId: string): RequestSummary {
    return this.changed(this.requests.handOver(id, staffId));
  }

  cancel(id: string, reason: string, staffId: string): RequestSummary {
    const summary = this.requests.cancel(id, reason, staffId);
    this.residentScreen.clearIfShowing(id);
    return this.changed(summary);
  }

  private changed(summary: RequestSummary): RequestSummary {
    this.onChanged(summary.id);
    return summary;
  }
}
