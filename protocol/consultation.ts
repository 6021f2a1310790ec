// Video consultations: the departments a resident in the vehicle can talk to, the states of a call,
// and the hub's API for them — the vehicle's side (mutual TLS), the consultant's side (console session)
// and the frames of the call socket both use to see the call and to relay WebRTC signals.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { callOutcomes, departments } from './consultation-api';
import { entityId, StaffId } from './ids';

export * from './consultation-api';

export const Department = z.enum(departments, { error: '相談先を選んでください。' });
export type Department = z.infer<typeof Department>;
/**
 * waiting → connected → ended; a waiting call may be abandoned; a call whose party stayed away longer
 * than the grace period (30 s) is interrupted.
 */
export const CallState = z.enum(['waiting', 'connected', 'ended', 'abandoned', 'interrupted']);
export type CallState = z.infer<typeof CallState>;

/** How a call finished, as kept in its record. */
export const CallOutcome = z.enum(callOutcomes);
export type CallOutcome = z.infer<typeof CallOutcome>;

const Id = entityId('相談の番号が正しくありません。');
export const CallId = Id;

/** A call as either party sees it. */
export const CallView = z.object({
  id: Id,
  department: Department,
  state: CallState,
  /** 1-based place in the department's queue while waiting. */
  position: z.number().int().positive().nullable(),
  /** The consultant's display name once connected (the vehicle shows it to the resident). */
  consultantName: z.string().max(40).nullable(),
  vehicleId: z.string().max(32),
  calledAt: z.string(),
  connectedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  outcome: CallOutcome.nullable(),
  /** False while the other party's connection to the hub is lost (the call waits for them). */
  peerPresent: z.boolean(),
  /** Calling back after a call that was cut off: it is at the front of the queue. */
  callBack: z.boolean(),
});
export type CallView = z.infer<typeof CallView>;

/**
 * A WebRTC signal as simple-peer emits it (offer / answer / trickled candidate / renegotiation
 * request), plus `restart-ice` (the answering side asks the initiator to restart ICE). Only the known
 * fields survive validation; an SDP is at most 16 KB.
 */
export const SignalData = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1).max(16_384) }),
  z.object({
    type: z.literal('candidate'),
    candidate: z.object({
      candidate: z.string().max(1_024),
      sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
      sdpMid: z.string().max(64).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    }),
  }),
  z.object({ type: z.literal('renegotiate'), renegotiate: z.literal(true) }),
  z.object({ type: z.literal('transceiverRequest'), transceiverRequest: z.object({ kind: z.enum(['audio', 'video']), init: z.object({}).optional() }) }),
  z.object({ type: z.literal('restart-ice') }),
]);
export type SignalData = z.infer<typeof SignalData>;

/** Frames a party sends on the call socket. */
export const CallClientFrame = z.object({ type: z.literal('signal'), callId: Id, data: SignalData });
export type CallClientFrame = z.infer<typeof CallClientFrame>;

/** Frames the hub sends on the call socket. */
export const CallServerFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), call: CallView }),
  z.object({ type: z.literal('signal'), callId: Id, data: SignalData }),
  /** Consultants: the waiting queues changed; read them again. */
  z.object({ type: z.literal('queues') }),
  z.object({ type: z.literal('error'), code: z.string().max(64), message: z.string().max(200) }),
]);
export type CallServerFrame = z.infer<typeof CallServerFrame>;

export const DepartmentAvailability = z.object({
  department: Department,
  /** Consultants available and not in a call. */
  available: z.number().int().min(0),
  waiting: z.number().int().min(0),
});
export const AvailabilityResponse = z.object({ departments: z.array(DepartmentAvailability), turn: z.boolean() });
export type AvailabilityResponse = z.infer<typeof AvailabilityResponse>;

export const TurnCredentialsResponse = z.object({
  iceServers: z.array(z.object({ urls: z.array(z.string().max(200)).min(1).max(4), username: z.string().max(200), credential: z.string().max(200) })).max(2),
  ttl: z.number().int().positive(),
});
export type TurnCredentialsResponse = z.infer<typeof TurnCredentialsResponse>;

export const StartCallInput = z.object({
  department: Department,
  /** Staff member who started it (recorded with the call). */
  staffId: StaffId,
});

export const EndCallInput = z.object({ reason: z.enum(['media_failed']).optional() });

export const ConsultantAvailabilityInput = z.object({ departments: z.array(Department).max(4) });
export const CallNotesInput = z.object({
  text: z.string().max(4_000, { error: 'メモは4000文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }),
});

/** A call record as the consultant console lists it (notes only for the consultant who took it). */
export const CallRecordView = z.object({
  id: Id,
  vehicleId: z.string(),
  staffId: z.string(),
  department: Department,
  consultantId: z.string().nullable(),
  calledAt: z.string(),
  connectedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  outcome: CallOutcome.nullable(),
  notes: z.string().nullable(),
});
export type CallRecordView = z.infer<typeof CallRecordView>;

export const ConsultantDeskView = z.object({
  available: z.array(Department),
  queues: z.array(z.object({ department: Department, calls: z.array(CallView) })),
  current: CallView.nullable(),
  recent: z.array(CallRecordView),
});
export type ConsultantDeskView = z.infer<typeof ConsultantDeskView>;
