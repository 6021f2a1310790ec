// The operator console's HTTP API paths and answer types, free of zod so the console's bundle can
// import them; the input schemas the hub validates are in console.ts.
import type { AuditRecord } from './audit-chain';
import type { Booking, FreeSlot } from './bookings';
import type { CertificateKind, IdDocumentKind, PaymentMethod, RequestStep } from './domain';
import { RECORDS_VIEW_ROLES, type OperatorRole } from './roles';
import type { AvailabilityDay } from './visit-calendar';
import type { AreaId, VisitRules } from './visit-rules';
import type { VisitOutcome } from './visits';

export const CONSOLE_API = {
  session: '/api/v1/console/session',
  queue: '/api/v1/console/queue',
  request: '/api/v1/console/requests/:id',
  /** The certificate an approval would issue, as page images (証明書担当 only). */
  preview: '/api/v1/console/requests/:id/preview',
  approve: '/api/v1/console/requests/:id/approve',
  reject: '/api/v1/console/requests/:id/reject',
  ask: '/api/v1/console/requests/:id/questions',
  reprintDecision: '/api/v1/console/reprints/:vehicleId/:id/decision',
  day: '/api/v1/console/day',
  socket: '/api/v1/console/ws',
  deadLetters: '/api/v1/admin/dead-letters',
  deadLetterResolve: '/api/v1/admin/dead-letters/:id/resolve',
  vehicles: '/api/v1/admin/vehicles',
  vehicleRevoke: '/api/v1/admin/vehicles/:id/revoke',
  operators: '/api/v1/admin/operators',
  operatorRole: '/api/v1/admin/operators/:id/role',
  operatorActive: '/api/v1/admin/operators/:id/active',
  operatorPassword: '/api/v1/admin/operators/:id/password',
  audit: '/api/v1/admin/audit',
  /** The dispatcher's console (配車担当): phone bookings of home visits and the call-back list. */
  bookings: {
    rules: '/api/v1/console/bookings/rules',
    availability: '/api/v1/console/bookings/availability',
    list: '/api/v1/console/bookings',
    create: '/api/v1/console/bookings',
    detail: '/api/v1/console/bookings/:id',
    cancel: '/api/v1/console/bookings/:id/cancel',
    change: '/api/v1/console/bookings/:id/change',
    callbacks: '/api/v1/console/callbacks',
    callbackDone: '/api/v1/console/callbacks/:id/done',
  },
  /**
   * The city's records for the planning staff (企画担当) and admins: the report (実績) with its charts and
   * files, and the vehicles' daily closes (日計表) with the monthly fee summary.
   */
  records: {
    report: '/api/v1/console/records/report',
    chartSvg: '/api/v1/console/records/charts/:chart/image.svg',
    chartPng: '/api/v1/console/records/charts/:chart/image.png',
    csv: '/api/v1/console/records/report.csv',
    xlsx: '/api/v1/console/records/report.xlsx',
    pdf: '/api/v1/console/records/report.pdf',
    closes: '/api/v1/console/records/closes',
  },
} as const;

/** Who may see the daily closes and the monthly fee summary: the one place this is decided. */
export const CLOSE_VIEW_ROLES: readonly OperatorRole[] = RECORDS_VIEW_ROLES;

/** The header that carries the session's CSRF token on every state-changing console call. */
export const CSRF_HEADER = 'x-csrf-token';

export type ConsoleRole = OperatorRole;

export interface ConsoleSession {
  operatorId: string;
  displayName: string;
  role: ConsoleRole;
  csrfToken: string;
}

export type RegistryMatchView =
  | { status: 'found'; residentId: string }
  | { status: 'not_found' }
  | { status: 'ambiguous'; candidates: number }
  | { status: 'unavailable' };

export interface QueueItem {
  requestId: string;
  vehicleId: string;
  number: string;
  day: string;
  kind: CertificateKind;
  copies: number;
  feeYen: number;
  step: RequestStep;
  receivedAt: string;
  staffId: string;
  subjectName: string;
  subjectKana: string;
  requesterRelation: 'self' | 'household' | 'proxy';
  letterOfProxy: boolean;
  details: string[];
  /** 本人確認: document kinds and last 4 digits only. */
  identity: { kind: IdDocumentKind; last4: string | null }[] | null;
  registry: RegistryMatchView;
  questions: { text: string; operatorId: string; askedAt: string }[];
}

export interface ReprintItem {
  id: string;
  vehicleId: string;
  requestId: string;
  number: string;
  kind: CertificateKind;
  jobId: string;
  reason: string;
  staffId: string;
  requestedAt: string;
}

export interface QueueView {
  /** One page of the requests the query asked for, oldest first. */
  requests: QueueItem[];
  reprints: ReprintItem[];
  connectedVehicles: string[];
  /** How many requests the query finds in all (every page). */
  total: number;
  /** The cursor of the next page, or null on the last one. */
  nextCursor: string | null;
  /** The hub's time of this answer: a later query with `receivedAfter` of it counts what came since. */
  asOf: string;
}

/** The queue's query string: every field optional; `step` defaults to 承認待ち (relayed). */
export interface QueueQueryParams {
  vehicle?: string;
  day?: string;
  kind?: CertificateKind;
  step?: RequestStep | 'all';
  /** 受付番号 (its start). */
  number?: string;
  cursor?: string;
  limit?: number;
  receivedAfter?: string;
}

/** One page of the certificate as it will print, from the very PDF the approval then issues. */
export interface CertificatePreviewPage {
  /** PNG bytes, base64. */
  png: string;
  width: number;
  height: number;
}

/**
 * The certificate an approval would issue now. Approving with `issuedAt` and `sha256` of this answer
 * issues exactly these bytes, or is refused (409 CERTIFICATE_CHANGED) when the registry changed since.
 */
export interface CertificatePreview {
  requestId: string;
  serial: string;
  issuedAt: string;
  sha256: string;
  pages: CertificatePreviewPage[];
}

/** A vehicle as the admin sees it. */
export interface AdminVehicle {
  id: string;
  enrolledAt: string;
  enrolledBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  connected: boolean;
  /** When this hub last had the vehicle's socket open (since the hub started), or null. */
  lastSeenAt: string | null;
  /** When the hub last applied a message from it, or null. */
  lastSyncAt: string | null;
  /** Inbox messages the vehicle has not yet acknowledged. */
  unacknowledged: number;
}

export interface AdminVehiclesView {
  vehicles: AdminVehicle[];
}

export interface AdminOperator {
  id: string;
  displayName: string;
  role: OperatorRole;
  active: boolean;
  createdAt: string;
}

export interface AdminOperatorsView {
  operators: AdminOperator[];
}

/** A vehicle message the hub could not apply and set aside (保留), for an admin to look at and resolve. */
export interface AdminDeadLetter {
  id: number;
  vehicleId: string;
  idempotencyKey: string | null;
  code: string;
  /** Why, in words (from the code). */
  reason: string;
  /** Field paths and codes only. */
  problem: string;
  /** The message as received (truncated); may hold personal data. */
  payload: string;
  receivedAt: string;
}

export interface AdminDeadLettersView {
  deadLetters: AdminDeadLetter[];
}

/** What became of a set-aside message: codes only, so the audit log holds no free text. */
export const deadLetterResolutions = ['resent', 'handled_by_hand', 'not_needed'] as const;
export type DeadLetterResolution = (typeof deadLetterResolutions)[number];
export const deadLetterResolutionLabel: Record<DeadLetterResolution, string> = {
  resent: '車両から送り直し済み',
  handled_by_hand: '市役所で手作業で処理した',
  not_needed: '処理は不要（重複・試験など）',
};

/** One audit record as the admin's audit-log screen shows it: the record the chain covers. */
export type AuditRowView = AuditRecord;

export interface AdminAuditView {
  rows: AuditRowView[];
  /** The cursor of the next (older) page, or null on the last one. */
  nextCursor: string | null;
}

export interface DayRow {
  requestId: string;
  vehicleId: string;
  number: string;
  kind: CertificateKind;
  copies: number;
  step: RequestStep;
  receivedAt: string;
  staffId: string;
  decidedBy: string | null;
  decision: 'approved' | 'rejected' | null;
  history: { event: string; step: RequestStep; actor: string; at: string }[];
}

export interface DayView {
  date: string;
  requests: DayRow[];
  countsByKind: Partial<Record<CertificateKind, { requests: number; copies: number; handedOver: number }>>;
}

export interface ConsoleEvent {
  type: string;
  requestId?: string;
}

/** The hub's visit rules and its clock, so the console checks a booking while it is typed, as the hub will. */
export interface DispatchRulesView {
  rules: VisitRules;
  /** The hub's instant and Tokyo date: the console's 'today' is the hub's, not the browser's. */
  now: string;
  today: string;
}

/** An area's days with their slots free, booked or closed (the intake API's answer, plus the hub's clock). */
export interface DispatchAvailabilityView {
  area: AreaId;
  days: AvailabilityDay[];
  now: string;
  today: string;
}

/** The booked bookings of an area and range, for the calendar's cells. */
export interface DispatchBookedView {
  bookings: Booking[];
  /** How the visits of these bookings ended, as the vehicles reported, by booking id. */
  outcomes: Record<string, VisitOutcome>;
  /** The vehicle each visit day of the range goes out with (the area's days only). */
  assignments: { date: string; vehicleId: string }[];
  /** The vehicles a day can be given to: enrolled and not revoked. */
  vehicles: string[];
}

/** The body of a booking or a change the hub refused: 409 SLOT_TAKEN offers the next free slots, 422 the earliest day. */
export interface DispatchRefusal {
  code: string;
  message: string;
  nextFree?: FreeSlot[];
  earliest?: string | null;
}

/** One outing's daily close as the console lists it: amounts only. */
export interface CloseListItem {
  outingId: string;
  vehicleId: string;
  date: string;
  closedAt: string;
  closedBy: string;
  feesYen: number;
  goodsYen: number;
  refundsYen: number;
  expectedYen: number;
  countedYen: number;
  differenceYen: number;
  reason: string | null;
  cashless: { method: PaymentMethod; count: number; amountYen: number; terminalYen: number; differenceYen: number; refundsYen: number }[];
}

/** A month's fees, goods and refunds by kind, item and method; `label` is how the console names the item. */
export interface FeeSummaryRow {
  kind: 'fee' | 'goods' | 'refund';
  item: string;
  label: string;
  method: PaymentMethod;
  count: number;
  quantity: number;
  amountYen: number;
}

export interface ClosesMonthView {
  month: string;
  closes: CloseListItem[];
  summary: FeeSummaryRow[];
  /** Per method: what was taken (fees and goods) and refunded; cash against each cashless method. */
  byMethod: { method: PaymentMethod; count: number; amountYen: number; refundsYen: number }[];
  totals: { feesYen: number; goodsYen: number; refundsYen: number; differenceYen: number };
}
