// The contract between the terminal's screens and its core. Every call and event is declared here
// once; the Electron IPC handlers, the preload bridge, the host-mode WebSocket bridge and the typed
// renderer client are all derived from this object.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { AppErrorShape } from './errors';
import { CertificateKind } from './domain';
import { InsuranceCardInput } from './hub';
import { AvailabilityResponse, CallId, CallView, Department, SignalData } from './consultation';
import {
  IdentityCheckInput,
  Payment,
  PaymentInput,
  ReasonText,
  RequestDetail,
  RequestInput,
  RequestSummary,
  ResidentView,
} from './request';
import { VisitDay, VisitOutcomeInput, VisitView } from './visits';
import { CloseInput } from './daily-close';
import { GoodsSaleInput, OutingDesk, OutingStartInput, OutingView, TallyInput } from './outings';
import { DisasterList, RisaiApplicationInput, RisaiPhotoInput, RisaiVehicleView } from './disaster';

/** The two screens of the terminal. The resident screen may only see and confirm its own request. */
export const Screen = z.enum(['staff', 'resident']);
export type Screen = z.infer<typeof Screen>;

export const SessionStatus = z.object({
  signedIn: z.boolean(),
  locked: z.boolean(),
  staffId: z.string().nullable(),
  staffName: z.string().nullable(),
  idleLockMs: z.number().int(),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

export const RelayStatus = z.object({
  online: z.boolean(),
  waiting: z.number().int(),
  lastSyncAt: z.string().nullable(),
  /** Messages city hall refused (malformed or unknown), set aside for an admin. */
  setAside: z.number().int(),
});

/** A question an operator at city hall asked about a request. */
export const HubQuestion = z.object({ seq: z.number().int(), requestId: z.string(), number: z.string(), text: z.string(), askedAt: z.string() });
export type HubQuestion = z.infer<typeof HubQuestion>;
export type RelayStatus = z.infer<typeof RelayStatus>;

export const FeeTable = z.object({
  currency: z.literal('JPY'),
  perCopyYen: z.record(CertificateKind, z.number().int().min(0)),
});
export type FeeTable = z.infer<typeof FeeTable>;

/** A print job as staff see it when it needs them: held (fix the printer) or outcome unknown (check the paper). */
export const PrintJobSummary = z.object({
  id: z.string(),
  kind: z.enum(['certificate', 'receipt']),
  requestId: z.string().nullable(),
  state: z.enum(['queued', 'held', 'sending', 'done', 'outcome_unknown', 'reprint_requested', 'failed']),
  staffMessage: z.string().nullable(),
  createdAt: z.string(),
});
export type PrintJobSummary = z.infer<typeof PrintJobSummary>;

export const PrinterState = z.object({
  kind: z.enum(['certificate', 'receipt']),
  configured: z.boolean(),
  ready: z.boolean(),
  messages: z.array(z.string()),
});
export type PrinterState = z.infer<typeof PrinterState>;

/** One field of the card compared with the request (本人確認 with the My Number card). */
export const CardFieldCheck = z.object({
  field: z.enum(['name', 'birthDate', 'address']),
  label: z.string(),
  card: z.string(),
  request: z.string(),
  match: z.boolean(),
});
export type CardFieldCheck = z.infer<typeof CardFieldCheck>;

const CardStage = z.enum(['waiting_pin', 'needs_confirmation', 'reading', 'done', 'mismatch', 'failed']);

/** A card read in progress, as staff see it. Card data appears here only after a successful read. */
export const CardSessionView = z.object({
  purpose: z.enum(['fill', 'identity', 'link']),
  requestId: z.string().nullable(),
  stage: CardStage,
  triesLeft: z.number().int().nullable(),
  lastTryConfirmed: z.boolean(),
  message: z.string().nullable(),
  filled: z.object({ name: z.string(), address: z.string(), birthDate: z.string(), sex: z.enum(['male', 'female', 'not_applicable']) }).nullable(),
  checks: z.array(CardFieldCheck).nullable(),
  /** When city hall recorded the health-insurance link (purpose 'link'). */
  linkedAt: z.string().nullable(),
});
export type CardSessionView = z.infer<typeof CardSessionView>;

/** The card read with the PIN that filled the form in this visit: only its time, never card data. */
export const VisitCardRead = z.object({ readAt: z.string() });
export type VisitCardRead = z.infer<typeof VisitCardRead>;

/** Whether a card is in the reader (the resident is reminded to take it, staff at handover). */
export const CardInReader = z.object({ inReader: z.boolean() });
export type CardInReader = z.infer<typeof CardInReader>;

/** What the resident screen shows while it asks for the PIN: never any card data. */
export const ResidentPinView = z.object({
  purpose: z.enum(['fill', 'identity', 'link']),
  stage: CardStage,
  triesLeft: z.number().int().nullable(),
  message: z.string().nullable(),
});
export type ResidentPinView = z.infer<typeof ResidentPinView>;

/** A task kept for the next visit (the resident to call back), e.g. a link that needed the network. */
export const NextVisitTaskInput = z.object({
  kind: z.literal('insurance_link'),
  name: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string().min(1, { error: 'お名前を入力してください。' }).max(60).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT })),
  phone: z.preprocess(
    (v) => (typeof v === 'string' ? v.normalize('NFKC').replace(/[^\d]/g, '') : v),
    z.string().regex(/^0\d{9,10}$/, { error: '電話番号は 0 から始まる10けたか11けたの数字で入力してください。' }),
  ),
});
export const NextVisitTask = z.object({ id: z.string(), kind: z.literal('insurance_link'), name: z.string(), phone: z.string(), createdAt: z.string() });
export type NextVisitTask = z.infer<typeof NextVisitTask>;

const RequestId = z.object({ id: z.string().min(1).max(64) });
const Empty = z.object({}).strict();

/** What the resident screen's WebRTC peer reports: the media path, its quality, who is speaking. */
export const PeerReport = z.object({
  connection: z.enum(['connecting', 'connected', 'reconnecting', 'failed']),
  quality: z.enum(['good', 'fair', 'poor', 'audio_only', 'unknown']),
  localSpeaking: z.boolean(),
  remoteSpeaking: z.boolean(),
  audioMuted: z.boolean(),
  videoOff: z.boolean(),
});
export type PeerReport = z.infer<typeof PeerReport>;

/** The consultation as staff see it: the call at the hub, the media path, and whether the hub is reachable. */
export const ConsultationView = z.object({
  call: CallView.nullable(),
  peer: PeerReport.nullable(),
  /** The call socket to the hub is open (signaling works). */
  signaling: z.boolean(),
  /** The last call was cut off (a gap longer than 30 s): staff can call the same department back with one tap. */
  interrupted: z.object({ department: Department, at: z.string() }).nullable(),
  audioMuted: z.boolean(),
  videoOff: z.boolean(),
});
export type ConsultationView = z.infer<typeof ConsultationView>;

/** What the resident screen needs to run the call: the peer's settings and the staff's controls. */
export const ConsultationMedia = z.object({
  callId: CallId,
  department: Department,
  consultantName: z.string().nullable(),
  iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string(), credential: z.string() })),
  relayOnly: z.boolean(),
  preferFrameRate: z.boolean(),
  audioMuted: z.boolean(),
  videoOff: z.boolean(),
  /** Increases each time staff press "switch camera". */
  cameraSwitches: z.number().int().min(0),
  /** Increases each time the call socket comes back after a drop: the peer restarts ICE if it is not connected. */
  signalingEpoch: z.number().int().min(0),
  peerPresent: z.boolean(),
});
export type ConsultationMedia = z.infer<typeof ConsultationMedia>;

/** What the resident sees while their consultation waits for a consultant. */
export const ConsultationWaiting = z.object({ department: Department, position: z.number().int().positive().nullable() });
export type ConsultationWaiting = z.infer<typeof ConsultationWaiting>;

interface CallDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  readonly screens: readonly Screen[];
}
interface EventDef<P extends z.ZodType = z.ZodType> {
  readonly payload: P;
  readonly screens: readonly Screen[];
}
const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, screens: readonly Screen[]): CallDef<I, O> => ({ input, output, screens });
const event = <P extends z.ZodType>(payload: P, screens: readonly Screen[]): EventDef<P> => ({ payload, screens });

const staff = ['staff'] as const;
const resident = ['resident'] as const;
const both = ['staff', 'resident'] as const;

export const terminalContract = {
  calls: {
    getSession: call(Empty, SessionStatus, staff),
    signIn: call(z.object({ staffId: z.string().min(1).max(32), pin: z.string().min(4).max(12) }), SessionStatus, staff),
    signOut: call(Empty, SessionStatus, staff),
    lock: call(Empty, SessionStatus, staff),
    reportActivity: call(Empty, z.object({ ok: z.literal(true) }), staff),
    getFees: call(Empty, FeeTable, staff),
    listToday: call(Empty, z.array(RequestSummary), staff),
    getRequest: call(RequestId, RequestDetail, staff),
    createRequest: call(RequestInput, RequestSummary, staff),
    checkIdentity: call(RequestId.extend({ identity: IdentityCheckInput }), RequestSummary, staff),
    showToResident: call(RequestId, z.object({ ok: z.literal(true) }), staff),
    clearResidentScreen: call(Empty, z.object({ ok: z.literal(true) }), staff),
    checkPrinted: call(RequestId.extend({ ok: z.boolean(), reason: ReasonText.optional() }), RequestSummary, staff),
    recordPayment: call(RequestId.extend({ payment: PaymentInput }), z.object({ summary: RequestSummary, payment: Payment }), staff),
    handOver: call(RequestId, RequestSummary, staff),
    cancelRequest: call(RequestId.extend({ reason: ReasonText }), RequestSummary, staff),
    getRelayStatus: call(Empty, RelayStatus, staff),
    listQuestions: call(Empty, z.array(HubQuestion), staff),
    markQuestionSeen: call(z.object({ seq: z.number().int().positive() }), z.array(HubQuestion), staff),
    listPrintAttention: call(Empty, z.array(PrintJobSummary), staff),
    resolvePrintJob: call(
      z.object({ jobId: z.string().min(1).max(64), action: z.enum(['printed', 'reprint']), reason: ReasonText.optional() }),
      z.array(PrintJobSummary),
      staff,
    ),
    resumePrinting: call(z.object({ kind: z.enum(['certificate', 'receipt']) }), z.array(PrintJobSummary), staff),
    getPrinterStatus: call(Empty, z.array(PrinterState), staff),
    startCardRead: call(
      z.object({ purpose: z.enum(['fill', 'identity', 'link']), requestId: z.string().min(1).max(64).optional(), insurance: InsuranceCardInput.optional() }),
      CardSessionView,
      staff,
    ),
    confirmLastPinTry: call(Empty, CardSessionView, staff),
    cancelCardRead: call(Empty, z.null(), staff),
    getCardSession: call(Empty, CardSessionView.nullable(), staff),
    getVisitCardRead: call(Empty, VisitCardRead.nullable(), staff),
    /** 本人確認 from the read that filled the form in this visit (one PIN per visit), staff having compared the face on the card. */
    confirmIdentityFromCardRead: call(RequestId.extend({ faceChecked: z.boolean() }), RequestSummary, staff),
    getCardInReader: call(Empty, CardInReader, both),
    addNextVisitTask: call(NextVisitTaskInput, z.array(NextVisitTask), staff),
    listNextVisitTasks: call(Empty, z.array(NextVisitTask), staff),
    finishNextVisitTask: call(z.object({ id: z.string().min(1).max(64) }), z.array(NextVisitTask), staff),
    /** 本日の訪問: the visits kept on the vehicle from today on, and whether city hall is reachable. */
    getVisitDay: call(Empty, VisitDay, staff),
    /** Asks city hall for the visits now (staff pressed 更新). */
    pullVisits: call(Empty, VisitDay, staff),
    /** 訪問を開始: creates the visit's pre-filled certificate requests. */
    openVisit: call(z.object({ bookingId: z.string().min(1).max(64) }), VisitView, staff),
    recordVisitOutcome: call(VisitOutcomeInput, VisitView, staff),
    /** 運行: the open outing (or today's last), the places, goods and staff to choose from. */
    getOutingDesk: call(Empty, OutingDesk, staff),
    startOuting: call(OutingStartInput, OutingView, staff),
    /** Closes the open outing's money (日計表: counted cash, reason, the payment terminal's totals), ends it and queues its record with the close for city hall, once. */
    endOuting: call(CloseInput, OutingView, staff),
    /** +1 / −1 on フレイル, スマホ市役所, マイナカード支援 or 説明者数. */
    tallyOuting: call(TallyInput, OutingView, staff),
    /** ごみ処理券: sold during the open outing, its 領収書 printed. */
    sellGoods: call(GoodsSaleInput, z.object({ outing: OutingView, receiptPrinting: z.boolean() }), staff),
    getConsultation: call(Empty, ConsultationView, staff),
    getConsultationAvailability: call(Empty, AvailabilityResponse, staff),
    startConsultation: call(z.object({ department: Department }), ConsultationView, staff),
    /** Cancels a waiting call, ends a connected one, or clears an interrupted one. */
    endConsultation: call(Empty, ConsultationView, staff),
    controlConsultation: call(
      z.object({ audioMuted: z.boolean().optional(), videoOff: z.boolean().optional(), switchCamera: z.literal(true).optional() }),
      ConsultationView,
      staff,
    ),
    getConsultationMedia: call(Empty, ConsultationMedia.nullable(), resident),
    getConsultationWaiting: call(Empty, ConsultationWaiting.nullable(), resident),
    sendConsultationSignal: call(z.object({ callId: CallId, data: SignalData }), z.object({ ok: z.literal(true) }), resident),
    reportConsultationPeer: call(z.object({ callId: CallId, peer: PeerReport }), z.object({ ok: z.literal(true) }), resident),
    /** り災証明書: the disasters (cached: works offline) and the city's photo limits. */
    listDisasters: call(Empty, DisasterList, staff),
    /** Asks city hall for the disasters now (staff pressed 更新). */
    pullDisasters: call(Empty, DisasterList, staff),
    createRisai: call(RisaiApplicationInput, RisaiVehicleView, staff),
    addRisaiPhoto: call(RisaiPhotoInput, RisaiVehicleView, staff),
    removeRisaiPhoto: call(z.object({ applicationId: z.string().min(1).max(64), photoId: z.string().min(1).max(64) }), RisaiVehicleView, staff),
    /** Queues the application for city hall and prints its 受付票. */
    submitRisai: call(z.object({ applicationId: z.string().min(1).max(64) }), RisaiVehicleView, staff),
    listRisai: call(Empty, z.array(RisaiVehicleView), staff),
    /** Records the printed り災証明書 handed over (交付). */
    handOverRisai: call(z.object({ applicationId: z.string().min(1).max(64) }), RisaiVehicleView, staff),
    getResidentView: call(Empty, ResidentView.nullable(), resident),
    getResidentPin: call(Empty, ResidentPinView.nullable(), resident),
    submitCardPin: call(z.object({ pin: z.string().regex(/^\d{4}$/, { error: '暗証番号は4けたの数字です。' }) }), z.object({ ok: z.literal(true) }), resident),
    confirmAsResident: call(z.object({ requestId: z.string().min(1).max(64) }), z.object({ ok: z.literal(true) }), resident),
  },
  events: {
    sessionChanged: event(SessionStatus, staff),
    requestsChanged: event(z.object({ ids: z.array(z.string()) }), staff),
    visitsChanged: event(z.object({}), staff),
    outingChanged: event(z.object({}), staff),
    relayChanged: event(RelayStatus, staff),
    printAttention: event(z.array(PrintJobSummary), staff),
    residentView: event(ResidentView.nullable(), resident),
    cardSession: event(CardSessionView.nullable(), staff),
    residentPin: event(ResidentPinView.nullable(), resident),
    visitCardRead: event(VisitCardRead.nullable(), staff),
    cardInReader: event(CardInReader, both),
    consultationChanged: event(ConsultationView, staff),
    consultationMedia: event(ConsultationMedia.nullable(), resident),
    consultationWaiting: event(ConsultationWaiting.nullable(), resident),
    consultationSignal: event(z.object({ callId: CallId, data: SignalData }), resident),
  },
} as const;

export type TerminalContract = typeof terminalContract;
export type CallName = keyof TerminalContract['calls'];
export type EventName = keyof TerminalContract['events'];
export type CallInput<K extends CallName> = z.input<TerminalContract['calls'][K]['input']>;
export type CallArgs<K extends CallName> = z.output<TerminalContract['calls'][K]['input']>;
export type CallOutput<K extends CallName> = z.output<TerminalContract['calls'][K]['output']>;
export type EventPayload<K extends EventName> = z.output<TerminalContract['events'][K]['payload']>;

/** The core's side: one handler per call, given the already-validated input and the calling screen. */
export type TerminalHandlers = {
  [K in CallName]: (input: CallArgs<K>, screen: Screen) => Promise<CallOutput<K>> | CallOutput<K>;
};

export const callNames = Object.keys(terminalContract.calls) as CallName[];
export const eventNames = Object.keys(terminalContract.events) as EventName[];

/** Channel names are derived, never written by hand. */
export const ipcChannel = {
  call: (name: CallName) => `odekake:call:${name}`,
  event: (name: EventName) => `odekake:event:${name}`,
};

export const isCallName = (name: unknown): name is CallName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(terminalContract.calls, name);

export const CallResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: AppErrorShape }),
]);
export type CallResult = z.infer<typeof CallResult>;

/** Host-mode WebSocket frames. */
export const WsClientFrame = z.object({ type: z.literal('call'), id: z.number().int().nonnegative(), name: z.string().max(64), input: z.unknown() });
export type WsClientFrame = z.infer<typeof WsClientFrame>;
export const WsServerFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number().int(), result: CallResult }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type WsServerFrame = z.infer<typeof WsServerFrame>;
