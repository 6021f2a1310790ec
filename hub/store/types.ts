// The hub's store: every call is async and runs inside `transaction()`, which on SQLite is serialized
// and on PostgreSQL (READ COMMITTED, several hub processes) is made safe by locks the store takes
// itself (see store.ts). Rows are plain data; JSON columns are parsed by the services with zod.
import type { CertificateKind, RequestStep } from '../../protocol/domain';
import type { RisaiStore } from './risai-store';
import type { ChainedAuditRecord, ChainVerdict } from '../../protocol/audit-chain';
import type { OperatorRole } from '../../protocol/roles';
import type { CloseListItem } from '../../protocol/console-api';

export type { OperatorRole };

export interface VehicleRow {
  id: string;
  enrolledAt: string;
  enrolledBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  inboxAckedSeq: number;
}

export interface VehicleCertificateRow {
  fingerprint: string;
  vehicleId: string;
  serial: string;
  notAfter: string;
  issuedAt: string;
  revokedAt: string | null;
}

export interface OperatorRow {
  id: string;
  displayName: string;
  role: OperatorRole;
  passwordHash: string;
  active: boolean;
  createdAt: string;
}

export interface SessionRow {
  tokenHash: string;
  operatorId: string;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export interface RequestRow {
  id: string;
  vehicleId: string;
  number: string;
  day: string;
  kind: CertificateKind;
  copies: number;
  feeYen: number;
  step: RequestStep;
  /** The 交付請求書 as relayed (JSON of protocol RequestInput): personal fields the city keeps. */
  input: string;
  /** JSON of protocol IdentityCheckInput (document kinds and last 4 digits only), or null. */
  identity: string | null;
  staffId: string;
  sentAt: string;
  receivedAt: string;
  updatedAt: string;
}

export interface RequestEventRow {
  requestId: string;
  event: string;
  step: RequestStep;
  actor: string;
  at: string;
  reason: string | null;
}

export interface AppliedMessageRow {
  vehicleId: string;
  idempotencyKey: string;
  messageType: string;
  /** JSON of the DeliveryResult first given. */
  result: string;
  appliedAt: string;
}

export interface InboxRow {
  vehicleId: string;
  seq: number;
  type: string;
  /** JSON of a protocol HubMessageBody. */
  body: string;
  createdAt: string;
}

export interface DecisionRow {
  requestId: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  operatorId: string;
  decidedAt: string;
}

export interface QuestionRow {
  id: string;
  requestId: string;
  text: string;
  operatorId: string;
  askedAt: string;
}

export interface DocumentRow {
  id: string;
  requestId: string;
  kind: CertificateKind;
  serial: string;
  verificationCode: string;
  pdf: Uint8Array;
  sha256: string;
  issuedAt: string;
  issuedBy: string;
}

export interface PrintJobRow {
  id: string;
  requestId: string;
  vehicleId: string;
  documentId: string;
  copies: number;
  sha256: string;
  signature: string;
  reprintOf: string | null;
  inboxSeq: number;
  issuedAt: string;
  issuedBy: string;
}

export type ReprintStatus = 'pending' | 'approved' | 'rejected';
export interface ReprintRequestRow {
  id: string;
  vehicleId: string;
  jobId: string;
  requestId: string;
  reason: string;
  staffId: string;
  requestedAt: string;
  receivedAt: string;
  status: ReprintStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  newJobId: string | null;
}

export interface DeadLetterRow {
  id: number;
  vehicleId: string;
  idempotencyKey: string | null;
  code: string;
  /** Field paths and codes only: never values. */
  problem: string;
  /** The message as received (truncated), for an admin to inspect; may hold personal data. */
  payload: string;
  receivedAt: string;
}

/** A one-time challenge for マイナ保険証紐付け, bound to the vehicle it was given to. */
export interface LinkChallengeRow {
  id: string;
  vehicleId: string;
  /** The 32 random bytes the card signs. */
  challenge: Uint8Array;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** What its one use came to: a refusal code, 'VERIFIED' (sent to the linking service), 'LINKED'. */
  outcome: string | null;
}

/** A link recorded by the stand-in linking adapter. The insurance fields are personal data: never logged. */
export interface InsuranceLinkRow {
  id: string;
  vehicleId: string;
  staffId: string;
  certificateSerial: string;
  certificateSubject: string;
  insurerNumber: string;
  symbol: string | null;
  number: string;
  branch: string | null;
  linkedAt: string;
}

/** A video consultation's record. `notes` are the consultant's, personal data: never logged. */
export interface ConsultationRow {
  id: string;
  vehicleId: string;
  staffId: string;
  department: string;
  consultantId: string | null;
  calledAt: string;
  connectedAt: string | null;
  endedAt: string | null;
  outcome: string | null;
  notes: string | null;
  notesUpdatedAt: string | null;
}

/**
 * A home-visit booking as stored. `resident`, `eligibility` and `services` are JSON text the service
 * parses with zod; `resident`, `eligibility`, `notes` and `cancelReason` are personal data: never logged.
 */
export interface BookingRow {
  id: string;
  externalId: string;
  channel: string;
  area: string;
  district: string;
  visitDate: string;
  slot: string;
  resident: string;
  eligibility: string;
  coverage: string;
  parking: string;
  services: string;
  notes: string | null;
  status: string;
  cancelReason: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** Which vehicle drives an area's visit day. */
export interface VisitAssignmentRow {
  area: string;
  visitDate: string;
  vehicleId: string;
  assignedAt: string;
  assignedBy: string;
}

/** How a booked visit ended. `reason` is personal data: never logged. */
export interface VisitOutcomeRow {
  bookingId: string;
  vehicleId: string;
  outcome: string;
  reason: string | null;
  staffId: string;
  recordedAt: string;
  receivedAt: string;
}

/** An outgoing notice or call-back item (migration 006). `contact` is personal data: never logged. */
export interface NoticeRow {
  seq: number;
  id: string;
  dedupeKey: string;
  bookingId: string | null;
  audience: 'relay' | 'callback';
  kind: string;
  channel: string | null;
  externalId: string | null;
  message: string;
  contact: string | null;
  createdAt: string;
  handledAt: string | null;
  handledBy: string | null;
}

/** A key of the booking intake API. `secret` is the HMAC key: never logged, never in the audit log. */
export interface IntakeKeyRow {
  id: string;
  name: string;
  secret: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface AuditEntry {
  actor: string; // operator id, vehicle id, 'system' or 'unknown'
  action: string; // e.g. 'request.relayed', 'vehicle.refused'
  requestId?: string | null;
  place: string; // 'hub' or the vehicle id the action came from
  /** Ids, steps and codes only: never names, addresses, birth dates, passwords or document numbers. */
  detail?: Record<string, string | number | boolean | null>;
}

/** A stored audit record: the chain's own record shape, `detail` as its JSON text. */
export type AuditRow = ChainedAuditRecord;

/** A signed checkpoint of the hub's audit chain (hub/server/audit-anchors.ts). */
export interface AuditCheckpointRow {
  seq: number;
  hash: string;
  at: string;
  signature: string;
}

export type { ChainVerdict };

export interface RequestFilter {
  steps?: readonly RequestStep[];
  day?: string;
  limit?: number;
}

/** The console's queue search: filters, and a page after a (received time, id) position, oldest first. */
export interface RequestPageFilter {
  steps?: readonly RequestStep[];
  vehicleId?: string;
  day?: string;
  kind?: CertificateKind;
  /** The start of the 受付番号. */
  numberPrefix?: string;
  /** Only requests the hub received after this instant. */
  receivedAfter?: string;
  /** The last row of the page before. */
  after?: { receivedAt: string; number: string; id: string };
  limit: number;
}

/** The admins' audit search, newest first; `before` is the sequence number the page ends below. */
export interface AuditSearch {
  requestIds?: readonly string[];
  actor?: string;
  action?: string;
  /** An instant range [from, to) (a Tokyo day). */
  from?: string;
  to?: string;
  before?: number;
  limit: number;
}

/** What the hub knows of a vehicle's traffic: its last applied message and the newest inbox row. */
export interface VehicleTrafficRow {
  vehicleId: string;
  lastAppliedAt: string | null;
  latestInboxSeq: number;
}

/** An outing a vehicle recorded (migration 009): ids and counts only. */
export interface OutingRow {
  id: string;
  vehicleId: string;
  date: string;
  fiscalYear: number;
  month: string;
  kind: string;
  place: string | null;
  /** JSON array of staff ids. */
  staff: string;
  startedAt: string;
  endedAt: string;
  explained: number;
  receivedAt: string;
}

/** The services one person received during an outing, numbered within it (1, 2, 3…). */
export interface OutingPersonServices {
  personNo: number;
  services: readonly string[];
  /** Consultation departments, comma-separated. */
  department: string | null;
}

/** An outing's daily close as the hub keeps it (the cash check in columns, counts and cashless as JSON). */
export interface DailyCloseRow extends Omit<CloseListItem, 'cashless'> {
  month: string;
  counted: string;
  cashless: string;
  receivedAt: string;
}

export interface DailyCloseLineRow {
  lineNo: number;
  kind: string;
  item: string;
  quantity: number;
  method: string;
  amountYen: number;
}

/** A month's fees, goods and refunds by kind, item and method. */
export interface CloseSummaryRow {
  kind: string;
  item: string;
  method: string;
  count: number;
  quantity: number;
  amountYen: number;
}

export interface OutingSaleRow {
  item: string;
  unitYen: number;
  quantity: number;
}

/** A row of the city's earlier tables to import; null is the printed 「-」. */
export interface ImportedRecordRow {
  fiscalYear: number;
  month: string | null;
  kind: string;
  /** '' where the kind has no place. */
  place: string;
  outings: number;
  certificate: number | null;
  mynumberCard: number | null;
  garbageTicket: number | null;
  consultation: number | null;
  frailty: number | null;
  smartphone: number | null;
  people: number | null;
  explained: number | null;
  lineNo: number;
  fileSha256: string;
  importedAt: string;
  importedBy: string;
}

/** Which records a report covers: months from–to inclusive, and a fiscal year's whole-year imported rows when it covers one. */
export interface RecordsFilter {
  from: string;
  to: string;
  wholeFiscalYear: number | null;
}

/** What the store sums for a report, grouped in SQL; the report builds the city's rows from it. */
export interface RecordTotals {
  /** Vehicle outings by kind and place ('' for none): how many, and 説明者数. */
  outings: { kind: string; place: string; outings: number; explained: number }[];
  /** Person-services by kind, place and service: how many, and how many of those rows count their person (計). */
  services: { kind: string; place: string; service: string; served: number; people: number }[];
  /** Imported rows by kind and place: SUM keeps NULL where every row is 「-」. */
  imported: ({ kind: string; place: string; firstLine: number; outings: number; people: number | null; explained: number | null } & Record<'certificate' | 'mynumber_card' | 'garbage_ticket' | 'consultation' | 'frailty' | 'smartphone', number | null>)[];
  monthlyServices: { month: string; service: string; served: number; people: number }[];
  monthlyOutings: { month: string; kind: string; place: string; outings: number }[];
  monthlyImported: ({ month: string; kind: string; place: string; outings: number; people: number | null } & Record<'certificate' | 'mynumber_card' | 'garbage_ticket' | 'consultation' | 'frailty' | 'smartphone', number | null>)[];
  /** り災証明書 applications received and taken (Tokyo month) within the range, by disaster and district. */
  risai: { disaster: string; area: string; applications: number }[];
}

/** Everything the hub reads and writes, within one transaction. */
export interface HubTx {
  /**
   * Runs `fn` as a nested part of this transaction (a savepoint): when it throws, its writes are undone
   * and the rest of the transaction goes on. Lets one transaction hold a whole delivery batch.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** The り災証明書 tables (hub/store/risai-store.ts). */
  risai(): RisaiStore;
  insertVehicle(v: Pick<VehicleRow, 'id' | 'enrolledAt' | 'enrolledBy'>): Promise<void>;
  getVehicle(id: string): Promise<VehicleRow | undefined>;
  listVehicles(): Promise<VehicleRow[]>;
  /** Per vehicle: when the hub last applied one of its messages, and its inbox's newest sequence number. */
  vehicleTraffic(): Promise<VehicleTrafficRow[]>;
  revokeVehicle(id: string, at: string, by: string): Promise<void>;
  insertVehicleCertificate(c: Omit<VehicleCertificateRow, 'revokedAt'>): Promise<void>;
  getVehicleCertificate(fingerprint: string): Promise<VehicleCertificateRow | undefined>;
  /** Revokes one certificate; false when it was unknown or already revoked. */
  revokeVehicleCertificate(fingerprint: string, at: string): Promise<boolean>;
  /** Revokes every live certificate of the vehicle but `keep` (re-enrolment); returns their fingerprints. */
  revokeOtherVehicleCertificates(vehicleId: string, keep: string, at: string): Promise<string[]>;
  setInboxAcked(vehicleId: string, seq: number): Promise<void>;

  insertOperator(o: OperatorRow): Promise<void>;
  getOperator(id: string): Promise<OperatorRow | undefined>;
  /** A new hash for the same password (its cost raised). */
  setOperatorPasswordHash(id: string, passwordHash: string): Promise<void>;
  listOperators(): Promise<OperatorRow[]>;
  setOperatorRole(id: string, role: OperatorRole): Promise<void>;
  setOperatorActive(id: string, active: boolean): Promise<void>;
  /** Signs an operator out everywhere: returns how many sessions ended. */
  deleteSessionsOf(operatorId: string): Promise<number>;

  insertSession(s: SessionRow): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | undefined>;
  touchSession(tokenHash: string, lastSeenAt: string, expiresAt: string): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;

  getAppliedMessage(vehicleId: string, key: string): Promise<AppliedMessageRow | undefined>;
  insertAppliedMessage(m: AppliedMessageRow): Promise<void>;
  /** The keys of `keys` this vehicle has applied; takes the vehicle's delivery lock first, as getAppliedMessage does. */
  getAppliedMessages(vehicleId: string, keys: readonly string[]): Promise<AppliedMessageRow[]>;
  insertAppliedMessages(rows: readonly AppliedMessageRow[]): Promise<void>;

  insertRequest(r: RequestRow): Promise<void>;
  getRequest(id: string): Promise<RequestRow | undefined>;
  setRequestStep(id: string, step: RequestStep, at: string): Promise<void>;
  listRequests(filter: RequestFilter): Promise<RequestRow[]>;
  /** A page of the requests a queue search finds, oldest first. */
  listRequestPage(filter: RequestPageFilter): Promise<RequestRow[]>;
  /** How many requests a queue search finds in all (its `after` and `limit` ignored). */
  countRequests(filter: Omit<RequestPageFilter, 'after' | 'limit'>): Promise<number>;
  /** Ids of requests whose subject's name or kana holds `text`, spaces left out (newest first, at most `limit`). */
  requestIdsBySubject(text: string, limit: number): Promise<string[]>;
  insertRequestEvent(e: RequestEventRow): Promise<void>;
  /** The requests of `ids` that exist, in no particular order. */
  getRequests(ids: readonly string[]): Promise<RequestRow[]>;
  insertRequests(rows: readonly RequestRow[]): Promise<void>;
  setRequestSteps(changes: readonly { id: string; step: RequestStep; at: string }[]): Promise<void>;
  /** Inserts the events in the order given. */
  insertRequestEvents(rows: readonly RequestEventRow[]): Promise<void>;
  listRequestEvents(requestIds: readonly string[]): Promise<RequestEventRow[]>;

  /** Appends to a vehicle's inbox and returns the new sequence number (1, 2, 3… per vehicle). */
  appendInbox(vehicleId: string, type: string, body: string, at: string): Promise<number>;
  listInbox(vehicleId: string, afterSeq: number, limit: number): Promise<InboxRow[]>;
  latestInboxSeq(vehicleId: string): Promise<number>;
  /** Empties the stored certificate PDFs of these requests (their serials and hashes stay); returns the requests that had one. */
  dropDocumentPdfs(requestIds: readonly string[]): Promise<string[]>;
  /** Rewrites an inbox row's body (a print job's PDF dropped once the vehicle acknowledged it). */
  setInboxBody(vehicleId: string, seq: number, body: string): Promise<void>;

  insertDecision(d: DecisionRow): Promise<void>;
  getDecision(requestId: string): Promise<DecisionRow | undefined>;
  insertQuestion(q: QuestionRow): Promise<void>;
  listQuestions(requestId: string): Promise<QuestionRow[]>;

  insertDocument(d: DocumentRow): Promise<void>;
  getDocumentForRequest(requestId: string): Promise<DocumentRow | undefined>;
  insertPrintJob(j: PrintJobRow): Promise<void>;
  getPrintJob(id: string): Promise<PrintJobRow | undefined>;
  listPrintJobs(requestId: string): Promise<PrintJobRow[]>;

  insertReprintRequest(r: ReprintRequestRow): Promise<void>;
  getReprintRequest(vehicleId: string, id: string): Promise<ReprintRequestRow | undefined>;
  getReprintRequestForJob(jobId: string): Promise<ReprintRequestRow | undefined>;
  decideReprintRequest(vehicleId: string, id: string, status: 'approved' | 'rejected', by: string, at: string, newJobId: string | null): Promise<void>;
  listReprintRequests(status: ReprintStatus | null): Promise<ReprintRequestRow[]>;

  insertDeadLetter(d: Omit<DeadLetterRow, 'id'>): Promise<number>;
  listDeadLetters(limit: number): Promise<DeadLetterRow[]>;
  getDeadLetter(id: number): Promise<DeadLetterRow | undefined>;
  /** Removes a resolved message (its payload may hold personal data); false when it was gone already. */
  deleteDeadLetter(id: number): Promise<boolean>;

  insertLinkChallenge(c: Omit<LinkChallengeRow, 'usedAt' | 'outcome'>): Promise<void>;
  getLinkChallenge(id: string): Promise<LinkChallengeRow | undefined>;
  /** Marks an unused challenge used with its outcome; false when it was already used. */
  useLinkChallenge(id: string, at: string, outcome: string): Promise<boolean>;
  /** Records what a used challenge finally came to (after the linking service answered). */
  setLinkChallengeOutcome(id: string, outcome: string): Promise<void>;
  insertInsuranceLink(l: InsuranceLinkRow): Promise<void>;
  getInsuranceLink(id: string): Promise<InsuranceLinkRow | undefined>;

  insertConsultation(c: Pick<ConsultationRow, 'id' | 'vehicleId' | 'staffId' | 'department' | 'calledAt'>): Promise<void>;
  setConsultationConnected(id: string, consultantId: string, at: string): Promise<void>;
  /** Ends an open record; false when it had already ended. */
  endConsultation(id: string, outcome: string, at: string): Promise<boolean>;
  /** Ends every record still open (the hub stopped mid-call): returns how many. */
  interruptOpenConsultations(at: string): Promise<number>;
  setConsultationNotes(id: string, notes: string, at: string): Promise<void>;
  getConsultation(id: string): Promise<ConsultationRow | undefined>;
  listConsultations(filter: { consultantId?: string; since?: string; limit: number }): Promise<ConsultationRow[]>;

  /**
   * Inserts a booking unless it collides with a unique key: the same (channel, externalId), or a slot
   * another booking already holds. A collision is an answer, not an error: false, and the transaction
   * goes on (so the caller can read the winner and refuse with SLOT_TAKEN). On PostgreSQL the insert
   * waits for a competing transaction holding the same key to end, so false means the other committed.
   */
  insertBooking(b: Omit<BookingRow, 'status' | 'cancelReason' | 'updatedAt' | 'updatedBy'>): Promise<boolean>;
  getBooking(id: string): Promise<BookingRow | undefined>;
  getBookingByExternalId(channel: string, externalId: string): Promise<BookingRow | undefined>;
  /** The booked (not cancelled) slots of an area from `from` to `to`, inclusive. */
  listBookedSlots(area: string, from: string, to: string): Promise<{ visitDate: string; slot: string }[]>;
  /** Cancels a booked booking; false when it is not booked (unknown or already cancelled). */
  cancelBooking(id: string, reason: string, by: string, at: string): Promise<boolean>;

  /** Assigns an area's visit day to a vehicle, replacing the vehicle it had. */
  upsertVisitAssignment(a: VisitAssignmentRow): Promise<void>;
  getVisitAssignment(area: string, visitDate: string): Promise<VisitAssignmentRow | undefined>;
  /** False when the day had no vehicle. */
  deleteVisitAssignment(area: string, visitDate: string): Promise<boolean>;
  /** Assignments from `from` to `to` inclusive, of one vehicle when given, by date and area. */
  listVisitAssignments(filter: { from: string; to?: string; vehicleId?: string }): Promise<VisitAssignmentRow[]>;
  /** Inserts the outcome unless the booking has one already (false then: the first outcome stays). */
  insertVisitOutcome(o: VisitOutcomeRow): Promise<boolean>;
  getVisitOutcomes(bookingIds: readonly string[]): Promise<VisitOutcomeRow[]>;
  /** The booked bookings from `from` to `to` inclusive, of one area or every area, by date and slot. */
  listBookings(filter: { area?: string; from: string; to: string }): Promise<BookingRow[]>;
  /**
   * Moves a booked booking to another date and slot of its area. False when that slot is someone
   * else's (the partial unique index says so; the transaction goes on) or the booking is not booked.
   */
  moveBooking(id: string, to: { visitDate: string; slot: string }, by: string, at: string): Promise<boolean>;

  /** Writes a notice unless one with its dedupe key exists (then false). */
  insertNotice(n: Omit<NoticeRow, 'seq' | 'handledAt' | 'handledBy'>): Promise<boolean>;
  /**
   * Notices of an audience not yet handled (acknowledged by the relay, done by a dispatcher), oldest
   * first; with `afterSeq`, only those after it (a page of a pull, not a durable cursor: on PostgreSQL a
   * lower seq may commit after a higher one is read).
   */
  listOpenNotices(audience: NoticeRow['audience'], limit: number, afterSeq?: number): Promise<NoticeRow[]>;
  /** Marks these notices of an audience handled; answers the ids that were open and now are not. */
  handleNotices(audience: NoticeRow['audience'], ids: readonly string[], by: string, at: string): Promise<string[]>;

  insertIntakeKey(k: Omit<IntakeKeyRow, 'revokedAt' | 'revokedBy'>): Promise<void>;
  getIntakeKey(id: string): Promise<IntakeKeyRow | undefined>;
  /** Revokes a key still in use; false when it is unknown or already revoked. */
  revokeIntakeKey(id: string, at: string, by: string): Promise<boolean>;

  /**
   * Writes an outing with one row per person and service and its sales, unless an outing with its id
   * exists (false then: the first record stays).
   */
  insertOuting(o: OutingRow, people: readonly OutingPersonServices[], sales: readonly OutingSaleRow[]): Promise<boolean>;
  /** Writes an outing's daily close and its lines (call once the outing itself was inserted). */
  insertDailyClose(c: DailyCloseRow, lines: readonly DailyCloseLineRow[]): Promise<void>;
  /** The closes of a month ('YYYY-MM'), by date and close time. */
  listDailyCloses(month: string): Promise<DailyCloseRow[]>;
  /** The month's money lines summed by kind, item and method, in SQL (in no particular order). */
  closeSummary(month: string): Promise<CloseSummaryRow[]>;
  /** Whether the imported row (fiscal year, month, kind, place) is there already. */
  hasImportedRecord(key: { fiscalYear: number; month: string | null; kind: string; place: string }): Promise<boolean>;
  insertImportedRecords(rows: readonly ImportedRecordRow[]): Promise<void>;
  /** The report's sums, grouped in SQL. */
  recordTotals(filter: RecordsFilter): Promise<RecordTotals>;

  /** Appends one hash-chained audit record, stamped with `at`. */
  appendAudit(entry: AuditEntry, at: string): Promise<void>;
  /** Appends the records in the order given, each chained on the one before, as appendAudit would one by one. */
  appendAudits(entries: readonly { entry: AuditEntry; at: string }[]): Promise<void>;
  listAudit(filter: { requestId?: string; action?: string; limit?: number }): Promise<AuditRow[]>;
  searchAudit(filter: AuditSearch): Promise<AuditRow[]>;
  /** The chain's head: its last sequence number and hash (none while the log is empty). */
  latestAudit(): Promise<{ seq: number; hash: string } | undefined>;
  insertAuditCheckpoint(c: AuditCheckpointRow): Promise<void>;
  latestAuditCheckpoint(): Promise<AuditCheckpointRow | undefined>;
  listAuditCheckpoints(): Promise<AuditCheckpointRow[]>;
  /** The hash of the audit row at `seq`, or null when there is none. */
  auditHashAt(seq: number): Promise<string | null>;
  verifyAudit(): Promise<ChainVerdict>;
}

export interface HubStore {
  /**
   * Runs `fn` as one transaction: all its writes land together or not at all. On PostgreSQL a
   * transaction that lost a race to another hub process (deadlock, serialization failure, an
   * arbitrating key taken first) is run again, so `fn` may run more than once: keep effects outside
   * the database until it has returned.
   */
  transaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
