// Video consultations on the vehicle's side. The core holds the call as the hub sees it and keeps the
// call socket open while a call waits or runs, reconnecting at once when the link drops (mountain
// roads); the resident screen runs the WebRTC peer and sends its signals through here. Signals the
// screen sends while the socket is down are held and sent when it is back, and each return of the
// socket bumps `signalingEpoch` so the peer restarts ICE if its media path did not survive the gap.
import type { CallOutcome, CallServerFrame, CallView, Department, SignalData, TurnCredentialsResponse } from '../../protocol/consultation';
import type { ConsultationMedia, ConsultationView, ConsultationWaiting, PeerReport } from '../../protocol/ipc';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import { AppError } from './errors';
import type { ConsultationTransport } from './hub-transport';
import type { Logger } from '../../common/logger';

const MAX_HELD_SIGNALS = 200;
/** While a call waits or runs, the call socket is tried again at once and then every second: the
 * signals of a call that survived a cut wait for it, and one refused connection a second costs nothing. */
const RECONNECT_MS = [250, 500, 1_000];

export interface ConsultationServiceOptions {
  transport: ConsultationTransport;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  onView(view: ConsultationView): void;
  onMedia(media: ConsultationMedia | null): void;
  onWaiting(waiting: ConsultationWaiting | null): void;
  onSignal(signal: { callId: string; data: SignalData }): void;
  /** A consultation that was connected has ended (counted for the open outing). Called once per call. */
  onEnded?(call: { id: string; department: Department }): void;
}

type LiveCall = CallView & { state: 'waiting' | 'connected' };
const live = (call: CallView | null): call is LiveCall => call !== null && (call.state === 'waiting' || call.state === 'connected');

export class ConsultationService {
  private call: CallView | null = null;
  private peer: PeerReport | null = null;
  private interrupted: ConsultationView['interrupted'] = null;
  private iceServers: TurnCredentialsResponse['iceServers'] = [];
  private socket: { send(frame: { type: 'signal'; callId: string; data: SignalData }): boolean; close(): void } | null = null;
  private connecting: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnects = 0;
  private held: SignalData[] = [];
  private audioMuted = false;
  private videoOff = false;
  private cameraSwitches = 0;
  private signalingEpoch = 0;
  private stopped = false;
  private staffId = '';

  private readonly transport: ConsultationTransport;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** What staff see of the call changed. */
  private readonly onView: (view: ConsultationView) => void;
  /** What the resident screen's video needs to join the call (call id, ICE servers), or null. */
  private readonly onMedia: (media: ConsultationMedia | null) => void;
  /** The resident's place in the consultant queue. */
  private readonly onWaiting: (waiting: ConsultationWaiting | null) => void;
  /** Signaling from the consultant, for the renderer's WebRTC peer. */
  private readonly onSignal: (signal: { callId: string; data: SignalData }) => void;
  private readonly onEnded: (call: { id: string; department: Department }) => void;

  constructor(options: ConsultationServiceOptions) {
    this.transport = options.transport;
    this.audit = options.audit;
    this.clock = options.clock;
    this.logger = options.logger;
    this.onView = (view) => options.onView(view);
    this.onMedia = (media) => options.onMedia(media);
    this.onWaiting = (waiting) => options.onWaiting(waiting);
    this.onSignal = (signal) => options.onSignal(signal);
    this.onEnded = (call) => options.onEnded?.(call);
  }

  /** What staff see on a terminal with no consultation service (no hub) or before any call. */
  static readonly none: ConsultationView = { call: null, peer: null, signaling: false, interrupted: null, audioMuted: false, videoOff: false };

  view(): ConsultationView {
    return {
      call: this.call,
      peer: this.call?.state === 'connected' ? this.peer : null,
      signaling: this.socket !== null,
      interrupted: this.interrupted,
      audioMuted: this.audioMuted,
      videoOff: this.videoOff,
    };
  }

  media(): ConsultationMedia | null {
    const call = this.call;
    if (!call || call.state !== 'connected') return null;
    return {
      callId: call.id,
      department: call.department,
      consultantName: call.consultantName,
      iceServers: this.iceServers,
      // As on a carrier network: media only through the city's TURN relay.
      relayOnly: true,
      // Sign language needs motion more than sharpness.
      preferFrameRate: call.department === 'sign_language',
      audioMuted: this.audioMuted,
      videoOff: this.videoOff,
      cameraSwitches: this.cameraSwitches,
      signalingEpoch: this.signalingEpoch,
      peerPresent: call.peerPresent,
    };
  }

  /** The resident's view while the call waits: the department and their place in line. */
  waiting(): ConsultationWaiting | null {
    const call = this.call;
    return call?.state === 'waiting' ? { department: call.department, position: call.position } : null;
  }

  availability() {
    return this.transport.availability().catch((e: unknown) => {
      throw this.offline(e);
    });
  }

  async start(department: Department, staffId: string): Promise<ConsultationView> {
    if (live(this.call)) throw new AppError('CONSULTATION_OPEN', 'すでにビデオ相談中か、順番待ちです。終わってから次の相談を始めてください。');
    this.stopped = false;
    this.staffId = staffId;
    try {
      // Socket first: the hub counts a caller without one as away.
      await this.ensureSocket();
      this.iceServers = (await this.transport.turnCredentials()).iceServers;
      const call = await this.transport.startCall(department, staffId);
      this.interrupted = null;
      this.audioMuted = false;
      this.videoOff = false;
      this.peer = null;
      this.held = [];
      this.audit.append({ actor: staffId, action: 'consultation.started', detail: { callId: call.id, department } });
      this.update(call);
    } catch (e) {
      if (!live(this.call)) this.closeSocket();
      throw e instanceof AppError ? e : this.offline(e);
    }
    return this.view();
  }

  /** Cancels a waiting call, ends a connected one (the hub records it), or clears an interrupted one. */
  async end(staffId: string): Promise<ConsultationView> {
    const call = this.call;
    this.interrupted = null;
    if (!live(call)) {
      this.call = null;
      this.emit();
      return this.view();
    }
    try {
      const after = call.state === 'waiting' ? await this.transport.abandonCall(call.id) : await this.transport.endCall(call.id);
      this.update(after, { actor: staffId });
    } catch (e) {
      if (e instanceof AppError && (e.code === 'CALL_NOT_WAITING' || e.code === 'CALL_NOT_CONNECTED')) {
        // It had already finished at the hub; the socket brings the final state.
        this.update(this.finishedHere(call, 'ended', 'completed'), { actor: staffId });
      } else {
        // Unreachable: the camera stops now; the hub closes the call when its grace period runs out.
        this.logger.warn({ callId: call.id }, 'consultation ended locally; the hub will close it after the grace period');
        this.update(this.finishedHere(call, 'ended', 'completed'), { actor: staffId, outcome: 'ended_offline' });
      }
    }
    return this.view();
  }

  control(input: { audioMuted?: boolean; videoOff?: boolean; switchCamera?: true }): ConsultationView {
    if (input.audioMuted !== undefined) this.audioMuted = input.audioMuted;
    if (input.videoOff !== undefined) this.videoOff = input.videoOff;
    if (input.switchCamera) this.cameraSwitches++;
    this.emit();
    return this.view();
  }

  /** A signal from the resident screen's peer, for the consultant. */
  signal(callId: string, data: SignalData): void {
    const call = this.call;
    if (!call || call.id !== callId || call.state !== 'connected') {
      throw new AppError('NO_CONSULTATION', 'ビデオ相談はつながっていません。');
    }
    if (this.socket?.send({ type: 'signal', callId, data })) return;
    this.held.push(data);
    if (this.held.length > MAX_HELD_SIGNALS) this.held.shift();
  }

  /** The resident screen's report of the media path. A path that never came back ends the call as interrupted. */
  report(callId: string, peer: PeerReport): void {
    if (this.call?.id !== callId || this.call.state !== 'connected') return;
    const failedNow = peer.connection === 'failed' && this.peer?.connection !== 'failed';
    this.peer = peer;
    this.emit();
    if (failedNow) {
      const call = this.call;
      void this.transport
        .endCall(call.id, 'media_failed')
        .then((after) => this.update(after))
        .catch(() => this.update(this.finishedHere(call, 'interrupted', 'interrupted')));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closeSocket();
  }

  // ---- inside ----

  private offline(e: unknown): AppError {
    if (e instanceof AppError) return e;
    return new AppError('HUB_OFFLINE', '市役所につながっていないため、ビデオ相談を使えません。電波のよい場所でもう一度お試しください。');
  }

  private async ensureSocket(): Promise<void> {
    if (this.socket) return;
    this.connecting ??= this.transport
      .openCallSocket(
        (frame) => this.onFrame(frame),
        () => this.onSocketClosed(),
      )
      .then((socket) => {
        const returning = this.reconnects > 0;
        this.socket = socket;
        this.reconnects = 0;
        for (const data of this.held.splice(0)) if (this.call) socket.send({ type: 'signal', callId: this.call.id, data });
        if (returning) this.signalingEpoch++;
        this.emit();
      })
      .finally(() => {
        this.connecting = null;
      });
    return this.connecting;
  }

  private onSocketClosed(): void {
    this.socket = null;
    this.emit();
    if (!this.stopped && live(this.call)) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopped) return;
    const delay = RECONNECT_MS[Math.min(this.reconnects, RECONNECT_MS.length - 1)]!;
    this.reconnects++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopped || !live(this.call)) return;
      this.ensureSocket().catch(() => this.scheduleReconnect());
    }, delay);
    this.reconnectTimer.unref();
  }

  private closeSocket(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const s = this.socket;
    this.socket = null;
    s?.close();
  }

  private onFrame(frame: CallServerFrame): void {
    switch (frame.type) {
      case 'call':
        // Frames about another call (an earlier one of this vehicle) are stale.
        if (this.call && frame.call.id !== this.call.id) return;
        this.update(frame.call);
        return;
      case 'signal':
        if (this.call?.id === frame.callId && this.call.state === 'connected') this.onSignal({ callId: frame.callId, data: frame.data });
        return;
      case 'error':
        this.logger.warn({ code: frame.code }, 'hub refused a consultation frame');
        return;
      case 'queues':
        return;
    }
  }

  /** The call as it ends here when the hub's word on it cannot be had. */
  private finishedHere(call: CallView, state: 'ended' | 'interrupted', outcome: CallOutcome): CallView {
    return { ...call, state, endedAt: this.clock.now().toISOString(), outcome };
  }

  /** Takes the call's new state; the one audit record of its end is written here, whoever ended it. */
  private update(call: CallView, audit: { actor?: string; outcome?: string } = {}): void {
    const before = this.call;
    this.call = call;
    if (!live(call)) {
      if (call.state === 'interrupted') this.interrupted = { department: call.department, at: call.endedAt ?? this.clock.now().toISOString() };
      if (before && live(before)) {
        this.audit.append({
          actor: audit.actor ?? (this.staffId || 'system'),
          action: 'consultation.finished',
          detail: { callId: call.id, outcome: audit.outcome ?? call.outcome ?? call.state },
        });
        // A call cut off is counted when its call-back ends, so one consultation counts once.
        if (call.state === 'ended' && (call.connectedAt !== null || before.state === 'connected')) this.onEnded({ id: call.id, department: before.department });
      }
      this.peer = null;
      this.held = [];
      this.closeSocket();
    }
    this.emit();
  }

  private emit(): void {
    this.onView(this.view());
    this.onMedia(this.media());
    this.onWaiting(this.waiting());
  }
}
