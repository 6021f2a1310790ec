// The terminal core: composes the services and answers the contract's calls. It knows nothing of
// Electron or of WebSockets; main.ts and host.ts wire it to their transports.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName, EventPayload, FeeTable, RelayStatus, Screen, TerminalHandlers } from '../../protocol/ipc';
import type { ResidentView } from '../../protocol/request';
import { dispatchCall } from '../../protocol/dispatch';
import type { CallResult } from '../../protocol/ipc';
import { AuditLog } from './audit';
import { systemClock, type Clock } from './clock';
import { FieldCipher, type KeyProvider } from './crypto';
import { openDatabase, type Db } from './db';
import { AppError } from './errors';
import { newId as defaultNewId, type IdGenerator } from './ids';
import { silentLogger, type Logger } from './logger';
import { Outbox } from './outbox';
import { PrintLedger } from './print-jobs';
import { PrintService, type Printers } from './printing';
import { RequestService } from './requests';
import { StaffSessions } from './staff';

export interface TerminalOptions {
  dataDir: string;
  keys: KeyProvider;
  fees: FeeTable;
  /** Where this terminal is, for the audit trail (e.g. the vehicle's id). */
  place: string;
  clock?: Clock;
  newId?: IdGenerator;
  logger?: Logger;
  /** The vehicle's printers; without them the terminal runs but cannot print. */
  printers?: Printers;
  /** Half-width columns of the receipt paper (48 on 80 mm). */
  receiptColumns?: number;
}

type Listener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export class TerminalCore {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly requests: RequestService;
  readonly staff: StaffSessions;
  readonly printing: PrintService;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly listeners = new Set<Listener>();
  private residentView: ResidentView | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: TerminalOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    const newId = options.newId ?? defaultNewId;
    const cipher = new FieldCipher(options.keys.loadOrCreateKey());
    const file = join(options.dataDir, 'terminal.sqlite3');
    // SQLite gives the -wal and -shm files the database file's mode: create it owner-only first.
    if (!existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
    this.db = openDatabase(file);
    this.audit = new AuditLog(this.db, this.clock, options.place);
    this.outbox = new Outbox(this.db, cipher, this.clock, newId);
    this.requests = new RequestService(this.db, cipher, this.audit, this.outbox, this.clock, newId, options.fees);
    this.staff = new StaffSessions(this.db, this.clock, this.audit);
    const ledger = options.printers
      ? new PrintLedger({
          db: this.db,
          clock: this.clock,
          certificatePrinter: options.printers.certificate,
          receiptPrinter: options.printers.receipt,
          cipher,
          newId,
          logger: this.logger,
          ...(options.receiptColumns ? { receiptColumns: options.receiptColumns } : {}),
        })
      : null;
    this.printing = new PrintService(this.db, ledger, options.printers ?? null, this.audit, this.requests, this.clock, this.logger, (requestId) => {
      if (requestId) this.changed(requestId);
      this.emit('printAttention', this.printing.attention());
    });
    this.printing.recover();
  }

  /** Checks the idle lock every few seconds so the screens lock even when nobody touches them. */
  startTimers(intervalMs = 5_000): void {
    this.idleTimer ??= setInterval(() => {
      if (this.staff.applyIdleLock()) this.onLocked();
    }, intervalMs);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    this.db.close();
    await this.printing.close();
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The one way any transport calls in: screen check, validation, handler, Japanese errors. */
  call(screen: Screen, name: unknown, input: unknown): Promise<CallResult> {
    return dispatchCall(this.handlers, screen, name, input, (error, call) => {
      this.logger.error({ call, err: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) }, 'call failed');
    });
  }

  relayStatus(): RelayStatus {
    return { online: false, waiting: this.outbox.waitingRequests(), lastSyncAt: this.outbox.lastSyncAt() };
  }

  private emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const l of this.listeners) l(name, payload);
  }

  private changed(id: string): void {
    this.emit('requestsChanged', { ids: [id] });
    this.emit('relayChanged', this.relayStatus());
  }

  private setResidentView(view: ResidentView | null): void {
    this.residentView = view;
    this.emit('residentView', view);
  }

  private onLocked(): void {
    // A locked terminal shows the resident nothing of the last request.
    this.setResidentView(null);
    this.emit('sessionChanged', this.staff.status());
  }

  /** A staff call: the session must be signed in and unlocked; the idle timer restarts. */
  private asStaff<T>(fn: (staffId: string) => T): T {
    try {
      return fn(this.staff.requireActive());
    } catch (e) {
      if (e instanceof AppError && e.code === 'LOCKED') this.onLocked();
      throw e;
    }
  }

  private readonly handlers: TerminalHandlers = {
    getSession: () => this.staff.status(),
    signIn: ({ staffId, pin }) => {
      const status = this.staff.signIn(staffId, pin);
      this.emit('sessionChanged', status);
      return status;
    },
    signOut: () => {
      this.setResidentView(null);
      const status = this.staff.signOut();
      this.emit('sessionChanged', status);
      return status;
    },
    lock: () => {
      const status = this.staff.lock('manual');
      this.onLocked();
      return status;
    },
    reportActivity: () => {
      this.staff.touch();
      return { ok: true as const };
    },
    getFees: () => this.asStaff(() => this.options.fees),
    listToday: () => this.asStaff(() => this.requests.listForDay()),
    getRequest: ({ id }) => this.asStaff((staffId) => this.requests.detail(id, staffId)),
    createRequest: (input) =>
      this.asStaff((staffId) => {
        const summary = this.requests.create(input, staffId);
        this.changed(summary.id);
        return summary;
      }),
    checkIdentity: ({ id, identity }) =>
      this.asStaff((staffId) => {
        const summary = this.requests.checkIdentity(id, identity, staffId);
        this.changed(id);
        return summary;
      }),
    showToResident: ({ id }) =>
      this.asStaff((staffId) => {
        this.setResidentView(this.requests.residentView(id, staffId));
        return { ok: true as const };
      }),
    clearResidentScreen: () =>
      this.asStaff(() => {
        this.setResidentView(null);
        return { ok: true as const };
      }),
    checkPrinted: ({ id, ok, reason }) =>
      this.asStaff((staffId) => {
        const summary = this.requests.checkPrinted(id, ok, reason, staffId);
        this.changed(id);
        return summary;
      }),
    recordPayment: ({ id, payment }) =>
      this.asStaff((staffId) => {
        // The receipt job is written with the payment it proves: both land, or neither.
        const { result, receiptJob } = this.db.transaction(() => {
          const r = this.requests.recordPayment(id, payment, staffId);
          return { result: r, receiptJob: this.printing.queueFeeReceipt(id, r.payment, staffId) };
        })();
        this.changed(id);
        if (receiptJob) void this.printing.run(receiptJob).catch((e: unknown) => this.logger.error({ err: String(e) }, 'receipt print failed'));
        return result;
      }),
    handOver: ({ id }) =>
      this.asStaff((staffId) => {
        const summary = this.requests.handOver(id, staffId);
        this.changed(id);
        return summary;
      }),
    cancelRequest: ({ id, reason }) =>
      this.asStaff((staffId) => {
        const summary = this.requests.cancel(id, reason, staffId);
        if (this.residentView?.requestId === id) this.setResidentView(null);
        this.changed(id);
        return summary;
      }),
    getRelayStatus: () => this.asStaff(() => this.relayStatus()),
    listPrintAttention: () => this.asStaff(() => this.printing.attention()),
    resolvePrintJob: ({ jobId, action, reason }) => this.asStaff((staffId) => this.printing.resolve(jobId, action, reason, staffId)),
    resumePrinting: ({ kind }) => this.asStaff(() => this.printing.resume(kind)),
    getPrinterStatus: () => this.asStaff(() => this.printing.status()),
    getResidentView: () => this.residentView,
    confirmAsResident: ({ requestId }) => {
      // The resident can confirm only the request the staff put on their screen, and only once.
      if (this.residentView?.requestId !== requestId) {
        throw new AppError('NOTHING_TO_CONFIRM', '確認する内容がありません。職員にお声がけください。');
      }
      const summary = this.requests.confirmByResident(requestId);
      this.setResidentView(null);
      this.changed(summary.id);
      return { ok: true as const };
    },
  };
}
