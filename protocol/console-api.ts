// The operator console's HTTP API paths and answer types, free of zod so the console's bundle can
// import them; the input schemas the hub validates are in console.ts.
import type { CertificateKind, IdDocumentKind, RequestStep } from './domain';
import type { OperatorRole } from './roles';

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
