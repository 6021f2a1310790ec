// The resident-facing screen: their request in large type and one big button. Nothing else —
// no staff controls, nothing to get lost in.
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { ResidentView } from '../../protocol/request';
import { connectFromPage, CallError } from './client';

const client = connectFromPage();
const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;

function App() {
  const [view, setView] = useState<ResidentView | null>(null);
  const [thanks, setThanks] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    const off = client.on('residentView', (v) => {
      setView(v);
      setProblem(null);
      if (v) setThanks(false);
    });
    const offConn = client.onConnection((connected) => {
      if (connected) void client.call('getResidentView', {}).then(setView).catch(() => undefined);
    });
    void client.call('getResidentView', {}).then(setView).catch(() => undefined);
    return () => {
      off();
      offConn();
    };
  }, []);

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

  if (thanks) {
    return (
      <main className="resident center">
        <p className="huge">ありがとうございました。</p>
        <p className="large">職員が手続きを進めます。このままお待ちください。</p>
      </main>
    );
  }
  if (!view) {
    return (
      <main className="resident center">
        <p className="huge">いわき市 お出かけ市役所</p>
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
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
