// The operator console (市役所の証明書担当): sign in, work the live queue of relayed requests,
// decide reprints, and look back over the day.
import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { type DayView, type QueueItem, type RegistryMatchView, type ReprintItem } from '../../protocol/console-api';
import { certificateKindLabel, idDocumentLabel, requesterRelationLabel, requestStepLabel } from '../../protocol/labels';
import { watchHub } from './api';
import { ConsultantDesk } from './desk';
import { DispatchConsole } from './dispatch/dispatch-console';
import { RecordsConsole } from './records/records-console';
import { RisaiConsole } from './risai/risai-console';
import { useConsole } from './store';
import { operatorRoleLabel } from '../../protocol/roles';
import { Banner } from './banner';


const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });

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

function RegistryBadge({ match }: { match: RegistryMatchView }) {
  switch (match.status) {
    case 'found':
      return <span className="badge ok">住民記録：該当あり（{match.residentId}）</span>;
    case 'not_found':
      return <span className="badge bad">住民記録：該当なし</span>;
    case 'ambiguous':
      return <span className="badge warn">住民記録：{match.candidates}人が該当（特定できません）</span>;
    case 'unavailable':
      return <span className="badge warn">住民記録：照会できません</span>;
  }
}

function RequestCard({ item }: { item: QueueItem }) {
  const { approve, reject, ask, busy } = useConsole();
  const [mode, setMode] = useState<'none' | 'reject' | 'ask'>('none');
  const [text, setText] = useState('');
  const label = `受付 ${item.number}`;
  const kind = certificateKindLabel[item.kind];
  const sending = busy?.endsWith(item.requestId) ?? false;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = mode === 'reject' ? await reject(item.requestId, text, label) : await ask(item.requestId, text, label);
    if (ok) {
      setMode('none');
      setText('');
    }
  };
  return (
    <article className="card request" data-request-id={item.requestId} aria-label={`${label} ${kind}`}>
      <header className="row space">
        <h2><span className="num">{item.number}</span> {kind} <span className="copies-label">{item.copies}通</span></h2>
        <span className="muted">車両 {item.vehicleId}・{time(item.receivedAt)} 受信</span>
      </header>
      <dl className="facts">
        <dt>対象の方</dt>
        <dd><strong className="person">{item.subjectName}</strong>（{item.subjectKana}）</dd>
        <dt>請求者</dt>
        <dd>{requesterRelationLabel[item.requesterRelation]}{item.requesterRelation === 'proxy' ? (item.letterOfProxy ? '・委任状あり' : '・委任状なし') : ''}</dd>
        {item.details.length > 0 && (<><dt>記載事項</dt><dd>{item.details.join('／')}</dd></>)}
        <dt>本人確認</dt>
        <dd>
          {item.identity
            ? item.identity.map((d) => `${idDocumentLabel[d.kind]}${d.last4 ? `（番号下4桁 ${d.last4}）` : ''}`).join('、')
            : '記録なし'}
        </dd>
        <dt>照合</dt>
        <dd><RegistryBadge match={item.registry} /></dd>
        <dt>手数料</dt>
        <dd>{item.feeYen.toLocaleString('ja-JP')}円（車両で収納）・受付職員 {item.staffId}</dd>
      </dl>
      {item.questions.length > 0 && (
        <ul className="questions">
          {item.questions.map((q, i) => <li key={i}>質問済み（{time(q.askedAt)}・{q.operatorId}）：{q.text}</li>)}
        </ul>
      )}
      {mode === 'none' ? (
        <div className="row actions">
          <button className="primary big" disabled={sending || item.registry.status !== 'found'} onClick={() => void approve(item.requestId, label)}>
            {busy === `approve:${item.requestId}` ? '証明書を作成しています…' : '承認して印刷へ送る'}
          </button>
          <button className="danger" disabled={sending} onClick={() => setMode('reject')}>却下する</button>
          <button className="secondary" disabled={sending} onClick={() => setMode('ask')}>車両に質問する</button>
          {item.registry.status !== 'found' && <p className="hint">住民記録で本人を特定できないため承認できません。車両に質問するか、却下してください。</p>}
        </div>
      ) : (
        <form className="reason" onSubmit={(e) => void submit(e)}>
          <label>
            {mode === 'reject' ? '却下の理由（車両の職員に表示されます）' : '車両への質問'}
            <textarea name={mode === 'reject' ? 'reason' : 'question'} rows={2} value={text} onChange={(e) => setText(e.target.value)} maxLength={mode === 'reject' ? 200 : 500} />
          </label>
          <div className="row">
            <button className={mode === 'reject' ? 'danger filled' : 'primary'} type="submit" disabled={sending || text.trim() === ''}>
              {mode === 'reject' ? '却下を確定する' : '質問を送る'}
            </button>
            <button className="secondary" type="button" onClick={() => { setMode('none'); setText(''); }}>やめる</button>
          </div>
        </form>
      )}
    </article>
  );
}

function ReprintCard({ item }: { item: ReprintItem }) {
  const { decideReprint, busy } = useConsole();
  const label = `受付 ${item.number}`;
  const sending = busy === `reprint:${item.id}`;
  return (
    <article className="card reprint" data-reprint-id={item.id}>
      <h2>再印刷の依頼：<span className="num">{item.number}</span> {certificateKindLabel[item.kind]}</h2>
      <p>車両 {item.vehicleId}・職員 {item.staffId}・{time(item.requestedAt)}<br />理由：{item.reason}</p>
      <div className="row actions">
        <button className="primary" disabled={sending} onClick={() => void decideReprint(item.vehicleId, item.id, true, label)}>再印刷を承認する</button>
        <button className="danger" disabled={sending} onClick={() => void decideReprint(item.vehicleId, item.id, false, label)}>認めない</button>
      </div>
    </article>
  );
}

function Queue() {
  const { queue } = useConsole();
  if (!queue) return <p className="empty">読み込んでいます…</p>;
  return (
    <>
      {queue.reprints.length > 0 && (
        <section aria-label="再印刷の依頼">
          {queue.reprints.map((r) => <ReprintCard key={`${r.vehicleId}/${r.id}`} item={r} />)}
        </section>
      )}
      <section aria-label="承認待ちの請求">
        <h2 className="section">承認待ち {queue.requests.length}件</h2>
        {queue.requests.length === 0 ? (
          <p className="empty card">いま承認を待っている請求はありません。車両から届くと、ここに自動で表示されます。</p>
        ) : (
          queue.requests.map((r) => <RequestCard key={r.requestId} item={r} />)
        )}
      </section>
    </>
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

function Shell() {
  const { session, tab, setTab, setDesk, signOut, live, setLive, loadQueue, loadDay, queue } = useConsole();
  useEffect(() => {
    void loadQueue();
    // The hub says what changed; the screen re-reads the queue (and the day view when open).
    return watchHub(() => {
      void loadQueue();
      if (useConsole.getState().tab === 'day') void loadDay();
    }, setLive);
  }, [loadQueue, loadDay, setLive]);
  if (!session) return null;
  const waiting = (queue?.requests.length ?? 0) + (queue?.reprints.length ?? 0);
  return (
    <>
      <header className="top">
        <strong className="brand">お出かけ市役所 証明書発行</strong>
        <nav className="tabs">
          <button className={tab === 'queue' ? 'tab on' : 'tab'} onClick={() => setTab('queue')}>承認待ち{waiting > 0 ? `（${waiting}）` : ''}</button>
          <button className={tab === 'day' ? 'tab on' : 'tab'} onClick={() => setTab('day')}>一日の記録</button>
        </nav>
        <span className={`relay ${live ? 'online' : 'offline'}`}><span className="dot" />{live ? '自動更新中' : '再接続しています'}</span>
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('dispatch')}>訪問予約へ</button>}
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('records')}>実績へ</button>}
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('risai')}>り災証明書へ</button>}
        <span className="who">{session.displayName}（{operatorRoleLabel[session.role]}）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main>
        <Banners />
        {tab === 'queue' ? <Queue /> : <Day />}
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
  // certificate console, planning staff the records; admins reach all but the first.
  if (session.role === 'consultant') return <ConsultantDesk />;
  if (session.role === 'dispatcher' || (session.role === 'admin' && desk === 'dispatch')) return <DispatchConsole />;
  if (session.role === 'planning' || (session.role === 'admin' && desk === 'records')) return <RecordsConsole />;
  if (session.role === 'tax' || (session.role === 'admin' && desk === 'risai')) return <RisaiConsole />;
  return <Shell />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
