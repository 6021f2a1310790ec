// The demo's control page: the things a newcomer cannot do by hand on one machine — the card in and
// out of the reader, a printer out of paper or with its cover open, the vehicle's network, the hub.
// Every call carries the token from this page's URL (#token=…).
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { DEMO_CONTROL_TOKEN_HEADER, type DemoAction, type DemoState } from '../../protocol/demo-control';

const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
const REFRESH_MS = 2_000;

type PrinterName = keyof DemoState['printers'];
type Condition = DemoState['printers'][PrinterName];

const printerLabel: Record<PrinterName, string> = { certificate: 'A4プリンター（証明書）', receipt: 'レシートプリンター（領収書）' };
const conditionLabel: Record<Condition, string> = { ok: '正常', paper_out: '用紙切れ', cover_open: 'カバーが開いています' };

async function call(path: string, init?: RequestInit): Promise<DemoState> {
  const res = await fetch(path, { ...init, headers: { [DEMO_CONTROL_TOKEN_HEADER]: token, 'content-type': 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { message?: string } & Partial<DemoState>;
  if (!res.ok) throw new Error(body.message ?? `操作できませんでした（${res.status}）。`);
  return body as DemoState;
}

function useDemo() {
  const [state, setState] = useState<DemoState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const refresh = useCallback(async () => {
    try {
      setState(await call('/api/state'));
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  const act = async (action: DemoAction) => {
    setBusy(true);
    setError(null);
    try {
      setState(await call('/api/action', { method: 'POST', body: JSON.stringify(action) }));
    } catch (e) {
      setError((e as Error).message);
      void refresh();
    } finally {
      setBusy(false);
    }
  };
  return { state, error, busy, act };
}

type Act = (a: DemoAction) => Promise<void>;

function Status({ good, children, testId, neutral = false }: { good: boolean; children: string; testId: string; neutral?: boolean }) {
  return (
    <p className={`status ${neutral ? 'neutral' : good ? 'good' : 'bad'}`} data-testid={testId} role="status">
      {children}
    </p>
  );
}

function CardSection({ card, busy, act }: { card: DemoState['card']; busy: boolean; act: Act }) {
  if (!card.available) {
    return (
      <section className="panel" aria-labelledby="card-title">
        <h2 id="card-title">マイナンバーカード（仮想）</h2>
        <Status good={false} testId="card-state">カードリーダー (pcscd) が動いていないため使えません</Status>
      </section>
    );
  }
  const current = card.profiles.find((p) => p.id === card.profile);
  return (
    <section className="panel" aria-labelledby="card-title">
      <h2 id="card-title">マイナンバーカード（仮想）</h2>
      <Status good={card.inserted} neutral={!card.inserted} testId="card-state">
        {card.inserted ? `カードリーダーに入っています：${current?.name ?? card.profile}` : `カードは抜いてあります（${current?.name ?? card.profile} のカード）`}
      </Status>
      <div className="row">
        <button className="primary" disabled={busy || card.inserted} onClick={() => void act({ type: 'card', do: 'insert' })}>
          カードを入れる
        </button>
        <button className="primary" disabled={busy || !card.inserted} onClick={() => void act({ type: 'card', do: 'remove' })}>
          カードを抜く
        </button>
      </div>
      <h3>どの住民のカードか（すべて架空の人物です）</h3>
      <ul className="profiles">
        {card.profiles.map((p) => (
          <li key={p.id} className={p.id === card.profile ? 'chosen' : ''}>
            <div>
              <span className="name">{p.name}</span>
              <span className="pin">暗証番号 {p.pin}</span>
              <span className="description">{p.description}</span>
            </div>
            {p.id === card.profile ? (
              <span className="mark">使用中</span>
            ) : (
              <button className="secondary" disabled={busy} onClick={() => void act({ type: 'choose_card', profile: p.id })}>
                このカードにする
              </button>
            )}
          </li>
        ))}
      </ul>
      <p className="tries" data-testid="card-tries">
        暗証番号の残り回数：券面事項 {card.tries.kenmen}回 ／ 利用者証明 {card.tries.jpkiAuth}回
      </p>
      <button className="secondary" disabled={busy} onClick={() => void act({ type: 'card', do: 'reset_tries' })}>
        残り回数を元に戻す
      </button>
    </section>
  );
}

function PrinterSection({ printers, busy, act }: { printers: DemoState['printers']; busy: boolean; act: Act }) {
  return (
    <section className="panel" aria-labelledby="printers-title">
      <h2 id="printers-title">プリンター</h2>
      {(Object.keys(printerLabel) as PrinterName[]).map((printer) => (
        <div className="printer" key={printer} data-printer={printer}>
          <h3>{printerLabel[printer]}</h3>
          <Status good={printers[printer] === 'ok'} testId={`printer-${printer}`}>{conditionLabel[printers[printer]]}</Status>
          <div className="row">
            <button className="secondary" disabled={busy || printers[printer] === 'paper_out'} onClick={() => void act({ type: 'printer', printer, condition: 'paper_out' })}>
              用紙を切らす
            </button>
            <button className="secondary" disabled={busy || printers[printer] === 'cover_open'} onClick={() => void act({ type: 'printer', printer, condition: 'cover_open' })}>
              カバーを開ける
            </button>
            <button className="primary" disabled={busy || printers[printer] === 'ok'} onClick={() => void act({ type: 'printer', printer, condition: 'ok' })}>
              {printers[printer] === 'cover_open' ? 'カバーを閉じる' : '用紙を補充する'}
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}

function NetworkSection({ state, busy, act }: { state: DemoState; busy: boolean; act: Act }) {
  const { connected } = state.network;
  const { running } = state.hub;
  return (
    <section className="panel" aria-labelledby="net-title">
      <h2 id="net-title">車両と市役所</h2>
      <h3>車両の通信（携帯回線）</h3>
      <Status good={connected} testId="network-state">{connected ? 'つながっています' : '切れています（車両はオフライン）'}</Status>
      <button className="primary" disabled={busy} onClick={() => void act({ type: 'network', connected: !connected })}>
        {connected ? '通信を切る' : '通信を戻す'}
      </button>
      <h3>市役所のハブ</h3>
      <Status good={running} testId="hub-state">{running ? '動いています' : '止まっています'}</Status>
      <button className="primary" disabled={busy} onClick={() => void act({ type: 'hub', running: !running })}>
        {running ? 'ハブを止める' : 'ハブを起動する'}
      </button>
    </section>
  );
}

function App() {
  const { state, error, busy, act } = useDemo();
  return (
    <main>
      <h1>デモの操作</h1>
      <p className="lead">
        ここでの操作は、車両の職員画面・お客様画面にそのまま表れます。表示される住民・職員・予約はすべて<strong>架空</strong>です。
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {busy && <p className="busy">操作しています…</p>}
      {state ? (
        <div className="grid">
          <CardSection card={state.card} busy={busy} act={act} />
          <PrinterSection printers={state.printers} busy={busy} act={act} />
          <NetworkSection state={state} busy={busy} act={act} />
        </div>
      ) : (
        !error && <p>読み込んでいます…</p>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
