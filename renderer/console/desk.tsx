// The consultant's desk (ビデオ相談): choose the departments one takes calls for, see who waits,
// accept the oldest call, then talk — mute, camera off, switch camera, end — and write notes on the
// consultation (kept at the hub only). The WebRTC peer lives here while a call runs.
import { useCallback, useEffect, useRef, useState } from 'react';
import { callOutcomeLabel, departmentLabel, departments, type Department } from '../../protocol/consultation-api';
import type { CallServerFrame, CallView, ConsultantDeskView, SignalData } from '../../protocol/consultation-api';
import type { PeerView } from '../call/peer';
import { useCallPeer } from '../call/use-call-peer';
import { api, ApiError, callSocket } from './api';
import { useConsole } from './store';

const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });
const waited = (iso: string, now: number) => `${Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000))}分`;
const connectionLabel: Record<PeerView['connection'], string> = {
  connecting: 'つないでいます…',
  connected: 'つながっています',
  reconnecting: '車両側の電波が弱く、つなぎ直しています…',
  failed: 'つながらなくなりました',
};
const qualityLabel: Record<PeerView['quality'], string> = { good: '良好', fair: 'ふつう', poor: '弱い', audio_only: '音声のみ', unknown: '確認中' };

/** The call itself: the resident large, oneself small, the controls, the notes. */
function LiveCall({ call, sendSignal, onSignal, restored }: {
  call: CallView;
  sendSignal: (data: SignalData) => void;
  onSignal: (handler: ((data: SignalData) => void) | null) => void;
  restored: number;
}) {
  const [muted, setMuted] = useState(false);
  const [videoOff, setVideoOff] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [confirmEnd, setConfirmEnd] = useState(false);
  // One peer per call.
  const { remoteRef, selfRef, peerRef, view, problem: mediaProblem } = useCallPeer({
    callId: call.id,
    initiator: false,
    relayOnly: true,
    preferFrameRate: call.department === 'sign_language',
    iceServers: async () => (await api.turn()).iceServers,
    send: sendSignal,
    listen: (deliver) => {
      onSignal(deliver);
      return () => onSignal(null);
    },
    describeProblem: (e) => (e instanceof ApiError ? e.message : 'カメラとマイクが使えません。ブラウザの設定で許可してください。'),
  });
  const problem = failure ?? mediaProblem;

  useEffect(() => {
    if (restored > 0) peerRef.current?.signalingRestored();
  }, [restored]);

  return (
    <section className="card live-call" data-testid="desk-call">
      <div className="row space">
        <h2>
          {departmentLabel[call.department]}　車両 {call.vehicleId} と通話中
        </h2>
        <span className="badge" data-testid="desk-quality">
          {view ? `${connectionLabel[view.connection]}／通信：${qualityLabel[view.quality]}` : 'カメラを準備しています…'}
        </span>
      </div>
      {!call.peerPresent && <p className="badge warn" role="status">車両との接続が途切れています。30秒まで待ちます。</p>}
      {problem && <p className="badge bad" role="alert">{problem}</p>}
      <div className="videos">
        <video ref={remoteRef} className="remote" autoPlay playsInline data-testid="desk-remote" />
        <video ref={selfRef} className="self" autoPlay playsInline muted />
      </div>
      {view?.remoteSpeaking && <p className="speaking">お客様が話しています</p>}
      <div className="row">
        <button className="secondary" onClick={() => { peerRef.current?.setAudioMuted(!muted); setMuted(!muted); }}>
          {muted ? 'マイクを入れる' : 'マイクを切る'}
        </button>
        <button className="secondary" onClick={() => { peerRef.current?.setVideoOff(!videoOff); setVideoOff(!videoOff); }}>
          {videoOff ? 'カメラを入れる' : 'カメラを切る'}
        </button>
        <button className="secondary" onClick={() => void peerRef.current?.switchCamera()}>カメラを切り替える</button>
        {confirmEnd ? (
          <>
            <button className="danger" onClick={() => void api.endCall(call.id).catch((e: unknown) => setFailure(e instanceof Error ? e.message : String(e)))}>はい、終える</button>
            <button className="secondary" onClick={() => setConfirmEnd(false)}>続ける</button>
          </>
        ) : (
          <button className="danger" onClick={() => setConfirmEnd(true)}>相談を終える</button>
        )}
      </div>
      <Notes callId={call.id} initial="" />
    </section>
  );
}

function Notes({ callId, initial }: { callId: string; initial: string }) {
  const [text, setText] = useState(initial);
  const [state, setState] = useState<string | null>(null);
  // Notes typed but not saved when the call ends (the view changes under them) are saved, not lost.
  const unsaved = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (unsaved.current !== null) void api.saveNotes(callId, unsaved.current).catch(() => undefined);
    },
    [callId],
  );
  const save = async () => {
    try {
      await api.saveNotes(callId, text);
      unsaved.current = null;
      setState(`保存しました（${time(new Date().toISOString())}）`);
    } catch (e) {
      setState(e instanceof Error ? e.message : '保存できませんでした。');
    }
  };
  return (
    <div className="notes">
      <label>
        相談メモ（市役所にだけ保存され、車両には残りません）
        <textarea value={text} onChange={(e) => { setText(e.target.value); unsaved.current = e.target.value; }} rows={4} maxLength={4000} data-testid={`notes-${callId}`} />
      </label>
      <div className="row">
        <button className="secondary" onClick={() => void save()}>メモを保存</button>
        {state && <span className="muted">{state}</span>}
      </div>
    </div>
  );
}

export function ConsultantDesk() {
  const { session, signOut } = useConsole();
  const [desk, setDesk] = useState<ConsultantDeskView | null>(null);
  const [choice, setChoice] = useState<Department[]>([]);
  const [live, setLive] = useState(false);
  const [restored, setRestored] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const socketRef = useRef<ReturnType<typeof callSocket> | null>(null);
  const signalHandler = useRef<((data: SignalData) => void) | null>(null);
  const held = useRef<{ callId: string; data: SignalData }[]>([]);

  const load = useCallback(async () => {
    try {
      const d = await api.desk();
      setDesk(d);
      setChoice((c) => (c.length === 0 ? d.available : c));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);

  useEffect(() => {
    void load();
    const socket = callSocket(
      (f: CallServerFrame) => {
        if (f.type === 'queues') void load();
        else if (f.type === 'call') {
          if (f.call.state === 'interrupted') {
            setError(`車両 ${f.call.vehicleId} との相談が途切れました（30秒以上つながりませんでした）。車両から折り返しの呼び出しがあると、順番待ちの先頭に入ります。`);
          }
          void load();
        }
        else if (f.type === 'signal') signalHandler.current?.(f.data);
        else if (f.type === 'error') setError(f.message);
      },
      (connected, returning) => {
        setLive(connected);
        if (!connected) return;
        for (const h of held.current.splice(0)) socket.send({ type: 'signal', callId: h.callId, data: h.data });
        if (returning) setRestored((n) => n + 1);
        void load();
      },
    );
    socketRef.current = socket;
    const tick = setInterval(() => setNow(Date.now()), 15_000);
    return () => {
      socket.stop();
      clearInterval(tick);
    };
  }, [load]);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const current = desk?.current ?? null;
  const sendSignal = useCallback(
    (data: SignalData) => {
      if (!current) return;
      if (!socketRef.current?.send({ type: 'signal', callId: current.id, data })) held.current.push({ callId: current.id, data });
    },
    [current?.id],
  );

  return (
    <>
      <header className="top">
        <h1 className="brand">お出かけ市役所 ビデオ相談</h1>
        <span className={`relay ${live ? 'online' : 'offline'}`}><span className="dot" />{live ? '接続中' : '再接続しています'}</span>
        <span className="who">{session?.displayName}（相談担当）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main>
        {error && <div className="banner error" role="alert"><span>{error}</span><button className="secondary small" onClick={() => setError(null)}>閉じる</button></div>}
        {current ? (
          <LiveCall call={current} sendSignal={sendSignal} onSignal={(h) => (signalHandler.current = h)} restored={restored} />
        ) : (
          <section className="card">
            <h2>受け付ける相談先</h2>
            <div className="row wrap">
              {departments.map((d) => (
                <label key={d} className="check">
                  <input type="checkbox" checked={choice.includes(d)} onChange={(e) => setChoice((c) => (e.target.checked ? [...c, d] : c.filter((x) => x !== d)))} />
                  {departmentLabel[d]}
                </label>
              ))}
            </div>
            <div className="row">
              <button className="primary" disabled={choice.length === 0} onClick={() => void act(() => api.setAvailable(choice))} data-testid="desk-available">
                {desk && desk.available.length > 0 ? '受付の相談先を変える' : '対応可能にする'}
              </button>
              {desk && desk.available.length > 0 && <button className="secondary" onClick={() => void act(() => api.setAvailable([]))}>受付を止める</button>}
              <span className="muted" data-testid="desk-availability">
                {desk && desk.available.length > 0 ? `対応可能：${desk.available.map((d) => departmentLabel[d]).join('・')}` : 'いまは受け付けていません'}
              </span>
            </div>
          </section>
        )}
        {!current && (
          <section className="card">
            <h2>順番待ち</h2>
            {desk?.queues.every((q) => q.calls.length === 0) && <p className="empty">待っている車両はありません。</p>}
            {desk?.queues.filter((q) => q.calls.length > 0).map((q) => (
              <div key={q.department} className="queue">
                <h3>{departmentLabel[q.department]}</h3>
                <ol>
                  {q.calls.map((c, i) => (
                    <li key={c.id} data-testid="desk-waiting">
                      {c.callBack && <span className="badge warn">折り返し</span>} 車両 {c.vehicleId}　{time(c.calledAt)}から（{waited(c.calledAt, now)}待ち）
                      {i === 0 && desk.available.includes(q.department) && (
                        <button className="primary" onClick={() => void act(() => api.acceptCall(c.id))}>受ける</button>
                      )}
                    </li>
                  ))}
                </ol>
              </div>
            ))}
          </section>
        )}
        <section className="card">
          <h2>きょうの相談</h2>
          {desk?.recent.length === 0 && <p className="empty">まだありません。</p>}
          {desk?.recent.map((r) => (
            <details key={r.id} className="record">
              <summary>
                {time(r.calledAt)} {departmentLabel[r.department]}　車両 {r.vehicleId}（職員 {r.staffId}）　{r.outcome ? callOutcomeLabel[r.outcome] : '通話中'}
                {r.connectedAt && r.endedAt ? `　${Math.round((new Date(r.endedAt).getTime() - new Date(r.connectedAt).getTime()) / 60_000)}分` : ''}
              </summary>
              <Notes callId={r.id} initial={r.notes ?? ''} />
            </details>
          ))}
        </section>
      </main>
    </>
  );
}
