// The seven-step certificate flow (受付 → 本人確認 → 送信 → 承認・印刷 → 確認 → 収納 → 交付) as a pure state
// machine: state + event → state + effects.
// Written once for both sides: the vehicle's request service applies `transition` and runs the effects
// in the same transaction; the hub applies `stepAfterVehicleEvent` to the events a vehicle relays, so
// the two can never disagree on which step comes next. No I/O.
import type { RequestStep } from './domain';
import { AppError } from './errors';
import { requestStepLabel } from './labels';

export class TransitionError extends AppError {
  constructor(message: string) {
    super('ILLEGAL_TRANSITION', message);
  }
}

export interface WorkflowState {
  readonly step: RequestStep;
  readonly feeYen: number;
  /** The resident has confirmed the request on the resident screen (step 1, 書かない窓口). */
  readonly residentConfirmed: boolean;
  /** Set while a paid request is cancelled, so the refund is not forgotten. */
  readonly paid: boolean;
}

export type WorkflowEvent =
  | { type: 'IDENTITY_CHECKED' }
  | { type: 'RESIDENT_CONFIRMED' }
  | { type: 'RELAY_ACKED' }
  | { type: 'APPROVED' }
  | { type: 'REJECTED'; reason: string }
  | { type: 'PRINTED' }
  | { type: 'CHECK_OK' }
  | { type: 'CHECK_SPOILED'; reason: string }
  | { type: 'REPRINT_APPROVED' }
  | { type: 'PAID' }
  | { type: 'HANDED_OVER' }
  | { type: 'CANCELLED'; reason: string };
export type WorkflowEventType = WorkflowEvent['type'];

export type Effect =
  /** Put the whole request in the outbox for city hall (step 3). */
  | { type: 'relayRequest' }
  /** Tell city hall what happened in the vehicle after relay (printed, checked, paid, handed over…). */
  | { type: 'notifyHub'; event: VehicleNotifiedEvent }
  | { type: 'recordSpoiledSheet'; reason: string }
  | { type: 'refundDue'; amountYen: number };

export interface Transition {
  readonly state: WorkflowState;
  readonly effects: readonly Effect[];
}

export const eventLabel: Record<WorkflowEventType, string> = {
  IDENTITY_CHECKED: '本人確認',
  RESIDENT_CONFIRMED: 'お客様の内容確認',
  RELAY_ACKED: '市役所の受信確認',
  APPROVED: '承認',
  REJECTED: '却下',
  PRINTED: '印刷',
  CHECK_OK: '印刷物の確認',
  CHECK_SPOILED: '書き損じの記録',
  REPRINT_APPROVED: '再印刷の承認',
  PAID: '手数料の収納',
  HANDED_OVER: '交付',
  CANCELLED: '取消',
};

export const terminalSteps: ReadonlySet<RequestStep> = new Set(['handed_over', 'cancelled', 'rejected']);

export function initialState(feeYen: number): WorkflowState {
  return { step: 'entered', feeYen, residentConfirmed: false, paid: false };
}

const afterRelay: ReadonlySet<RequestStep> = new Set(['relayed', 'approved', 'printed', 'spoiled', 'checked', 'paid']);

function illegal(state: WorkflowState, event: WorkflowEvent, why?: string): never {
  throw new TransitionError(
    why ?? `「${requestStepLabel[state.step]}」の受付では「${eventLabel[event.type]}」はできません。画面を更新して、今の段階を確かめてください。`,
  );
}

const to = (state: WorkflowState, step: RequestStep, effects: Effect[] = [], patch: Partial<WorkflowState> = {}): Transition => ({
  state: { ...state, ...patch, step },
  effects,
});

/** Applies one event. Throws TransitionError (Japanese message) for an event the step does not allow. */
export function transition(state: WorkflowState, event: WorkflowEvent): Transition {
  const { step } = state;
  if (terminalSteps.has(step)) {
    illegal(state, event, `この受付は「${requestStepLabel[step]}」で終わっています。新しい受付を作ってください。`);
  }
  switch (event.type) {
    case 'IDENTITY_CHECKED':
      if (step === 'entered' || step === 'identity_checked') {
        // Whichever of 本人確認 and the resident's confirmation comes second sends the request.
        return state.residentConfirmed ? to(state, 'queued', [{ type: 'relayRequest' }]) : to(state, 'identity_checked');
      }
      return illegal(state, event);
    case 'RESIDENT_CONFIRMED':
      if (state.residentConfirmed) illegal(state, event, 'お客様の確認はもう済んでいます。');
      if (step === 'entered') return to(state, 'entered', [], { residentConfirmed: true });
      if (step === 'identity_checked') return to(state, 'queued', [{ type: 'relayRequest' }], { residentConfirmed: true });
      return illegal(state, event);
    case 'RELAY_ACKED':
      return step === 'queued' ? to(state, 'relayed') : illegal(state, event);
    case 'APPROVED':
    case 'REJECTED': {
      // A decision may arrive before the relay's own acknowledgement (pulled on reconnect).
      if (step !== 'queued' && step !== 'relayed') return illegal(state, event);
      return event.type === 'APPROVED' ? to(state, 'approved') : to(state, 'rejected');
    }
    case 'PRINTED':
      return step === 'approved' ? to(state, 'printed', [{ type: 'notifyHub', event: 'PRINTED' }]) : illegal(state, event);
    case 'CHECK_OK':
      return step === 'printed' ? to(state, 'checked', [{ type: 'notifyHub', event: 'CHECK_OK' }]) : illegal(state, event);
    case 'CHECK_SPOILED':
      return step === 'printed'
        ? to(state, 'spoiled', [{ type: 'recordSpoiledSheet', reason: event.reason }, { type: 'notifyHub', event: 'CHECK_SPOILED' }])
        : illegal(state, event);
    case 'REPRINT_APPROVED':
      return step === 'spoiled' ? to(state, 'approved') : illegal(state, event);
    case 'PAID':
      if (step !== 'checked') return illegal(state, event);
      if (state.feeYen === 0) illegal(state, event, '手数料がかからない証明書です。そのまま交付してください。');
      return to(state, 'paid', [{ type: 'notifyHub', event: 'PAID' }], { paid: true });
    case 'HANDED_OVER':
      if (step === 'paid' || (step === 'checked' && state.feeYen === 0)) {
        return to(state, 'handed_over', [{ type: 'notifyHub', event: 'HANDED_OVER' }]);
      }
      if (step === 'checked') illegal(state, event, '手数料をまだ受け取っていません。先に収納してください。');
      return illegal(state, event);
    case 'CANCELLED': {
      const effects: Effect[] = [];
      if (state.paid) effects.push({ type: 'refundDue', amountYen: state.feeYen });
      if (step === 'queued' || afterRelay.has(step)) effects.push({ type: 'notifyHub', event: 'CANCELLED' });
      return to(state, 'cancelled', effects);
    }
  }
}

/** The happy path in order, for progress displays (書き損じ is shown where 印刷 is). */
export const progressSteps: readonly RequestStep[] = ['entered', 'identity_checked', 'queued', 'relayed', 'approved', 'printed', 'checked', 'paid', 'handed_over'];

/** The events a vehicle tells the hub about after relay (the `notifyHub` effects above). */
export const vehicleNotifiedEvents = ['PRINTED', 'CHECK_OK', 'CHECK_SPOILED', 'PAID', 'HANDED_OVER', 'CANCELLED'] as const satisfies readonly WorkflowEventType[];
export type VehicleNotifiedEvent = (typeof vehicleNotifiedEvents)[number];

/**
 * The hub's side of the same table: the step a relayed request moves to when its vehicle reports
 * `event`, or null when the vehicle could not have sent it from `current` (the vehicle only sends what
 * a legal transition told it to). The hub keeps no `residentConfirmed` flag: every request it holds was
 * confirmed before relay; `paid` follows from the step.
 */
export function stepAfterVehicleEvent(current: RequestStep, event: VehicleNotifiedEvent, feeYen: number): RequestStep | null {
  const state: WorkflowState = { step: current, feeYen, residentConfirmed: true, paid: current === 'paid' };
  const asEvent: WorkflowEvent = event === 'CHECK_SPOILED' || event === 'CANCELLED' ? { type: event, reason: '' } : { type: event };
  let next: Transition;
  try {
    next = transition(state, asEvent);
  } catch (e) {
    if (e instanceof TransitionError) return null;
    throw e;
  }
  return next.effects.some((x) => x.type === 'notifyHub' && x.event === event) ? next.state.step : null;
}

/**
 * Where a certificate may be printed again: a job whose outcome is unknown (still `approved`), or a
 * sheet recorded as printed or spoiled. Later steps have the certificate in the resident's hands.
 */
export const reprintableSteps: ReadonlySet<RequestStep> = new Set(['approved', 'printed', 'spoiled']);

/** What an operator at the hub decides about a relayed request. */
export type HubDecision = 'APPROVED' | 'REJECTED' | 'REPRINT_APPROVED';

/**
 * The hub's decisions on the same table: the step a request moves to when an operator approves,
 * rejects or approves a reprint, or null when the vehicle could not take that decision in `current`.
 * The hub never holds a request before relay, so `queued` is not a step it decides from.
 */
export function stepAfterHubDecision(current: RequestStep, decision: HubDecision): RequestStep | null {
  if (current === 'entered' || current === 'identity_checked' || current === 'queued') return null;
  const state: WorkflowState = { step: current, feeYen: 0, residentConfirmed: true, paid: current === 'paid' };
  try {
    return transition(state, decision === 'REJECTED' ? { type: decision, reason: '' } : { type: decision }).state.step;
  } catch (e) {
    if (e instanceof TransitionError) return null;
    throw e;
  }
}
