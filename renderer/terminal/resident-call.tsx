// The resident's side of a video consultation: the consultant full size, a large caption saying who
// is speaking and which department this is, a small picture of themselves — and no controls at all
// (staff mute, switch camera and end from their own screen). This screen holds the camera, the
// microphone and the WebRTC peer; its signals go to the hub through the terminal core.
import { useEffect, useRef, useState, type RefObject } from 'react';
import { departmentLabel } from '../../protocol/consultation-api';
import type { ConsultationMedia, PeerReport } from '../../protocol/ipc';
import type { PeerView } from '../call/peer';
import { useCallPeer } from '../call/use-call-peer';
import type { Client } from './client';

/** True while the remote video has shown no new frame for 2.5 s although it should be moving. */
function useStalledVideo(ref: RefObject<HTMLVideoElement | null>, expectMotion: boolean): boolean {
  const [stalled, setStalled] = useState(false);
  useEffect(() => {
    const video = ref.current;
    if (!video || !expectMotion) {
      setStalled(false);
      return;
    }
    let last = performance.now();
    let handle = 0;
    const onFrame = () => {
      last = performance.now();
      handle = video.requestVideoFrameCallback(onFrame);
    };
    handle = video.requestVideoFrameCallback(onFrame);
    const check = setInterval(() => setStalled(performance.now() - last > 2_500), 500);
    return () => {
      video.cancelVideoFrameCallback(handle);
      clearInterval(check);
    };
  }, [ref, expectMotion]);
  return stalled;
}

function caption(media: ConsultationMedia, view: PeerView | null, stalled: boolean): string {
  const name = media.consultantName ? `${media.consultantName}さん` : '相談員';
  if (!media.peerPresent) return '相談員側の通信が途切れています。このままお待ちください。';
  if (!view || view.connection === 'connecting') return `${name}につないでいます…`;
  if (view.connection === 'reconnecting' || stalled) return '電波が弱くなっています。つなぎ直していますので、このままお待ちください。';
  if (view.connection === 'failed') return 'つながらなくなりました。職員にお声がけください。';
  if (view.remoteSpeaking) return `${name}（相談員）が話しています`;
  if (view.localSpeaking) return 'あなたが話しています';
  if (view.quality === 'audio_only') return '電波が弱いため、声だけでお話ししています';
  return `${name}とつながっています。どうぞお話しください。`;
}

export function ResidentCall({ client, media }: { client: Client; media: ConsultationMedia }) {
  const latest = useRef(media);
  latest.current = media;
  const { callId } = media;
  const lastReport = useRef('');
  // One peer per call: created when the call connects, destroyed when it ends or this screen closes.
  const { remoteRef, selfRef, peerRef, view, problem } = useCallPeer({
    callId,
    initiator: true,
    relayOnly: media.relayOnly,
    preferFrameRate: media.preferFrameRate,
    iceServers: async () => media.iceServers,
    // The core validates the signal against the contract before it goes to the hub.
    send: (data) => void client.call('sendConsultationSignal', { callId, data }).catch(() => undefined),
    listen: (deliver) => client.on('consultationSignal', (s) => s.callId === callId && deliver(s.data)),
    onCreated: (peer) => {
      peer.setAudioMuted(latest.current.audioMuted);
      peer.setVideoOff(latest.current.videoOff);
    },
    onView: (v) => {
      const report: PeerReport = { ...v };
      const key = JSON.stringify(report);
      if (key === lastReport.current) return;
      lastReport.current = key;
      void client.call('reportConsultationPeer', { callId, peer: report }).catch(() => undefined);
    },
    describeProblem: () => 'カメラとマイクが使えません。職員にお声がけください。',
  });

  useEffect(() => peerRef.current?.setAudioMuted(media.audioMuted), [media.audioMuted]);
  useEffect(() => peerRef.current?.setVideoOff(media.videoOff), [media.videoOff]);
  const switches = useRef(media.cameraSwitches);
  useEffect(() => {
    if (media.cameraSwitches === switches.current) return;
    switches.current = media.cameraSwitches;
    void peerRef.current?.switchCamera().catch(() => undefined);
  }, [media.cameraSwitches]);
  const epoch = useRef(media.signalingEpoch);
  useEffect(() => {
    if (media.signalingEpoch === epoch.current) return;
    epoch.current = media.signalingEpoch;
    peerRef.current?.signalingRestored();
  }, [media.signalingEpoch]);

  // The browser reports a cut only after 5–8 s; a picture that stopped moving says it at once.
  const stalled = useStalledVideo(remoteRef, view?.connection === 'connected' && view.quality !== 'audio_only');
  const weak = view?.connection === 'reconnecting' || !media.peerPresent || stalled;
  return (
    <main className="resident-call" data-testid="resident-call">
      <header className="call-title">
        <span className="dept">{departmentLabel[media.department]}のご相談</span>
        <span className="who">{media.consultantName ? `相談員 ${media.consultantName}さん` : '相談員'}</span>
      </header>
      <video ref={remoteRef} className="remote" autoPlay playsInline data-testid="remote-video" />
      {(weak || view?.quality === 'audio_only') && <div className="call-overlay" role="status">{weak ? 'つなぎ直しています…' : '声だけでお話ししています'}</div>}
      <figure className="self">
        <video ref={selfRef} autoPlay playsInline muted />
        <figcaption>{media.videoOff ? 'カメラは切れています' : 'あなた'}</figcaption>
      </figure>
      <p className={`call-caption ${view?.remoteSpeaking ? 'remote' : view?.localSpeaking ? 'local' : ''}`} aria-live="polite" data-testid="call-caption">
        {problem ?? caption(media, view, stalled)}
      </p>
    </main>
  );
}
