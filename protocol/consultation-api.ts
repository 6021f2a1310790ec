// The consultation API's zod-free half: paths, department and outcome labels, and the types, so the
// console and terminal bundles can import them without the validation library. The schemas are in
// consultation.ts.
export const departments = ['welfare_health', 'life_events', 'pension', 'sign_language'] as const;
export type Department = (typeof departments)[number];

export const departmentLabel: Record<Department, string> = {
  welfare_health: '福祉・保健',
  life_events: 'ライフイベント（おくやみ）',
  pension: '年金',
  sign_language: '手話',
};

/** What each department covers, shown to staff when they choose. */
export const departmentHint: Record<Department, string> = {
  welfare_health: '介護・障がい・子育て・健康・福祉',
  life_events: 'ご家族が亡くなられた後の手続き',
  pension: '国民年金の届出・相談',
  sign_language: '耳の不自由な方のための手話通訳',
};

export const callOutcomes = ['completed', 'abandoned', 'interrupted', 'consultant_left'] as const;
export type CallOutcome = (typeof callOutcomes)[number];

export const callOutcomeLabel: Record<CallOutcome, string> = {
  completed: '終了',
  abandoned: '取りやめ',
  interrupted: '途切れて終了',
  consultant_left: '担当者が退席',
};

/** How long a party may be away (network gap) before the call counts as interrupted. */
export const CALL_GRACE_MS = 30_000;

export const CONSULTATION_API = {
  vehicle: {
    availability: '/api/v1/vehicle/consultations/availability',
    calls: '/api/v1/vehicle/consultations',
    abandon: '/api/v1/vehicle/consultations/:id/abandon',
    end: '/api/v1/vehicle/consultations/:id/end',
    turn: '/api/v1/vehicle/turn-credentials',
    socket: '/api/v1/vehicle/consultations/ws',
  },
  consultant: {
    desk: '/api/v1/console/consultations',
    availability: '/api/v1/console/consultations/availability',
    accept: '/api/v1/console/consultations/:id/accept',
    end: '/api/v1/console/consultations/:id/end',
    notes: '/api/v1/console/consultations/:id/notes',
    turn: '/api/v1/console/turn-credentials',
    socket: '/api/v1/console/consultations/ws',
  },
} as const;

export type {
  AvailabilityResponse, CallClientFrame, CallRecordView, CallServerFrame, CallState, CallView, ConsultantDeskView, SignalData,
  TurnCredentialsResponse,
} from './consultation';
