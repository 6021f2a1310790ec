// The staff screen's video consultation page: choose a department (seeing who is available and how
// many wait), wait in the queue, then run the call — mute, camera off, switch camera, end — while the
// resident sees the consultant full size on their own screen. A call cut off for longer than 30 s is
// shown as interrupted with a one-tap call back.
import { useEffect, useState } from 'react';
import { departmentHint, departmentLabel, departments, type Department } from '../../protocol/consultation-api';
import type { AvailabilityResponse } from '../../protocol/consultation-api';
import type { ConsultationView, PeerReport } from '../../protocol/ipc';
import { useStaff } from './staff-store';

const connectionLabel: Record<PeerReport['connection'], string> = {
  connecting: 'つないでいます…',
  connected: 'つながっています',
  reconnecting: '電波が弱く、つなぎ直しています…',
  failed: 'つながりませんでした',
};

const qualityLabel: Record<PeerReport['quality'], [string, number]> = {
  good: ['良好', 3],
  fair: ['ふつう', 2],
  poor: ['弱い', 1],
  audio_only: ['弱いため音声のみ', 1],
  unknown: ['確認中', 0],
};

/** A three-bar signal indicator with words, so it reads without colour. */
export function QualityIndicator({ peer }: { peer: PeerReport | null }) {
  const [label, bars] = qualityLabel[peer?.connection === 'connected' ? peer.quality : 'unknown'];
  return (
    <span className={`quality q${bars}`} data-testid="call-quality" aria-label={`通信の状態：${label}`}>
      <span className="bars" aria-hidden>
        {[1, 2, 3].map((i) => (
          <span key={i} className={i <= bars ? 'bar on' : 'bar'} />
        ))}
      </span>
      通信：{label}
    </span>
  );
}

/** A thin strip on every staff page while a call waits or runs, to get back to it. */
export function ConsultationStrip() {
  const { consultation, view, go } = useStaff();
  const call = consultation?.call;
  if (view.name === 'consult' || !call || (call.state !== 'waiting' && call.state !== 'connected')) return null;
  return (
    <button className="call-strip" onClick={() => void go({ name: 'consult' })} data-testid="call-strip">
      ビデオ相談（{departmentLabel[call.department]}）：{call.state === 'waiting' ? `順番待ち ${call.position ?? '-'}番目` : '通話中'} — 開く
    </button>
  );
}

function DepartmentChoice({ consultation }: { consultation: ConsultationView | null }) {
  const { consultationAvailability, startConsultation, endConsultation, busy } = useStaff();
  const [availability, setAvailability] = useState<AvailabilityResponse | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      const a = await consultationAvailability();
      if (!stopped && a) setAvailability(a);
    };
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [consultationAvailability]);
  const interrupted = consultation?.interrupted;
  return (
    <>
      {interrupted && (
        <div className="card call-interrupted" role="alert" data-testid="call-interrupted">
          <h2>{departmentLabel[interrupted.department]}との相談が途切れました</h2>
          <p>30秒以上つながらなかったため、相談は終わりました。電波のよい場所で、もう一度つなげます（10分以内なら順番待ちの先頭に入ります）。</p>
          <div className="row">
            <button className="primary big" disabled={busy} onClick={() => void startConsultation(interrupted.department)}>
              もう一度つなぐ
            </button>
            <button className="secondary" disabled={busy} onClick={() => void endConsultation()}>
              閉じる
            </button>
          </div>
        </div>
      )}
      {availability && !availability.turn && <p className="card waiting">市役所の中継サーバーが設定されていないため、ビデオ相談は使えません。管理者に連絡してください。</p>}
      <p className="lead">相談先を選ぶと、市役所の相談員を呼び出します。お客様の画面に相談員が大きく映ります。</p>
      <div className="departments">
        {departments.map((d: Department) => {
          const a = availability?.departments.find((x) => x.department === d);
          return (
            <button key={d} className="department" disabled={busy || availability?.turn === false} onClick={() => void startConsultation(d)} data-department={d}>
              <span className="name">{departmentLabel[d]}</span>
              <span className="hint">{departmentHint[d]}</span>
              <span className={`avail ${a && a.available > 0 ? 'yes' : 'no'}`}>
                {a ? (a.available > 0 ? `対応できる相談員 ${a.available}人` : 'いま対応できる相談員はいません（順番待ちになります）') : '確認中…'}
                {a && a.waiting > 0 ? `／待っている車両 ${a.waiting}台` : ''}
              </span>
            </button>
          );
        })}
      </div>
    </>
  );
}

export function Consultation() {
  const { consultation, endConsultation, controlConsultation, go, busy, error } = useStaff();
  const [confirmEnd, setConfirmEnd] = useState(false);
  const call = consultation?.call ?? null;
  const live = call && (call.state === 'waiting' || call.state === 'connected');
  return (
    <main>
      <div className="row space">
        <h1>ビデオ相談</h1>
        <button className="secondary" onClick={() => void go({ name: 'list' })}>
          一覧に戻る
        </button>
      </div>
      {error && <div className="banner error" role="alert">{error}</div>}
      {!live && <DepartmentChoice consultation={consultation} />}
      {call?.state === 'waiting' && (
        <div className="card call-waiting" data-testid="call-waiting">
          <h2>{departmentLabel[call.department]}の相談員を{call.callBack ? 'もう一度' : ''}呼んでいます</h2>
          <p className="huge-number">
            順番 <strong data-testid="call-position">{call.position ?? '-'}</strong> 番目
          </p>
          <p>相談員が受けると、お客様の画面に映ります。お客様には「少しお待ちください」とお伝えください。</p>
          {!consultation?.signaling && <p className="warn">市役所との接続が切れています。つなぎ直しています…</p>}
          <button className="secondary big" disabled={busy} onClick={() => void endConsultation()}>
            呼び出しをやめる
          </button>
        </div>
      )}
      {call?.state === 'connected' && consultation && (
        <div className="card call-live" data-testid="call-live">
          <div className="row space">
            <h2>
              {departmentLabel[call.department]}　{call.consultantName ?? '相談員'}さんと通話中
            </h2>
            <QualityIndicator peer={consultation.peer} />
          </div>
          <p className="call-state" data-testid="call-connection">
            {consultation.peer ? connectionLabel[consultation.peer.connection] : 'お客様の画面でカメラを準備しています…'}
            {!call.peerPresent && '（相談員側の通信が途切れています。30秒まで待ちます）'}
            {!consultation.signaling && '（市役所との接続が切れています。つなぎ直しています）'}
          </p>
          <div className="row call-controls">
            <button className={consultation.audioMuted ? 'primary big' : 'secondary big'} onClick={() => void controlConsultation({ audioMuted: !consultation.audioMuted })}>
              {consultation.audioMuted ? 'マイクを入れる' : 'マイクを切る'}
            </button>
            <button className={consultation.videoOff ? 'primary big' : 'secondary big'} onClick={() => void controlConsultation({ videoOff: !consultation.videoOff })}>
              {consultation.videoOff ? 'カメラを入れる' : 'カメラを切る'}
            </button>
            <button className="secondary big" onClick={() => void controlConsultation({ switchCamera: true })}>
              カメラを切り替える
            </button>
            {confirmEnd ? (
              <>
                <button className="danger big" disabled={busy} onClick={() => void endConsultation().then(() => setConfirmEnd(false))}>
                  はい、終える
                </button>
                <button className="secondary big" onClick={() => setConfirmEnd(false)}>
                  続ける
                </button>
              </>
            ) : (
              <button className="danger big" onClick={() => setConfirmEnd(true)}>
                相談を終える
              </button>
            )}
          </div>
        </div>
      )}
      {call && !live && call.state !== 'interrupted' && !consultation?.interrupted && (
        <p className="card" data-testid="call-finished">
          {departmentLabel[call.department]}との相談は{call.state === 'abandoned' ? '取りやめました' : '終わりました'}。
        </p>
      )}
    </main>
  );
}
