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
import { newId as defaultNewId, type IdGenerator } from '../../common/ids';
import { silentLogger, type Logger } from '../../common/logger';
import { Outbox } from './outbox';
import { PrintLedger } from './print-jobs';
import { PrintService, type Printers } from './printing';
import { RequestService } from './requests';
import { StaffSessions } from './staff';
import { SyncService } from './sync';
import { CardFlows } from './card-flows';
import type { CardService } from '../../native/card/service';
import type { ConsultationTransport, HubTransport } from './hub-transport';
import { ConsultationService } from './consultations';
import type { HubQuestion, NextVisitTask } from '../../protocol/ipc';

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
  /** The My Number card reader; without it identity is checked with documents only. */
  card?: CardService;
  /** City hall; without it requests wait in the outbox (offline). */
  hub?: {
    transport: HubTransport;
    /** Video consultations (the same mutual-TLS link); without it the terminal offers none. */
    calls?: ConsultationTransport;
    printSigningKey: string;
    retry?: { baseMs: number; maxMs: number };
    pollMs?: number;
  };
}

/** The hub options for a transport that speaks both sync and consultations (the HTTPS one). */
export function hubOptions(transport: HubTransport & ConsultationTransport, printSigningKey: string): NonNullable<TerminalOptions['hub']> {
  return { transport, calls: transport, printSigningKey };
}

type Listener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export class TerminalCore {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly outbox: Outbox;
  readonly requests: RequestService;
  readonly staff: StaffSessions;
  readonly printing: PrintService;
  readonly sync: SyncService | null;
  readonly cards: CardFlows;
  readonly consultations: ConsultationService | null;
  private readonly cipher: FieldCipher;
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
    this.cipher = cipher;
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
    this.printing = new PrintService(this.db, ledger, options.printers ?? null, this.audit, this.requests, this.outbox, this.clock, this.logger, (requestId) => {
      if (requestId) this.changed(requestId);
      this.emit('printAttention', this.printing.attention());
    });
    this.printing.recover();
    const hub = options.hub;
    this.cards = new CardFlows(
      options.card ?? null,
      this.requests,
      this.audit,
      this.db,
      this.logger,
      (view) => {
        this.emit('cardSession', view);
        this.emit('residentPin', view ? { purpose: view.purpose, stage: view.stage, triesLeft: view.triesLeft, message: view.message } : null);
        if (view?.stage === 'done' && view.purpose === 'identity' && view.requestId) this.changed(view.requestId);
      },
      hub
        ? {
            online: () => this.sync?.status().online ?? false,
            challenge: () => hub.transport.linkChallenge(),
            complete: (body) => hub.transport.linkComplete(body),
          }
        : null,
    );
    this.sync = options.hub
      ? new SyncService({
          db: this.db,
          requests: this.requests,
          outbox: this.outbox,
          audit: this.audit,
          printing: this.printing,
          cipher,
          clock: this.clock,
          logger: this.logger,
          transport: options.hub.transport,
          printSigningKey: options.hub.printSigningKey,
          ...(options.hub.retry ? { retry: options.hub.retry } : {}),
          ...(options.hub.pollMs ? { pollMs: options.hub.pollMs } : {}),
          onChange: (ids) => {
            if (ids.length > 0) this.emit('requestsChanged', { ids });
            this.emit('relayChanged', this.relayStatus());
          },
        })
      : null;
    this.consultations = options.hub?.calls
      ? new ConsultationService({
          transport: options.hub.calls,
          audit: this.audit,
          clock: this.clock,
          logger: this.logger,
          onView: (view) => this.emit('consultationChanged', view),
          onMedia: (media) => this.emit('consultationMedia', media),
          onWaiting: (waiting) => this.emit('consultationWaiting', waiting),
          onSignal: (signal) => this.emit('consultationSignal', signal),
        })
      : null;
  }

  /** Video consultations need city hall; a terminal set up without it says so. */
  private calls(): ConsultationService {
    if (!this.consultations) throw new AppError('HUB_NOT_CONFIGURED', 'この端末は市役所ハブに登録されていないため、ビデオ相談は使えません。管理者に連絡してください。');
    return this.consultations;
  }

  /** Checks the idle lock every few seconds so the screens lock even when nobody touches them. */
  startTimers(intervalMs = 5_000): void {
    this.idleTimer ??= setInterval(() => {
      if (this.staff.applyIdleLock()) this.onLocked();
    }, intervalMs);
    this.idleTimer.unref();
    this.printing.resumeQueued();
    this.sync?.start();
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    await this.sync?.stop();
    await this.consultations?.stop();
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
    return {
      online: this.sync?.status().online ?? false,
      waiting: this.outbox.waitingRequests(),
      lastSyncAt: this.outbox.lastSyncAt(),
      setAside: this.outbox.setAsideCount(),
    };
  }

  private emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const l of this.listeners) l(name, payload);
  }

  private changed(id: string): void {
    this.emit('requestsChanged', { ids: [id] });
    this.emit('relayChanged', this.relayStatus());
    // Anything new in the outbox goes to city hall as soon as it can.
    this.sync?.kick();
  }

  /** Next-visit tasks, oldest first (their names and phones are sealed at rest like every personal field). */
  nextVisitTasks(): NextVisitTask[] {
    return this.db
      .prepare<[], { id: string; kind: 'insurance_link'; person_sealed: Buffer; created_at: string }>('SELECT id, kind, person_sealed, created_at FROM next_visit_tasks ORDER BY created_at, id')
      .all()
      .map((t) => ({ id: t.id, kind: t.kind, createdAt: t.created_at, ...(JSON.parse(this.cipher.open(t.person_sealed, `next_visit:${t.id}`)) as { name: string; phone: string }) }));
  }

  /** Questions from city-hall operators not yet marked seen, newest first. */
  questions(): HubQuestion[] {
    return this.db
      .prepare<[], { seq: number; request_id: string; number: string; text_sealed: Buffer; asked_at: string }>(
        `SELECT q.seq, q.request_id, r.number, q.text_sealed, q.asked_at FROM hub_questions q JOIN requests r ON r.id = q.request_id
         WHERE q.seen_at IS NULL ORDER BY q.seq DESC`,
      )
      .all()
      .map((q) => ({ seq: q.seq, requestId: q.request_id, number: q.number, text: this.cipher.open(q.text_sealed, `question:${q.seq}`), askedAt: q.asked_at }));
  }

  private setResidentView(view: ResidentView | null): void {
    this.residentView = view;
    this.emit('residentView', view);
  }

  private onLocked(): void {
    // A locked terminal shows the resident nothing of the last request, and no card read stays open.
    this.setResidentView(null);
    this.cards.cancel();
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
    listQuestions: () => this.asStaff(() => this.questions()),
    markQuestionSeen: ({ seq }) =>
      this.asStaff((staffId) => {
        this.db.transaction(() => {
          this.db.prepare('UPDATE hub_questions SET seen_at = ? WHERE seq = ? AND seen_at IS NULL').run(this.clock.now().toISOString(), seq);
          this.audit.append({ actor: staffId, action: 'hub.question_seen', detail: { seq } });
        })();
        return this.questions();
      }),
    listPrintAttention: () => this.asStaff(() => this.printing.attention()),
    resolvePrintJob: ({ jobId, action, reason }) => this.asStaff((staffId) => this.printing.resolve(jobId, action, reason, staffId)),
    resumePrinting: ({ kind }) => this.asStaff(() => this.printing.resume(kind)),
    getPrinterStatus: () => this.asStaff(() => this.printing.status()),
    startCardRead: ({ purpose, requestId, insurance }) =>
      this.asStaff((staffId) => {
        // The PIN pad takes the resident screen; the request summary comes back after.
        this.setResidentView(null);
        return this.cards.start(purpose, requestId ?? null, staffId, insurance ?? null);
      }),
    confirmLastPinTry: () => this.asStaff((staffId) => this.cards.confirmLastTry(staffId)),
    cancelCardRead: () => this.asStaff(() => this.cards.cancel()),
    getCardSession: () => this.asStaff(() => this.cards.view()),
    addNextVisitTask: ({ kind, name, phone }) =>
      this.asStaff((staffId) => {
        const id = (this.options.newId ?? defaultNewId)();
        this.db.transaction(() => {
          this.db
            .prepare('INSERT INTO next_visit_tasks (id, kind, person_sealed, staff_id, created_at) VALUES (?, ?, ?, ?, ?)')
            .run(id, kind, this.cipher.seal(JSON.stringify({ name, phone }), `next_visit:${id}`), staffId, this.clock.now().toISOString());
          this.audit.append({ actor: staffId, action: 'next_visit.added', detail: { id, kind } });
        })();
        return this.nextVisitTasks();
      }),
    listNextVisitTasks: () => this.asStaff(() => this.nextVisitTasks()),
    finishNextVisitTask: ({ id }) =>
      this.asStaff((staffId) => {
        this.db.transaction(() => {
          if (this.db.prepare('DELETE FROM next_visit_tasks WHERE id = ?').run(id).changes === 1) {
            this.audit.append({ actor: staffId, action: 'next_visit.finished', detail: { id } });
          }
        })();
        return this.nextVisitTasks();
      }),
    getConsultation: () => this.asStaff(() => this.consultations?.view() ?? ConsultationService.none),
    getConsultationAvailability: () => this.asStaff(() => this.calls().availability()),
    startConsultation: ({ department }) => this.asStaff((staffId) => this.calls().start(department, staffId)),
    endConsultation: () => this.asStaff((staffId) => this.calls().end(staffId)),
    controlConsultation: (input) => this.asStaff(() => this.calls().control(input)),
    getConsultationMedia: () => this.consultations?.media() ?? null,
    getConsultationWaiting: () => this.consultations?.waiting() ?? null,
    sendConsultationSignal: ({ callId, data }) => {
      this.calls().signal(callId, data);
      return { ok: true as const };
    },
    reportConsultationPeer: ({ callId, peer }) => {
      this.calls().report(callId, peer);
      return { ok: true as const };
    },
    getResidentView: () => this.residentView,
    getResidentPin: () => {
      const v = this.cards.view();
      return v ? { purpose: v.purpose, stage: v.stage, triesLeft: v.triesLeft, message: v.message } : null;
    },
    submitCardPin: ({ pin }) => this.cards.submitPin(pin),
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
