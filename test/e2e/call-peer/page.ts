// One side of a consultation in a bare page: the fake camera and microphone, a CallPeer, and hooks the
// test drives through page.evaluate. Signals leave through `relaySignal`, which the test exposes and
// hands to the other page (the hub's part). The HTML wraps RTCPeerConnection before this bundle loads
// and lists every instance in `peerConnections`, so the test can tell that recovery made no new one.
import type { SignalData } from '../../../protocol/consultation-api';
import { openLocalMedia } from '../../../renderer/call/local-media';
import { CallPeer, type MediaStats, type PeerView } from '../../../renderer/call/peer';

export interface StartOptions {
  initiator: boolean;
  iceServers: RTCIceServer[];
  relayOnly: boolean;
  preferFrameRate: boolean;
  giveUpMs?: number;
  /** Which of the fake cameras to start on; the last unless given. */
  camera?: number;
}

export interface TimedView extends PeerView {
  /** Date.now() of the change, comparable with the test's clock. */
  at: number;
}

export interface SenderSnapshot {
  maxBitrate: number | undefined;
  active: boolean | undefined;
  degradationPreference: string | undefined;
}

export interface MediaPath {
  local: { type: string; address: string } | undefined;
  remote: { type: string; address: string } | undefined;
  relayAddresses: string[];
}

export interface CallPage {
  start(options: StartOptions): Promise<void>;
  signal(data: unknown): void;
  signalingRestored(): void;
  stats(): Promise<MediaStats>;
  views(): TimedView[];
  view(): PeerView;
  /** How many CallPeers this page has created. */
  peers(): number;
  /** simple-peer's error code if it ended the current peer itself. */
  endedBy(): string | undefined;
  /** Candidate types this page's current connection gathered locally. */
  localCandidateTypes(): Promise<string[]>;
  /** The candidate pair media goes over now, and this page's own relay addresses (ip:port). */
  path(): Promise<MediaPath>;
  sender(): SenderSnapshot | undefined;
  setAudioMuted(muted: boolean): void;
  switchCamera(): Promise<void>;
  /** The device of the camera this page sends. */
  cameraId(): string | undefined;
  /** The device ids of the cameras, in the browser's order. */
  cameras(): Promise<string[]>;
  /** Opens camera and microphone as the screens do, asking for the given camera first; the video track's device, then all is closed. */
  openLocalMedia(camera: number): Promise<string | undefined>;
  destroy(): void;
}

declare global {
  interface Window {
    relaySignal(signal: SignalData): Promise<void>;
    peerConnections: RTCPeerConnection[];
    callPage: CallPage;
  }
}

let peer: CallPeer | undefined;
let local: MediaStream | undefined;
let created = 0;
let history: TimedView[] = [];
const remoteVideo = document.querySelector('video');
// Remote audio is played as in the real screens: the browser measures its level (remoteSpeaking) only then.
const remoteAudio = document.querySelector('audio');

const currentPc = (): RTCPeerConnection | undefined => window.peerConnections[window.peerConnections.length - 1];

window.callPage = {
  async start(o) {
    // Chromium's second fake camera is a depth camera (16-bit grey) that WebRTC cannot encode: start on
    // the last one, so that switching goes round to the first, an ordinary one.
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    const camera = cameras.at(o.camera ?? -1)?.deviceId;
    local ??= await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 640, height: 360, frameRate: 15, ...(camera ? { deviceId: { exact: camera } } : {}) },
    });
    history = [];
    created++;
    peer = new CallPeer({
      initiator: o.initiator,
      iceServers: o.iceServers,
      relayOnly: o.relayOnly,
      localStream: local,
      preferFrameRate: o.preferFrameRate,
      ...(o.giveUpMs === undefined ? {} : { giveUpMs: o.giveUpMs }),
      send: (signal) => void window.relaySignal(signal),
      onRemoteStream: (stream) => {
        if (remoteVideo) remoteVideo.srcObject = stream;
        if (remoteAudio) remoteAudio.srcObject = stream;
      },
      onChange: (view) => history.push({ ...view, at: Date.now() }),
    });
  },
  signal: (data) => peer?.signal(data),
  signalingRestored: () => peer?.signalingRestored(),
  stats: () => {
    if (!peer) throw new Error('no call yet');
    return peer.stats();
  },
  views: () => history,
  view: () => {
    if (!peer) throw new Error('no call yet');
    return peer.view;
  },
  peers: () => created,
  endedBy: () => peer?.endedBy,
  async localCandidateTypes() {
    const report = await currentPc()?.getStats();
    const types: string[] = [];
    report?.forEach((r: { type: string; candidateType?: string }) => {
      if (r.type === 'local-candidate' && r.candidateType) types.push(r.candidateType);
    });
    return types;
  },
  async path() {
    const report = await currentPc()?.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    report?.forEach((r: Record<string, unknown>) => byId.set(String(r.id), r));
    const transport = [...byId.values()].find((r) => r.type === 'transport' && r.selectedCandidatePairId);
    const pair = transport ? byId.get(String(transport.selectedCandidatePairId)) : undefined;
    const candidate = (id: unknown) => {
      const c = byId.get(String(id));
      return c ? { type: String(c.candidateType), address: `${typeof c.address === 'string' ? c.address : ''}:${String(c.port)}` } : undefined;
    };
    return {
      local: candidate(pair?.localCandidateId),
      remote: candidate(pair?.remoteCandidateId),
      relayAddresses: [...byId.values()].filter((r) => r.type === 'local-candidate' && r.candidateType === 'relay').map((r) => `${String(r.address)}:${String(r.port)}`),
    };
  },
  sender() {
    const sender = currentPc()?.getSenders().find((s) => s.track?.kind === 'video');
    if (!sender) return undefined;
    const p = sender.getParameters();
    return { maxBitrate: p.encodings[0]?.maxBitrate, active: p.encodings[0]?.active, degradationPreference: p.degradationPreference };
  },
  setAudioMuted: (muted) => peer?.setAudioMuted(muted),
  switchCamera: async () => peer?.switchCamera(),
  cameraId: () => local?.getVideoTracks()[0]?.getSettings().deviceId,
  cameras: async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => d.deviceId),
  async openLocalMedia(camera) {
    const stream = await openLocalMedia(false, (await window.callPage.cameras())[camera]);
    const device = stream.getVideoTracks()[0]?.getSettings().deviceId;
    stream.getTracks().forEach((t) => t.stop());
    return device;
  },
  destroy() {
    peer?.destroy();
    peer = undefined;
    local?.getTracks().forEach((t) => t.stop());
    local = undefined;
  },
};
