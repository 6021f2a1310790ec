// The operator console's HTTP API (served by the hub, same origin): inputs as zod schemas the hub
// validates, outputs as types the console reads. The console imports types only, so zod stays out of
// its bundle.
import { z } from 'zod';
import type { CertificateKind, IdDocumentKind, RequestStep } from './domain';

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

export const SignInInput = z.object({
  operatorId: z.string().min(1, { error: '職員番号を入力してください。' }).max(32),
  password: z.string().min(1, { error: 'パスワードを入力してください。' }).max(200),
});
export const RejectInput = z.object({
  reason: z.string().trim().min(1, { error: '却下の理由を入力してください。車両の職員に表示されます。' }).max(200, { error: '理由は200文字以内で入力してください。' }),
});
export const AskInput = z.object({
  text: z.string().trim().min(1, { error: '質問の内容を入力してください。' }).max(500, { error: '質問は500文字以内で入力してください。' }),
});
export const ReprintDecisionInput = z.object({ approve: z.boolean() });
export const DayQuery = z.object({ date: z.iso.date({ error: '日付は 2026-11-24 の形で指定してください。' }) });
export const NewOperatorInput = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: '職員番号は半角英数字32文字以内です。' }),
  displayName: z.string().trim().min(1).max(40),
  role: z.enum(['operator', 'consultant', 'dispatcher', 'admin']),
  password: z.string().min(12, { error: 'パスワードは12文字以上にしてください。' }).max(200),
});

export type ConsoleRole = 'operator' | 'consultant' | 'dispatcher' | 'admin';

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
