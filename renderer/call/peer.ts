// The WebRTC side of a video consultation, for the resident screen in the vehicle (the initiator) and
// the consultant's console at city hall. Media goes through TURN only; the vehicle's link drops on
// mountain roads, so a gap of up to 30 s is bridged by ICE restarts on the same peer connection rather
// than by dialling again. The signals travel through the hub; the caller relays them both ways.
//
// simple-peer does the offer/answer and trickle work. It has no ICE restart and treats ICE `failed` as
// the end, so this file adds both: the initiator owns restarts (the answering side asks for one with a
// `restart-ice` signal), and the give-up clock is ours (30 s, after which the caller offers to call back).
import Peer, { type PeerSignal } from '@thaunknown/simple-peer';
import type { SignalData } from '../../protocol/consultation-api';
import { openCamera, openSendableCamera } from './local-media';
import {
  initialQuality,
  nextQuality,
  nextSpeaking,
  qualityPolicy,
  readMediaStats,
  sampleBetween,
  type MediaStats,
  type QualityPolicy,
  type QualityState,
  type SpeakingState,
  type StatsRecord,
} from './quality';

export type { MediaStats } from './quality';

export interface CallPeerOptions {
  /** The vehicle side initiates and owns ICE restarts. */
  initiator: boolean;
  iceServers: RTCIceServer[];
  /** iceTransportPolicy 'relay': media only through TURN. */
  relayOnly: boolean;
  localStream: MediaStream;
  /** Sign language: keep the frame rate and give up resolution first ('maintain-framerate'); otherwise 'balanced'. */
  preferFrameRate: boolean;
  /** Cap on the outgoing video in bits per second; 600 kbps unless given. */
  maxVideoBitrate?: number;
  /** An outbound signal; the caller relays it through the hub. */
  send(signal: SignalData): void;
  onRemoteStream(stream: MediaStream): void;
  /** Called on every change of the view. */
  onChange(view: PeerView): void;
  /** Milliseconds without media after which the call counts as cut off; 30 s unless given. */
  giveUpMs?: number;
  /** Monotonic milliseconds, for the timestamps of stats and recovery. */
  now?: () => number;
}

export interface PeerView {
  connection: 'connecting' | 'connected' | 'reconnecting' | 'failed';
  quality: 'good' | 'fair' | 'poor' | 'audio_only' | 'unknown';
  localSpeaking: boolean;
  remoteSpeaking: boolean;
  audioMuted: boolean;
  videoOff: boolean;
}

const GIVE_UP_MS = 30_000;
const TICK_MS = 1_000;
/** A short blip recovers by itself; a disconnection lasting longer than this is worth an ICE restart. */
const FIRST_RESTART_AFTER_MS = 4_000;
/** Before the first connection, ICE gets this long to find a path before a restart. */
const FIRST_CONNECT_RESTART_AFTER_MS = 10_000;
/** While still not connected, the next restart goes out this long after the previous one (its offer may have been lost). */
const RETRY_RESTART_MS = 5_000;
/** Both sides notice a cut at about the same moment: a request this soon after a restart is the same one. */
const RESTART_DEDUPE_MS = 2_000;
/** An answer not made within this long (the offer failed to apply) no longer holds back later signals. */
const ANSWER_WAIT_MS = 10_000;

/**
 * simple-peer with the failures an ICE restart can fix taken out of its hands. Overriding the two
 * state handlers (rather than re-creating the peer) keeps the DTLS session, the tracks and the remote
 * stream the screens already show; CallPeer watches the same states and restarts or gives up itself.
 */
class RecoverablePeer extends Peer {
  protected override _onIceStateChange(): void {
    if (this._pc?.iceConnectionState === 'failed') return;
    super._onIceStateChange();
  }

  protected override _onConnectionStateChange(): void {
    if (this._pc?.connectionState === 'failed') return;
    super._onConnectionStateChange();
  }

  /**
   * The data channel carries nothing in a consultation (media only), but simple-peer ends the whole
   * peer when it closes or errs — and its SCTP association gives up during a long gap (seen on a 20-s
   * cut under load) although the media would come back. Its end is not the call's end.
   */
  protected override _onChannelClose(): void {}

  protected override _setupData(event: { channel: RTCDataChannel }): void {
    super._setupData(event);
    if (this._channel) this._channel.onerror = () => undefined;
  }

  protected override _addIceCandidate(candidate: RTCIceCandidateInit): void {
    // A candidate from an ICE generation that a restart has replaced is refused by the browser. That is
    // expected after a gap (signals held by the hub arrive late) and must not end the call.
    this._pc?.addIceCandidate(candidate).catch(() => undefined);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = <T>(v: unknown, guard: (x: unknown) => x is T): v is T | null | undefined => v === undefined || v === null || guard(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 64;
const MAX_SDP = 64 * 1024;

/**
 * The browser refusing a description makes simple-peer end the call, so only something shaped like a
 * session description of ours gets that far: version line first, media, ICE credentials, DTLS fingerprint.
 */
const looksLikeSdp = (sdp: string): boolean =>
  sdp.length <= MAX_SDP && /^v=0\r?\n/.test(sdp) && /\nm=(audio|video|application) /.test(sdp) && sdp.includes('\na=ice-ufrag:') && sdp.includes('\na=fingerprint:');

/**
 * A signal from the other side, rebuilt from its known fields only; undefined for anything else. The
 * hub validates too, but this peer must not hand simple-peer junk: it destroys itself on a signal it
 * does not understand.
 */
export function parseSignal(data: unknown): SignalData | undefined {
  if (typeof data === 'string') {
    try {
      return parseSignal(JSON.parse(data));
    } catch {
      return undefined;
    }
  }
  if (!isRecord(data)) return undefined;
  switch (data.type) {
    case 'offer':
    case 'answer':
      return isString(data.sdp) && looksLikeSdp(data.sdp) ? { type: data.type, sdp: data.sdp } : undefined;
    case 'candidate': {
      const c = data.candidate;
      if (!isRecord(c) || !isString(c.candidate) || c.candidate.length > 1_024) return undefined;
      if (!optional(c.sdpMLineIndex, isIndex) || !optional(c.sdpMid, isString) || !optional(c.usernameFragment, isString)) return undefined;
      const candidate: Extract<SignalData, { type: 'candidate' }>['candidate'] = { candidate: c.candidate };
      if (c.sdpMLineIndex !== undefined) candidate.sdpMLineIndex = c.sdpMLineIndex;
      if (c.sdpMid !== undefined) candidate.sdpMid = c.sdpMid;
      if (c.usernameFragment !== undefined) candidate.usernameFragment = c.usernameFragment;
      return { type: 'candidate', candidate };
    }
    case 'renegotiate':
      return data.renegotiate === true ? { type: 'renegotiate', renegotiate: true } : undefined;
    case 'transceiverRequest': {
      const r = data.transceiverRequest;
      return isRecord(r) && (r.kind === 'audio' || r.kind === 'video') ? { type: 'transceiverRequest', transceiverRequest: { kind: r.kind } } : undefined;
    }
    case 'restart-ice':
      return { type: 'restart-ice' };
    default:
      return undefined;
  }
}

export class CallPeer {
  private readonly peer: RecoverablePeer;
  private readonly now: () => number;
  private readonly giveUpMs: number;
  private readonly policy: QualityPolicy;
  private readonly degradation: RTCDegradationPreference;
  private readonly tick: ReturnType<typeof setInterval>;
  private current: PeerView;
  /** Destroyed, or given up: nothing more happens. */
  private finished = false;
  /** simple-peer's error code when it ended the peer itself (for diagnostics; never personal data). */
  endedBy: string | undefined;
  private everConnected = false;
  /** Since when media has been down (the start, before the first connection); undefined while connected. */
  private downSince: number | undefined;
  private lastRestartAt: number | undefined;
  private quality: QualityState;
  private lastStats: MediaStats | undefined;
  private localSpeech: SpeakingState = { speaking: false, lastLoudAt: undefined };
  private remoteSpeech: SpeakingState = { speaking: false, lastLoudAt: undefined };
  private polling = false;
  /** setParameters calls must not overlap (each needs the transaction of the getParameters before it). */
  private senderWork: Promise<void> = Promise.resolve();
  /** The answering side: signals that arrive while an answer is being made wait for it (see signal()). */
  private answeringSince: number | undefined;
  private held: SignalData[] = [];

  constructor(private readonly o: CallPeerOptions) {
    this.now = o.now ?? (() => performance.now());
    this.giveUpMs = o.giveUpMs ?? GIVE_UP_MS;
    this.policy = qualityPolicy(o.maxVideoBitrate ?? 600_000);
    this.quality = initialQuality(this.policy);
    this.degradation = o.preferFrameRate ? 'maintain-framerate' : 'balanced';
    this.downSince = this.now();
    this.current = { connection: 'connecting', quality: 'unknown', localSpeaking: false, remoteSpeaking: false, audioMuted: false, videoOff: false };
    // The encoder reads the hint too: signing hands need motion more than detail.
    if (o.preferFrameRate) for (const t of o.localStream.getVideoTracks()) t.contentHint = 'motion';

    this.peer = new RecoverablePeer({
      initiator: o.initiator,
      config: { iceServers: o.iceServers, iceTransportPolicy: o.relayOnly ? 'relay' : 'all' },
      streams: [o.localStream],
      trickle: true,
    });
    this.peer.on('signal', (s) => this.outgoing(s));
    this.peer.on('stream', (stream) => {
      if (!this.finished) o.onRemoteStream(stream);
    });
    // simple-peer ended itself on something a restart cannot fix (an SDP the browser refused): the call is cut off.
    this.peer.on('error', (e) => {
      this.endedBy = e.code ?? e.name;
      this.giveUp();
    });
    this.peer.on('close', () => this.giveUp());
    const pc = this.peer._pc;
    pc?.addEventListener('connectionstatechange', () => this.onStateChange());
    pc?.addEventListener('iceconnectionstatechange', () => this.onStateChange());
    this.tick = setInterval(() => this.onTick(), TICK_MS);
  }

  get view(): PeerView {
    return { ...this.current };
  }

  /** A signal from the other side, as the hub relayed it. Junk and signals meant for the other role are ignored. */
  signal(data: unknown): void {
    if (this.finished) return;
    const s = parseSignal(data);
    if (!s) return;
    // simple-peer answers an offer asynchronously; a second offer arriving meanwhile would make it answer
    // twice from one state and destroy itself. Held signals (a restart's offer and its candidates) wait.
    if (this.answeringSince !== undefined) {
      this.held.push(s);
      return;
    }
    this.deliver(s);
  }

  /** The signaling channel came back after a gap: anything sent during it may be lost, so restart now unless media is up. */
  signalingRestored(): void {
    if (this.finished || this.mediaUp()) return;
    this.recover();
  }

  setAudioMuted(muted: boolean): void {
    for (const t of this.o.localStream.getAudioTracks()) t.enabled = !muted;
    this.update({ audioMuted: muted, localSpeaking: muted ? false : this.current.localSpeaking });
  }

  setVideoOff(off: boolean): void {
    for (const t of this.o.localStream.getVideoTracks()) t.enabled = !off;
    this.update({ videoOff: off });
  }

  /**
   * The next camera whose pictures can be sent (a depth or infrared camera is passed over), swapped in
   * on the same sender (no renegotiation); the local stream gets the new track.
   */
  async switchCamera(): Promise<void> {
    const stream = this.o.localStream;
    const old = stream.getVideoTracks()[0];
    const sender = this.videoSender();
    if (!old || !sender || this.finished) return;
    const current = old.getSettings().deviceId;
    const { deviceId: _device, ...constraints } = old.getConstraints();
    let released = false;
    let track = await openSendableCamera(constraints, current, () => {
      released = true;
      old.stop();
    });
    // Nowhere else to go: stay on this camera (opened again if it had to be let go for the others).
    if (!track && released && current) track = (await openCamera(current, constraints)) ?? null;
    if (!track) return;
    if (this.finished) {
      track.stop();
      return;
    }
    track.enabled = !this.current.videoOff;
    track.contentHint = old.contentHint;
    await sender.replaceTrack(track);
    stream.removeTrack(old);
    stream.addTrack(track);
    old.stop();
  }

  async stats(): Promise<MediaStats> {
    const pc = this.peer._pc;
    if (!pc) return readMediaStats([], this.now());
    const report = await pc.getStats();
    return readMediaStats(report.values() as Iterable<StatsRecord>, this.now());
  }

  /** Ends the call's media (the caller stops its own local tracks). */
  destroy(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.tick);
    this.peer.destroy();
  }

  private deliver(s: SignalData): void {
    const initiator = this.o.initiator;
    switch (s.type) {
      case 'restart-ice':
        if (initiator) this.onRestartRequest();
        return;
      case 'offer':
        // Only the vehicle makes offers, so an offer is junk to it (there is no glare to resolve).
        if (initiator) return;
        this.answeringSince = this.now();
        break;
      case 'answer':
        if (!initiator) return;
        if (this.peer._pc?.signalingState !== 'have-local-offer') {
          // No offer is waiting (simple-peer would destroy itself on this answer). Signals the hub held
          // through a gap arrive late: an answer to an offer a restart had already replaced was taken
          // for the answer to the new one, and this is the real one, too late. The ICE credentials on
          // the two sides no longer match, so start over now rather than at the next retry.
          if (!this.mediaUp()) this.recover();
          return;
        }
        if (this.peer._pc.remoteDescription) {
          // An answer after the first one (to a restart's offer) is applied here, not by simple-peer,
          // which ends the whole peer when the browser refuses it. Held signals can pair an answer with
          // a newer offer than the one it was made for (seen under load on a 20-s cut): refused, it
          // only means the next restart goes out now.
          this.peer._pc.setRemoteDescription(s).catch(() => {
            if (!this.finished) this.recover();
          });
          return;
        }
        break;
      case 'renegotiate':
      case 'transceiverRequest':
        if (!initiator) return;
        break;
      case 'candidate':
        break;
    }
    this.peer.signal(s as PeerSignal);
  }

  private outgoing(s: PeerSignal): void {
    if (this.finished) return;
    const data = parseSignal(s);
    if (data) this.o.send(data);
    if (data?.type === 'answer') this.releaseHeld();
  }

  private releaseHeld(): void {
    this.answeringSince = undefined;
    while (this.answeringSince === undefined && this.held.length > 0) this.deliver(this.held.shift()!);
  }

  private mediaUp(): boolean {
    return this.peer._pc?.connectionState === 'connected';
  }

  private onStateChange(): void {
    const pc = this.peer._pc;
    if (this.finished || !pc) return;
    if (this.mediaUp()) {
      const regained = this.everConnected && this.downSince !== undefined;
      if (!this.everConnected) {
        this.everConnected = true;
        this.configureVideoSender();
      }
      if (regained) this.restartVideoEncoding();
      this.downSince = undefined;
      // Counters from before a gap would read the gap itself as loss.
      this.lastStats = undefined;
      this.update({ connection: 'connected' });
      return;
    }
    this.downSince ??= this.now();
    if (this.everConnected) this.update({ connection: 'reconnecting', quality: 'unknown', localSpeaking: false, remoteSpeaking: false });
    if (pc.iceConnectionState === 'failed' || pc.connectionState === 'failed') this.maybeRecover();
  }

  private onTick(): void {
    if (this.finished) return;
    if (this.answeringSince !== undefined && this.now() - this.answeringSince > ANSWER_WAIT_MS) this.releaseHeld();
    if (this.mediaUp()) {
      void this.poll();
      return;
    }
    if (this.downSince !== undefined && this.now() - this.downSince >= this.giveUpMs) {
      this.giveUp();
      return;
    }
    this.maybeRecover();
  }

  /** Restarts when one is due: the first a while after media went down (at once on failure), then every few seconds. */
  private maybeRecover(): void {
    const pc = this.peer._pc;
    if (!pc || this.downSince === undefined) return;
    const now = this.now();
    const failed = pc.iceConnectionState === 'failed' || pc.connectionState === 'failed';
    const triedSinceDown = this.lastRestartAt !== undefined && this.lastRestartAt >= this.downSince;
    const due = triedSinceDown
      ? now - this.lastRestartAt! >= RETRY_RESTART_MS
      : failed || now - this.downSince >= (this.everConnected ? FIRST_RESTART_AFTER_MS : FIRST_CONNECT_RESTART_AFTER_MS);
    if (due) this.recover();
  }

  /** The initiator restarts ICE; the answering side asks it to. */
  private recover(): void {
    this.lastRestartAt = this.now();
    if (this.o.initiator) this.restartIce();
    else this.o.send({ type: 'restart-ice' });
  }

  private onRestartRequest(): void {
    if (this.lastRestartAt !== undefined && this.now() - this.lastRestartAt < RESTART_DEDUPE_MS) return;
    this.lastRestartAt = this.now();
    this.restartIce();
  }

  private restartIce(): void {
    const pc = this.peer._pc;
    if (!pc || this.finished) return;
    pc.restartIce();
    // An offer lost in a gap is never answered, and simple-peer then keeps _isNegotiating set and only
    // queues every later negotiate(). The new offer (with new ICE credentials) replaces the lost one.
    this.peer._isNegotiating = false;
    this.peer._queuedNegotiation = false;
    this.peer.negotiate();
  }

  private giveUp(): void {
    if (this.finished) return;
    this.destroy();
    this.update({ connection: 'failed', quality: 'unknown', localSpeaking: false, remoteSpeaking: false });
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const stats = await this.stats();
      if (this.finished || !this.mediaUp()) return;
      const sample = sampleBetween(this.lastStats, stats);
      this.lastStats = stats;
      const before = this.quality;
      this.quality = nextQuality(before, sample, this.policy);
      this.localSpeech = nextSpeaking(this.localSpeech, sample.localAudioLevel, sample.at);
      this.remoteSpeech = nextSpeaking(this.remoteSpeech, sample.remoteAudioLevel, sample.at);
      if (this.quality.maxBitrate !== before.maxBitrate || this.quality.audioOnly !== before.audioOnly) this.configureVideoSender();
      this.update({
        quality: this.quality.quality,
        localSpeaking: this.localSpeech.speaking && !this.current.audioMuted,
        remoteSpeaking: this.remoteSpeech.speaking,
      });
    } catch {
      // A report that could not be read (the connection closing under it) is skipped; the next tick tries again.
    } finally {
      this.polling = false;
    }
  }

  private videoSender(): RTCRtpSender | undefined {
    return this.peer._pc?.getSenders().find((s) => s.track?.kind === 'video');
  }

  /** Cap, on/off (audio-only on a weak uplink) and degradation preference of the outgoing video. */
  private configureVideoSender(): void {
    this.senderWork = this.senderWork
      .then(async () => {
        const sender = this.videoSender();
        if (!sender || this.finished) return;
        const params = sender.getParameters();
        const encoding = params.encodings[0];
        if (!encoding) return;
        encoding.maxBitrate = this.quality.maxBitrate;
        encoding.active = !this.quality.audioOnly;
        params.degradationPreference = this.degradation;
        await sender.setParameters(params);
      })
      .catch(() => {
        // The sender went away with the connection; the next decision configures it again.
      });
  }

  /**
   * After a gap the receiving browser first asks for the packets lost in it (which no sender still has)
   * and only after about two seconds for a key frame; video stays frozen until then. Switching the
   * encoding off and on makes the encoder start again with a key frame at once (measured here: video
   * back about 0.3 s after the link instead of 2–3 s). Not while audio-only: video is off on purpose.
   */
  private restartVideoEncoding(): void {
    this.senderWork = this.senderWork
      .then(async () => {
        const sender = this.videoSender();
        const off = sender?.getParameters();
        if (!sender || !off?.encodings[0] || this.quality.audioOnly || this.finished) return;
        off.encodings[0].active = false;
        await sender.setParameters(off);
        const on = sender.getParameters();
        if (!on.encodings[0]) return;
        on.encodings[0].active = !this.quality.audioOnly;
        await sender.setParameters(on);
      })
      .catch(() => {
        // The connection went down again meanwhile; the next recovery tries again.
      });
  }

  private update(change: Partial<PeerView>): void {
    const next = { ...this.current, ...change };
    const changed = (Object.keys(next) as (keyof PeerView)[]).some((k) => next[k] !== this.current[k]);
    this.current = next;
    if (changed && (!this.finished || next.connection === 'failed')) this.o.onChange({ ...next });
  }
}
