// The operator console (市役所の証明書担当): sign in, work the live queue of relayed requests,
// decide reprints, and look back over the day.
import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { type ConsoleEvent, type DayView } from '../../protocol/console-api';
import { certificateKindLabel, requestStepLabel } from '../../protocol/labels';
import { AdminConsole } from './admin/admin-console';
import { watchHub } from './api';
import { Queue } from './queue';
import { time } from './request-card';
import { ConsultantDesk } from './desk';
import { DispatchConsole } from './dispatch/dispatch-console';
import { RecordsConsole } from './records/records-console';
import { RisaiConsole } from './risai/risai-console';
import { useConsole } from './store';
import { operatorRoleLabel } from '../../protocol/roles';
import { Banner } from './banner';


function Banners() {
  const { error, notice, dismiss } = useConsole();
  return <Banner error={error} notice={notice} dismiss={dismiss} />;
}

function SignIn() {
  const { signIn, busy } = useConsole();
  const [operatorId, setOperatorId] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(operatorId.trim(), password);
  };
  return (
    <main>
      <section className="card narrow signin">
        <h1>お出かけ市役所<br />市役所職員コンソール</h1>
        <p className="lead">職員番号とパスワードでサインインしてください。</p>
        <Banners />
        <form onSubmit={submit}>
          <label>職員番号<input name="operatorId" autoComplete="username" value={operatorId} onChange={(e) => setOperatorId(e.target.value)} /></label>
          <label>パスワード<input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
          <button className="primary big wide" type="submit" disabled={busy === 'signin'}>{busy === 'signin' ? '確認しています…' : 'サインイン'}</button>
        </form>
      </section>
    </main>
  );
}

function Day() {
  const { day, dayDate, loadDay } = useConsole();
  return (
    <section aria-label="一日の記録">
      <div className="row">
        <label className="inline">日付<input type="date" value={dayDate} onChange={(e) => void loadDay(e.target.value)} /></label>
      </div>
      {day ? <DayTables day={day} /> : <p className="empty">読み込んでいます…</p>}
    </section>
  );
}

function DayTables({ day }: { day: DayView }) {
  const kinds = Object.entries(day.countsByKind) as [keyof typeof certificateKindLabel, { requests: number; copies: number; handedOver: number }][];
  return (
    <>
      <h2 className="section">証明書の種類ごとの件数</h2>
      <table className="requests counts">
        <thead><tr><th>証明書</th><th>請求</th><th>通数</th><th>交付済み</th></tr></thead>
        <tbody>
          {kinds.length === 0 ? (
            <tr><td colSpan={4}>この日の請求はありません。</td></tr>
          ) : (
            kinds.map(([k, c]) => <tr key={k}><td>{certificateKindLabel[k]}</td><td>{c.requests}件</td><td>{c.copies}通</td><td>{c.handedOver}件</td></tr>)
          )}
        </tbody>
      </table>
      <h2 className="section">すべての請求（{day.requests.length}件）</h2>
      <table className="requests">
        <thead><tr><th>受付</th><th>車両</th><th>証明書</th><th>いまの段階</th><th>対応した職員</th><th>経過</th></tr></thead>
        <tbody>
          {day.requests.map((r) => (
            <tr key={r.requestId}>
              <td className="num">{r.number}</td>
              <td>{r.vehicleId}</td>
              <td>{certificateKindLabel[r.kind]} {r.copies}通</td>
              <td><span className="step">{requestStepLabel[r.step]}</span></td>
              <td>受付 {r.staffId}{r.decidedBy ? `／${r.decision === 'approved' ? '承認' : '却下'} ${r.decidedBy}` : ''}</td>
              <td className="history">{r.history.map((h) => `${time(h.at)} ${requestStepLabel[h.step]}（${h.actor}）`).join(' → ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * What a notice from the hub does to the queue: a new arrival is counted (the list does not move under
 * the clerk) unless the list is empty; a change to a request already listed reads the page again in place.
 */
function onHubEvent(e: ConsoleEvent) {
  const { queue, loadQueue, countFresh, loadDay, tab } = useConsole.getState();
  if (e.type === 'request.relayed' && queue && queue.requests.length > 0) void countFresh();
  else if (e.type !== 'dead_letter') void loadQueue();
  if (tab === 'day') void loadDay();
}

function Shell() {
  const { session, tab, setTab, setDesk, signOut, live, setLive, loadQueue, queue, filters } = useConsole();
  const decides = session?.role === 'operator';
  useEffect(() => {
    // An admin creates accounts and does not decide certificates: the hub refuses it the queue.
    if (!decides) return;
    void loadQueue();
    return watchHub(onHubEvent, setLive);
  }, [decides, loadQueue, setLive]);
  if (!session) return null;
  // The tab counts what waits only while the list shows the whole queue (a search narrows the list, not the work).
  const unfiltered = filters.step === 'relayed' && !filters.vehicle && !filters.day && !filters.kind && !filters.number;
  const waiting = (unfiltered ? (queue?.total ?? 0) : 0) + (queue?.reprints.length ?? 0);
  return (
    <>
      <header className="top compact">
        <h1 className="brand"><small>お出かけ市役所</small>証明書発行</h1>
        <nav className="tabs">
          <button className={tab === 'queue' ? 'tab on' : 'tab'} onClick={() => setTab('queue')}>承認待ち{waiting > 0 ? `（${waiting}）` : ''}</button>
          <button className={tab === 'day' ? 'tab on' : 'tab'} onClick={() => setTab('day')}>一日の記録</button>
        </nav>
        <span className={`relay ${live ? 'online' : 'offline'}`}><span className="dot" />{live ? '自動更新中' : '再接続しています'}</span>
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('dispatch')}>訪問予約へ</button>}
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('records')}>実績へ</button>}
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('admin')}>管理へ</button>}
        <span className="who">{session.displayName}（{operatorRoleLabel[session.role]}）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main className={tab === 'queue' ? 'queue-main' : undefined}>
        <Banners />
        {!decides ? (
          <p className="empty">証明書の承認・却下は証明書担当の仕事です。管理者のアカウントでは行えません。</p>
        ) : tab === 'queue' ? <Queue /> : <Day />}
      </main>
    </>
  );
}

function App() {
  const { session, checkingSession, restore, desk } = useConsole();
  useEffect(() => {
    void restore();
  }, [restore]);
  if (checkingSession) return <main><p className="empty">読み込んでいます…</p></main>;
  if (!session) return <SignIn />;
  // Consultants work the video consultation desk, dispatchers the visit bookings, operators the
  // certificate console, planning staff the records, the tax department the り災証明書 queue; admins
  // reach the bookings, the records, the certificate console and their own screens (the disasters
  // among them), never the consultation desk nor the り災 applications.
  if (session.role === 'consultant') return <ConsultantDesk />;
  if (session.role === 'dispatcher' || (session.role === 'admin' && desk === 'dispatch')) return <DispatchConsole />;
  if (session.role === 'planning' || (session.role === 'admin' && desk === 'records')) return <RecordsConsole />;
  if (session.role === 'admin' && desk === 'admin') return <AdminConsole />;
  if (session.role === 'tax') return <RisaiConsole />;
  return <Shell />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
