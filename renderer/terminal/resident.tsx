// The resident-facing screen: their request in large type and one big button, the PIN pad for their
// My Number card, or the consultant of a video consultation full size. Nothing else — no staff
// controls, nothing to get lost in.
import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { ConsultationMedia, ConsultationWaiting, EventPayload, ResidentPinView } from '../../protocol/ipc';
import { warekiWithSeireki } from '../../protocol/wareki';
import { departmentLabel } from '../../protocol/consultation-api';
import type { ResidentView } from '../../protocol/request';
import { connectFromPage, CallError } from './client';
import { ResidentCall } from './resident-call';

const client = connectFromPage();

/**
 * Something the core shows this screen: read it now and again after every reconnection, and take each
 * change the core pushes. `set` learns whether the value was pushed (a change) or read back.
 */
const readFor = {
  cardInReader: 'getCardInReader',
  residentPin: 'getResidentPin',
  residentView: 'getResidentView',
  consultationMedia: 'getConsultationMedia',
  consultationWaiting: 'getConsultationWaiting',
} as const;

function useFromCore<E extends keyof typeof readFor>(event: E, set: (value: EventPayload<E>, pushed: boolean) => void): void {
  const latest = useRef(set);
  latest.current = set;
  useEffect(() => {
    const read: (typeof readFor)[keyof typeof readFor] = readFor[event];
    const load = () =>
      void client
        .call(read, {})
        .then((v) => latest.current(v as EventPayload<E>, false))
        .catch(() => undefined);
    const off = client.on(event, (v) => latest.current(v, true));
    const offConn = client.onConnection((connected) => connected && load());
    load();
    return () => {
      off();
      offConn();
    };
  }, [event]);
}
const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;

/** A large keypad for the 4-digit PIN. Digits are shown as ●, kept only in this component, and cleared after sending. */
function PinPad({ pin }: { pin: ResidentPinView }) {
  const [digits, setDigits] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const press = (d: string) => setDigits((x) => (x.length < 4 ? x + d : x));
  const send = async () => {
    if (digits.length !== 4) return;
    setSending(true);
    const entered = digits;
    setDigits('');
    try {
      await client.call('submitCardPin', { pin: entered });
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof CallError ? e.message : 'うまく送れませんでした。職員にお声がけください。');
    } finally {
      setSending(false);
    }
  };
  if (pin.stage === 'reading') return <main className="resident center"><h1 className="huge">カードを読み取っています…</h1><p className="large">カードを動かさずにお待ちください。</p></main>;
  if (pin.stage === 'done' || pin.stage === 'mismatch') {
    return (
      <main className="resident center">
        <h1 className="huge">{pin.purpose === 'link' ? 'マイナ保険証の登録が終わりました。' : '読み取りました。'}</h1>
        {/* The read that filled the form is also the identity check: the card stays until then. */}
        <p className="large">{pin.purpose === 'fill' ? 'カードはそのまま置いてお待ちください。' : 'カードをお取りください。'}</p>
      </main>
    );
  }
  if (pin.stage === 'needs_confirmation' || pin.stage === 'failed') {
    return (
      <main className="resident center">
        <h1 className="huge">職員にお声がけください。</h1>
        {(problem ?? pin.message) && <p className="large resident-problem" role="alert">{problem ?? pin.message}</p>}
      </main>
    );
  }
  return (
    <main className="resident pin">
      <p className="large muted">
        マイナンバーカードを受け取ったときに決めた、数字4けたの暗証番号です
        {pin.purpose === 'link' ? '（利用者証明用）' : '（券面事項入力補助用）'}
      </p>
      <h1>暗証番号（数字4けた）を押してください</h1>
      <p className="large muted">職員には見えません。{pin.triesLeft !== null && `（あと${pin.triesLeft}回まで）`}</p>
      <div className="pin-dots" aria-label={`${digits.length}けた入力済み`} data-testid="pin-dots">
        {[0, 1, 2, 3].map((i) => (
          <span key={i} className={i < digits.length ? 'dot on' : 'dot'}>{i < digits.length ? '●' : '○'}</span>
        ))}
      </div>
      {(problem ?? pin.message) && <p className="large resident-problem" role="alert">{problem ?? pin.message}</p>}
      <div className="keypad">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
          <button key={d} className="key" onClick={() => press(d)} aria-label={d}>{d}</button>
        ))}
        <button className="key small" onClick={() => setDigits('')}>消す</button>
        <button className="key" onClick={() => press('0')} aria-label="0">0</button>
        <button className="key enter" onClick={() => void send()} disabled={digits.length !== 4 || sending}>決定</button>
      </div>
    </main>
  );
}

function App() {
  const [view, setView] = useState<ResidentView | null>(null);
  const [thanks, setThanks] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [pin, setPin] = useState<ResidentPinView | null>(null);
  const [media, setMedia] = useState<ConsultationMedia | null>(null);
  const [cardInReader, setCardInReader] = useState(false);
  useFromCore('cardInReader', (v) => setCardInReader(v.inReader));

  const [waiting, setWaiting] = useState<ConsultationWaiting | null>(null);
  useFromCore('consultationMedia', setMedia);
  useFromCore('consultationWaiting', setWaiting);

  useFromCore('residentPin', setPin);

  useFromCore('residentView', (v, pushed) => {
    setView(v);
    if (!pushed) return;
    setProblem(null);
    if (v) setThanks(false);
  });

  useEffect(() => {
    if (!thanks) return;
    const t = setTimeout(() => setThanks(false), 8_000);
    return () => clearTimeout(t);
  }, [thanks]);

  const confirm = async () => {
    if (!view) return;
    setSending(true);
    try {
      await client.call('confirmAsResident', { requestId: view.requestId });
      setThanks(true);
      setView(null);
    } catch (e) {
      setProblem(e instanceof CallError ? e.message : 'うまく送れませんでした。職員にお声がけください。');
    } finally {
      setSending(false);
    }
  };

  // The PIN pad while the resident is typing or the card is being read; once the read is over, the
  // confirmation staff put on screen comes first, card in the reader or not.
  const pinEntry = pin !== null && (pin.stage === 'waiting_pin' || pin.stage === 'needs_confirmation' || pin.stage === 'reading');
  if (pin && (pinEntry || !view)) return <PinPad pin={pin} />;
  if (media) return <ResidentCall client={client} media={media} />;
  if (waiting && !view) {
    return (
      <main className="resident center" data-testid="resident-call-waiting">
        <h1 className="huge">{departmentLabel[waiting.department]}の相談員をお呼びしています</h1>
        {waiting.position !== null && <p className="large">順番 {waiting.position}番目</p>}
        <p className="large">つながると、この画面に相談員が映ります。少しお待ちください。</p>
      </main>
    );
  }
  if (thanks) {
    return (
      <main className="resident center">
        <h1 className="huge">ありがとうございました。</h1>
        <p className="large">職員が手続きを進めます。このままお待ちください。</p>
      </main>
    );
  }
  if (!view) {
    return (
      <main className="resident center">
        <h1 className="huge">いわき市 お出かけ市役所</h1>
        <p className="large">ようこそ。職員がご案内します。</p>
      </main>
    );
  }
  return (
    <main className="resident">
      <h1>お申し込みの内容をご確認ください</h1>
      <dl className="resident-summary">
        <dt>証明書</dt>
        <dd data-testid="resident-kind">{view.kindLabel}</dd>
        <dt>通数</dt>
        <dd>{view.copies}通</dd>
        <dt>お名前</dt>
        <dd data-testid="resident-name">{view.subjectName} 様</dd>
        <dt>ご住所</dt>
        <dd>{view.subjectAddress}</dd>
        <dt>生年月日</dt>
        <dd data-testid="resident-birth-date">{warekiWithSeireki(view.subjectBirthDate)}</dd>
        {view.details.length > 0 && (
          <>
            <dt>内容</dt>
            <dd>{view.details.join('、')}</dd>
          </>
        )}
        <dt>手数料</dt>
        <dd>{yen(view.feeYen)}</dd>
      </dl>
      {problem && (
        <p className="resident-problem" role="alert">
          {problem}
        </p>
      )}
      <button className="resident-confirm" onClick={() => void confirm()} disabled={sending}>
        この内容で申し込む
      </button>
      <p className="large muted">違うところがあれば、職員にお知らせください。</p>
      {cardInReader && (
        <p className="large resident-card-note" data-testid="resident-card-note">
          マイナンバーカードはカードリーダーに入ったままです。お帰りの際にお受け取りください。
        </p>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
