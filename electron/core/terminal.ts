// The terminal core's composition root: builds one service per feature and maps the contract's calls
// onto them. It knows nothing of Electron or of WebSockets; main.ts and host.ts wire it to their
// transports.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallResult, CardSessionView, FeeTable, RelayStatus, ResidentPinView, Screen, TerminalHandlers } from '../../protocol/ipc';
import type { GoodsTable } from '../../protocol/outings';
import { dispatchCall } from '../../protocol/dispatch';
import type { CardService } from '../../native/card/service';
import { AuditLog } from './audit';
import { CardFlows } from './card-flows';
import { systemClock, type Clock } from './clock';
import { Retention } from './retention';
import { ConsultationService } from './consultations';
import { FieldCipher, type KeyProvider } from './crypto';
import { openDatabase, type Db } from './db';
import { AppError } from './errors';
import type { ConsultationTransport, HubTransport } from './hub-transport';
import { HubQuestions } from './hub-questions';
import { HomeVisits, type VisitTransport } from './home-visits';
import { newId as defaultNewId, type IdGenerator } from '../../common/ids';
import { silentLogger, type Logger } from '../../common/logger';
import { NextVisitTasks } from './next-visit';
import { Outbox } from './outbox';
import { OutingMoney } from './outing-money';
import { OutingService } from './outings';
import { PrintLedger } from './print-jobs';
import { PrintService, type Printers } from './printing';
import { RequestDesk } from './request-desk';
import { RequestService } from './requests';
import { RisaiDesk, type RisaiTransport } from './risai';
import type { PhotoLimits } from '../../protocol/disaster';
import { ResidentScreen } from './resident-screen';
import { StaffSessions } from './staff';
import { StaffAccess } from './staff-access';
import { SyncService } from './sync';
import { TerminalEvents, type TerminalListener } from './terminal-events';

export interface TerminalOptions {
  dataDir: string;
  keys: KeyProvider;
  fees: FeeTable;
  /** The places of 地区定期巡回 (fixtures/outing-places.json); without them only other kinds can start. */
  outingPlaces?: readonly string[];
  /** The goods sold on the vehicle (fixtures/goods.json); without them none are sold. */
  goods?: GoodsTable;
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
  /** The city's photo limits for り災証明書 applications until city hall gives its own. */
  risaiLimits?: PhotoLimits;
  /** City hall; without it requests wait in the outbox (offline). */
  hub?: {
    transport: HubTransport;
    /** Video consultations (the same mutual-TLS link); without it the terminal offers none. */
    calls?: ConsultationTransport;
    /** The day's home visits (the same link); without it the terminal has none. */
    visits?: VisitTransport;
    /** り災証明書: the disasters list and the photos' chunks (the same link); without it photos wait. */
    risai?: RisaiTransport;
    printSigningKey: string;
    retry?: { baseMs: number; maxMs: number };
    pollMs?: number;
  };
}

/** The hub options for a transport that speaks both sync and consultations (the HTTPS one). */
export function hubOptions(transport: HubTransport & ConsultationTransport & VisitTransport & RisaiTransport, printSigningKey: string): NonNullable<TerminalOptions['hub']> {
  return { transport, calls: transport, visits: transport, risai: transport, printSigningKey };
}

/** What the resident's PIN pad shows of a card session: no card data, only where the PIN entry is. */
function residentPin(view: CardSessionView | null): ResidentPinView | null {
  return view ? { purpose: view.purpose, stage: view.stage, triesLeft: view.triesLeft, message: view.message } : null;
}

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
  readonly nextVisit: NextVisitTasks;
  readonly questions: HubQuestions;
  /** What the vehicle no longer needs leaves it (cancelled and rejected requests, failed print documents). */
  readonly retention: Retention;
  private retentionTimer: NodeJS.Timeout | null = null;
  readonly visits: HomeVisits;
  readonly outings: OutingService;
  /** り災証明書 applications and their photos. */
  readonly risai: RisaiDesk;
  private readonly events = new TerminalEvents();
  private readonly residentScreen: ResidentScreen;
  private readonly access: StaffAccess;
  private readonly desk: RequestDesk;
  private readonly logger: Logger;

  constructor(private readonly options: TerminalOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    const newId = options.newId ?? defaultNewId;
    const cipher = new FieldCipher(options.keys.loadOrCreateKey());
    const events = this.events;
    this.logger = logger;
    const file = join(options.dataDir, 'terminal.sqlite3');
    // SQLite gives the -wal and -shm files the database file's mode: create it owner-only first.
    if (!existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
    const db = openDatabase(file);
    this.db = db;
    const audit = new AuditLog(db, clock, options.place);
    this.audit = audit;
    this.outbox = new Outbox({ db, cipher, clock, newId });
    const money = new OutingMoney({ db, clock });
    this.requests = new RequestService({ db, cipher, audit, outbox: this.outbox, clock, newId, fees: options.fees, money });
    this.staff = new StaffSessions({ db, clock, audit, cipher });
    this.nextVisit = new NextVisitTasks({ db, cipher, audit, clock, newId, outbox: this.outbox });
    this.questions = new HubQuestions({ db, cipher, audit, clock });
    this.retention = new Retention({ db, audit, clock, requests: this.requests, questions: this.questions });
    this.residentScreen = new ResidentScreen({ events });
    const ledger = options.printers
      ? new PrintLedger({
          db,
          clock,
          certificatePrinter: options.printers.certificate,
          receiptPrinter: options.printers.receipt,
          cipher,
          newId,
          logger,
          ...(options.receiptColumns ? { receiptColumns: options.receiptColumns } : {}),
        })
      : null;
    this.printing = new PrintService({
      db,
      ledger,
      printers: options.printers ?? null,
      audit,
      requests: this.requests,
      outbox: this.outbox,
      clock,
      logger,
      onChange: (requestId) => {
        if (requestId) this.changed(requestId);
        events.emit('printAttention', this.printing.attention());
      },
      risai: {
        certificateAccepted: (applicationId, jobId) => this.risai.certificateAccepted(applicationId, jobId),
        certificatePrinted: (jobId) => this.risai.certificatePrinted(jobId),
      },
    });
    this.printing.recover();
    const hub = options.hub;
    this.outings = new OutingService({
      db,
      cipher,
      audit,
      clock,
      outbox: this.outbox,
      newId,
      places: options.outingPlaces ?? [],
      goods: options.goods ?? { currency: 'JPY', items: [] },
      receipts: {
        queue: (sale, staffId) => this.printing.queueGoodsReceipt(sale, staffId),
        queueClose: (slip, staffId) => this.printing.queueDailyClose(slip, staffId),
        run: (jobId) => this.printing.run(jobId),
      },
      money,
      online: () => this.sync?.status().online ?? false,
      onError: (e) => logger.error({ err: String(e) }, 'outing slip print failed'),
      onChange: () => {
        events.emit('outingChanged', {});
        events.emit('relayChanged', this.relayStatus());
        this.sync?.kick();
      },
    });
    this.cards = new CardFlows({
      card: options.card ?? null,
      requests: this.requests,
      audit,
      db,
      clock,
      logger,
      onVisitRead: (read) => events.emit('visitCardRead', read),
      onCardPresence: (inReader) => events.emit('cardInReader', { inReader }),
      onChange: (view) => {
        events.emit('cardSession', view);
        events.emit('residentPin', residentPin(view));
        if (view?.stage === 'done' && view.purpose === 'identity' && view.requestId) this.changed(view.requestId);
      },
      linker: hub
        ? {
            online: () => this.sync?.status().online ?? false,
            challenge: () => hub.transport.linkChallenge(),
            complete: (body) => hub.transport.linkComplete(body),
          }
        : null,
      onLinked: (linkId) => this.outings.insuranceLinked(linkId),
    });
    this.access = new StaffAccess({ sessions: this.staff, residentScreen: this.residentScreen, cards: this.cards, events });
    this.desk = new RequestDesk({
      db,
      requests: this.requests,
      printing: this.printing,
      residentScreen: this.residentScreen,
      logger,
      online: () => this.sync?.status().online ?? false,
      onChanged: (id) => this.changed(id),
    });
    this.visits = new HomeVisits({
      db,
      cipher,
      audit,
      clock,
      outbox: this.outbox,
      logger,
      transport: options.hub?.visits ?? null,
      online: () => this.sync?.status().online ?? false,
      createRequest: (input, staffId) => this.desk.create(input, staffId),
      onChange: () => {
        events.emit('visitsChanged', {});
        events.emit('relayChanged', this.relayStatus());
        this.sync?.kick();
      },
    });
    this.risai = new RisaiDesk({
      db, cipher, audit, clock, newId, outbox: this.outbox, logger,
      receipts: { queue: (slip, staffId) => this.printing.queueRisaiReceipt(slip, staffId), run: (jobId) => this.printing.run(jobId) },
      ...(options.risaiLimits ? { limits: options.risaiLimits } : {}),
      onSubmitted: (applicationId, applicant) => this.outings.risaiApplicationTaken(applicationId, applicant),
    });
    const risaiLink = hub?.risai;
    let wasOnline = false;
    this.sync = hub
      ? new SyncService({
          db,
          requests: this.requests,
          outbox: this.outbox,
          audit,
          printing: this.printing,
          questions: this.questions,
          cipher,
          clock,
          logger,
          transport: hub.transport,
          printSigningKey: hub.printSigningKey,
          ...(hub.retry ? { retry: hub.retry } : {}),
          ...(hub.pollMs ? { pollMs: hub.pollMs } : {}),
          ...(risaiLink
            ? {
                uploads: (progress: () => void) =>
                  // Staff see the count of what is still on the vehicle go down as photos arrive.
                  this.risai.syncWithHub(risaiLink, progress).finally(() => events.emit('relayChanged', this.relayStatus())),
              }
            : {}),
          outingRecordDelivered: (outingId) => {
            this.outings.recordDelivered(outingId);
            events.emit('outingChanged', {});
          },
          visitOutcomeDelivered: (bookingId) => {
            this.visits.outcomeDelivered(bookingId);
            events.emit('visitsChanged', {});
          },
          onChange: (ids) => {
            if (ids.length > 0) events.emit('requestsChanged', { ids });
            events.emit('relayChanged', this.relayStatus());
            // City hall is reachable again (or for the first time since start): bring the visits up to date.
            const online = this.sync?.status().online ?? false;
            if (online && !wasOnline) this.visits.pullInBackground();
            wasOnline = online;
          },
        })
      : null;
    this.consultations = hub?.calls
      ? new ConsultationService({
          transport: hub.calls,
          audit,
          clock,
          logger,
          onView: (view) => events.emit('consultationChanged', view),
          onMedia: (media) => events.emit('consultationMedia', media),
          onWaiting: (waiting) => events.emit('consultationWaiting', waiting),
          onSignal: (signal) => events.emit('consultationSignal', signal),
          onEnded: (call) => this.outings.consultationEnded(call.id, call.department),
        })
      : null;
  }

  /** Starts the idle lock, the queued print jobs and the sync loop. */
  startTimers(intervalMs = 5_000): void {
    this.access.startIdleLock(intervalMs);
    this.printing.resumeQueued();
    this.sync?.start();
    // Once a minute: whatever expired goes, and the WAL is emptied.
    this.retentionTimer = setInterval(() => {
      try {
        this.retention.sweep();
      } catch (e) {
        this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'retention sweep failed; trying again');
      }
    }, 60_000);
    this.retentionTimer.unref();
  }

  async close(): Promise<void> {
    this.access.stop();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.sync?.stop();
    await this.consultations?.stop();
    this.db.close();
    await this.printing.close();
  }

  onEvent(listener: TerminalListener): () => void {
    return this.events.on(listener);
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
      // Applications whose photos are still on their way count as waiting too.
      waiting: this.outbox.waitingRequests() + this.risai.uploading(),
      lastSyncAt: this.outbox.lastSyncAt(),
      setAside: this.outbox.setAsideCount(),
    };
  }

  private cardInReader() {
    return { inReader: this.cards.cardInReader() };
  }

  private changed(id: string): void {
    this.events.emit('requestsChanged', { ids: [id] });
    this.events.emit('relayChanged', this.relayStatus());
    // Anything new in the outbox goes to city hall as soon as it can.
    this.sync?.kick();
  }

  /**
   * Step 7, and the person counted for the open outing in the same transaction: the subject's name
   * and birth date are read here only to recognise them again within the outing, never stored.
   */
  private handOver(id: string, staffId: string) {
    return this.db.transaction(() => {
      const summary = this.desk.handOver(id, staffId);
      if (this.outings.isOpen()) {
        const { subject } = this.requests.relayContent(id).input;
        this.outings.certificateHandedOver(id, { name: subject.name, birthDate: subject.birthDate });
      }
      return summary;
    })();
  }

  /** Video consultations need city hall; a terminal set up without it says so. */
  private calls(): ConsultationService {
    if (!this.consultations) throw new AppError('HUB_NOT_CONFIGURED', 'この端末は市役所ハブに登録されていないため、ビデオ相談は使えません。管理者に連絡してください。');
    return this.consultations;
  }

  private readonly handlers: TerminalHandlers = {
    getSession: () => this.access.status(),
    signIn: ({ staffId, pin }) => this.access.signIn(staffId, pin),
    signOut: () => this.access.signOut(),
    lock: () => this.access.lock(),
    reportActivity: () => {
      this.access.touch();
      return { ok: true as const };
    },
    getFees: () => this.access.asStaff(() => this.options.fees),
    listToday: () => this.access.asStaff(() => this.requests.listForDay()),
    getRequest: ({ id }) => this.access.asStaff((staffId) => this.requests.detail(id, staffId)),
    createRequest: (input) => this.access.asStaff((staffId) => this.desk.create(input, staffId)),
    checkIdentity: ({ id, identity }) => this.access.asStaff((staffId) => this.desk.checkIdentity(id, identity, staffId)),
    showToResident: ({ id }) =>
      this.access.asStaff((staffId) => {
        this.desk.showToResident(id, staffId);
        return { ok: true as const };
      }),
    clearResidentScreen: () =>
      this.access.asStaff(() => {
        this.residentScreen.clear();
        return { ok: true as const };
      }),
    checkPrinted: ({ id, ok, reason }) => this.access.asStaff((staffId) => this.desk.checkPrinted(id, ok, reason, staffId)),
    recordPayment: ({ id, payment }) => this.access.asStaff((staffId) => this.desk.recordPayment(id, payment, staffId)),
    handOver: ({ id }) => this.access.asStaff((staffId) => this.handOver(id, staffId)),
    cancelRequest: ({ id, reason }) => this.access.asStaff((staffId) => this.desk.cancel(id, reason, staffId)),
    getRelayStatus: () => this.access.asStaff(() => this.relayStatus()),
    listQuestions: () => this.access.asStaff(() => this.questions.unseen()),
    markQuestionSeen: ({ seq }) => this.access.asStaff((staffId) => this.questions.markSeen(seq, staffId)),
    listPrintAttention: () => this.access.asStaff(() => this.printing.attention()),
    resolvePrintJob: ({ jobId, action, reason }) => this.access.asStaff((staffId) => this.printing.resolve(jobId, action, reason, staffId)),
    resumePrinting: ({ kind }) => this.access.asStaff(() => this.printing.resume(kind)),
    getPrinterStatus: () => this.access.asStaff(() => this.printing.status()),
    startCardRead: ({ purpose, requestId, insurance }) =>
      this.access.asStaff((staffId) => {
        // The PIN pad takes the resident screen; the request summary comes back after.
        this.residentScreen.clear();
        return this.cards.start(purpose, requestId ?? null, staffId, insurance ?? null);
      }),
    confirmLastPinTry: () => this.access.asStaff((staffId) => this.cards.confirmLastTry(staffId)),
    cancelCardRead: () => this.access.asStaff(() => this.cards.cancel()),
    getCardSession: () => this.access.asStaff(() => this.cards.view()),
    getVisitCardRead: () => this.access.asStaff(() => this.cards.visitCardRead()),
    confirmIdentityFromCardRead: ({ id, faceChecked }) =>
      this.access.asStaff(async (staffId) => {
        const summary = await this.cards.confirmFromVisitRead(id, staffId, faceChecked);
        this.changed(id);
        return summary;
      }),
    getCardInReader: (_input, screen) => (screen === 'staff' ? this.access.asStaff(() => this.cardInReader()) : this.cardInReader()),
    addNextVisitTask: (input) => this.access.asStaff((staffId) => this.nextVisit.add(input, staffId)),
    listNextVisitTasks: () => this.access.asStaff(() => this.nextVisit.list()),
    finishNextVisitTask: ({ id }) => this.access.asStaff((staffId) => this.nextVisit.finish(id, staffId)),
    getVisitDay: () => this.access.asStaff(() => this.visits.day()),
    pullVisits: () => this.access.asStaff(() => this.visits.pull()),
    openVisit: ({ bookingId }) => this.access.asStaff((staffId) => this.visits.open(bookingId, staffId)),
    recordVisitOutcome: (input) => this.access.asStaff((staffId) => this.visits.recordOutcome(input, staffId)),
    getOutingDesk: () => this.access.asStaff(() => this.outings.desk()),
    startOuting: (input) => this.access.asStaff((staffId) => this.outings.start(input, staffId)),
    endOuting: (input) => this.access.asStaff((staffId) => this.outings.end(input, staffId)),
    tallyOuting: (input) => this.access.asStaff((staffId) => this.outings.tally(input, staffId)),
    sellGoods: (input) => this.access.asStaff((staffId) => this.outings.sell(input, staffId)),
    getConsultation: () => this.access.asStaff(() => this.consultations?.view() ?? ConsultationService.none),
    getConsultationAvailability: () => this.access.asStaff(() => this.calls().availability()),
    startConsultation: ({ department }) => this.access.asStaff((staffId) => this.calls().start(department, staffId)),
    endConsultation: () => this.access.asStaff((staffId) => this.calls().end(staffId)),
    controlConsultation: (input) => this.access.asStaff(() => this.calls().control(input)),
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
    listDisasters: () => this.access.asStaff(() => ({ disasters: this.risai.disasters(), limits: this.risai.limits() })),
    pullDisasters: () =>
      this.access.asStaff(async () => {
        const link = this.options.hub?.risai;
        if (!link) throw new AppError('HUB_NOT_CONFIGURED', 'この端末は市役所ハブに登録されていないため、災害の一覧を更新できません。');
        try {
          await this.risai.pullDisasters(link);
        } catch (e) {
          if (e instanceof AppError) throw e;
          throw new AppError('HUB_UNREACHABLE', '市役所につながらないため、災害の一覧を更新できませんでした。前回の一覧で受付できます。');
        }
        return { disasters: this.risai.disasters(), limits: this.risai.limits() };
      }),
    createRisai: (input) => this.access.asStaff((staffId) => this.risai.create(input, staffId)),
    addRisaiPhoto: ({ applicationId, jpegBase64, takenAt }) =>
      this.access.asStaff((staffId) => this.risai.addPhoto(applicationId, Buffer.from(jpegBase64, 'base64'), takenAt, staffId)),
    removeRisaiPhoto: ({ applicationId, photoId }) => this.access.asStaff((staffId) => this.risai.removePhoto(applicationId, photoId, staffId)),
    submitRisai: ({ applicationId }) =>
      this.access.asStaff((staffId) => {
        const view = this.risai.submit(applicationId, staffId);
        this.events.emit('relayChanged', this.relayStatus());
        this.sync?.kick();
        return view;
      }),
    listRisai: () => this.access.asStaff(() => this.risai.list()),
    handOverRisai: ({ applicationId }) =>
      this.access.asStaff((staffId) => {
        const view = this.risai.handOver(applicationId, staffId);
        this.events.emit('relayChanged', this.relayStatus());
        this.sync?.kick();
        return view;
      }),
    getResidentView: () => this.residentScreen.view(),
    getResidentPin: () => residentPin(this.cards.view()),
    submitCardPin: ({ pin }) => this.cards.submitPin(pin),
    confirmAsResident: ({ requestId }) => {
      this.desk.confirmAsResident(requestId);
      return { ok: true as const };
    },
  };
}
