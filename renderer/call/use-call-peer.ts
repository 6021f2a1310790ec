// The life of one call's peer on a screen, the same on the resident screen and the consultant's desk:
// listen for the other side's signals at once (holding those that come before the peer exists), open
// the camera and microphone, make the peer, show both pictures, and on the way out destroy the peer
// and let go of the camera. A new call id makes a new peer; nothing else does.
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { SignalData } from '../../protocol/consultation-api';
import { openLocalMedia } from './local-media';
import { CallPeer, type PeerView } from './peer';

export interface CallPeerSetup {
  callId: string;
  /** The vehicle side initiates and owns ICE restarts. */
  initiator: boolean;
  relayOnly: boolean;
  /** Sign language: more frames, and frame rate kept before resolution. */
  preferFrameRate: boolean;
  /** The ICE servers for this call, asked for while the camera opens. */
  iceServers(): Promise<RTCIceServer[]>;
  /** Sends one signal to the other side, through the hub. */
  send(data: SignalData): void;
  /** Starts handing the other side's signals to `deliver`; returns how to stop. */
  listen(deliver: (data: SignalData) => void): () => void;
  /** The peer exists: settings made before it (mute, camera off) can be applied now. */
  onCreated?(peer: CallPeer): void;
  /** Every change of the peer's view (connection, quality, who speaks). */
  onView?(view: PeerView): void;
  /** What to tell the person when the camera, the microphone or the ICE servers cannot be had. */
  describeProblem(error: unknown): string;
}

export interface CallPeerHandle {
  remoteRef: RefObject<HTMLVideoElement | null>;
  selfRef: RefObject<HTMLVideoElement | null>;
  /** The peer while it exists, for mute, camera and restart controls. */
  peerRef: RefObject<CallPeer | null>;
  view: PeerView | null;
  problem: string | null;
}

export function useCallPeer(setup: CallPeerSetup): CallPeerHandle {
  const remoteRef = useRef<HTMLVideoElement>(null);
  const selfRef = useRef<HTMLVideoElement>(null);
  const peerRef = useRef<CallPeer | null>(null);
  const [view, setView] = useState<PeerView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // The callbacks of the latest render, so the peer made once per call never calls stale ones.
  const latest = useRef(setup);
  latest.current = setup;

  useEffect(() => {
    let cancelled = false;
    let local: MediaStream | null = null;
    const early: SignalData[] = [];
    const stopListening = latest.current.listen((data) => {
      if (peerRef.current) peerRef.current.signal(data);
      else early.push(data);
    });
    void (async () => {
      const s = latest.current;
      const servers = s.iceServers();
      servers.catch(() => undefined); // awaited below, after the camera
      let iceServers: RTCIceServer[];
      try {
        local = await openLocalMedia(s.preferFrameRate);
        iceServers = await servers;
      } catch (e) {
        local?.getTracks().forEach((t) => t.stop());
        local = null;
        if (!cancelled) setProblem(latest.current.describeProblem(e));
        return;
      }
      if (cancelled) {
        local.getTracks().forEach((t) => t.stop());
        return;
      }
      if (selfRef.current) selfRef.current.srcObject = local;
      const peer = new CallPeer({
        initiator: s.initiator,
        iceServers,
        relayOnly: s.relayOnly,
        localStream: local,
        preferFrameRate: s.preferFrameRate,
        send: (data) => latest.current.send(data),
        onRemoteStream: (stream) => {
          if (remoteRef.current) remoteRef.current.srcObject = stream;
        },
        onChange: (v) => {
          setView({ ...v });
          latest.current.onView?.(v);
        },
      });
      peerRef.current = peer;
      latest.current.onCreated?.(peer);
      for (const data of early.splice(0)) peer.signal(data);
    })();
    return () => {
      cancelled = true;
      stopListening();
      peerRef.current?.destroy();
      peerRef.current = null;
      local?.getTracks().forEach((t) => t.stop());
    };
  }, [setup.callId]);

  return { remoteRef, selfRef, peerRef, view, problem };
}
