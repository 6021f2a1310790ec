// The operator console's HTTP API paths and answer types, free of zod so the console's bundle can
// import them; the input schemas the hub validates are in console.ts.
import type { Booking, FreeSlot } from './bookings';
import type { CertificateKind, IdDocumentKind, RequestStep } from './domain';
import type { OperatorRole } from './roles';
import type { AvailabilityDay } from './visit-calendar';
import type { AreaId, VisitRules } from './visit-rules';
import type { VisitOutcome } from './visits';

export const CONSOLE_API = {
  session: '/api/v1/console/session',
  queue: '/api/v1/console/queue',
  request: '/api/v1/console/requests/:id',
  approve: '/api/v1/console/requests/:id/approve',
  reject: '/api/v1/console/requests/:id/reject',
  ask: '/api/v1/console/requests/:id/questions',
  reprintDecision: '/api/v1/console/reprints/:vehicleId/:id/decision',
  day: '/api/v1/console/day',
  socket: '/api/v1/console/ws',
  deadLetters: '/api/v1/admin/dead-letters',
  vehicles: '/api/v1/admin/vehicles',
  operators: '/api/v1/admin/operators',
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
  /** The records report (実績) for the planning staff (企画担当) and admins: the table, its charts and its files. */
  records: {
    report: '/api/v1/console/records/report',
    chartSvg: '/api/v1/console/records/charts/:chart/image.svg',
    chartPng: '/api/v1/console/records/charts/:chart/image.png',
    csv: '/api/v1/console/records/report.csv',
    xlsx: '/api/v1/console/records/report.xlsx',
    pdf: '/api/v1/console/records/report.pdf',
  },
} as const;

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
  requests: QueueItem[];
  reprints: ReprintItem[];
  connectedVehicles: string[];
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
