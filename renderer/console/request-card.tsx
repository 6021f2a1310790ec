// One relayed request in the queue's detail pane: who and what, the identity check, the registry match,
// the certificate as it will print (the 証明書担当 sees it before the approve button), and the
// decisions. A reprint request's card is here too.
import { useEffect, useState, type FormEvent } from 'react';
import type { CertificatePreview, QueueItem, RegistryMatchView, ReprintItem } from '../../protocol/console-api';
import { certificateKindLabel, idDocumentLabel, requesterRelationLabel } from '../../protocol/labels';
import { api, ApiError } from './api';
import { useConsole } from './store';

export const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });

export function RegistryBadge({ match }: { match: RegistryMatchView }) {
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

const PREVIEW_SETTLE_MS = 350;

/** After a decision the keys carry on in the list (the next request is already open). */
const backToList = () => document.querySelector<HTMLElement>('[data-testid="queue-list"]')?.focus();

type PreviewState = { status: 'loading' } | { status: 'ready'; preview: CertificatePreview } | { status: 'failed'; message: string };

/** The certificate's pages, drawn from the PDF the approval will issue. */
function usePreview(item: QueueItem, enabled: boolean): [PreviewState | null, () => void] {
  const [state, setState] = useState<PreviewState | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!enabled) {
      setState(null);
      return;
    }
    let live = true;
    setState({ status: 'loading' });
    // Drawn once the selection rests: moving down the list with the keys does not render (and audit
    // as read) every certificate passed on the way.
    const timer = setTimeout(() => {
      api.preview(item.requestId).then(
        (preview) => live && setState({ status: 'ready', preview }),
        (e: unknown) => live && setState({ status: 'failed', message: e instanceof ApiError ? e.message : '証明書の見本を表示できませんでした。' }),
      );
    }, PREVIEW_SETTLE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [item.requestId, enabled, round]);
  return [state, () => setRound((n) => n + 1)];
}

function PreviewPages({ state, retry }: { state: PreviewState; retry: () => void }) {
  if (state.status === 'loading') return <p className="preview-wait" role="status">印刷される証明書を作っています…</p>;
  if (state.status === 'failed') {
    return (
      <div className="preview-failed">
        <p className="hint">{state.message}</p>
        <button className="secondary small" onClick={retry}>もう一度表示する</button>
      </div>
    );
  }
  const { preview } = state;
  return (
    <>
      <p className="muted preview-note">
        印刷される証明書そのもの（発行番号 {preview.serial}・{preview.pages.length}枚）です。内容を確かめてから承認してください。
      </p>
      <div className="preview-pages" tabIndex={0} aria-label="証明書の見本">
        {preview.pages.map((p, i) => (
          <img key={i} src={`data:image/png;base64,${p.png}`} width={p.width} height={p.height} alt={`証明書の見本 ${i + 1}枚目`} data-testid="certificate-page" />
        ))}
      </div>
    </>
  );
}

export function RequestCard({ item, gone }: { item: QueueItem; gone: boolean }) {
  const { approve, reject, ask, busy, session } = useConsole();
  const [mode, setMode] = useState<'none' | 'reject' | 'ask'>('none');
  const [text, setText] = useState('');
  const label = `受付 ${item.number}`;
  const kind = certificateKindLabel[item.kind];
  const sending = busy?.endsWith(item.requestId) ?? false;
  const pending = item.step === 'relayed' && !gone;
  // Only the 証明書担当 is shown the certificate (it is personal data); they approve what they saw.
  const previews = session?.role === 'operator' && pending && item.registry.status === 'found';
  const [preview, retryPreview] = usePreview(item, previews);
  const seen = preview?.status === 'ready' ? preview.preview : null;
  useEffect(() => {
    setMode('none');
    setText('');
  }, [item.requestId]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = mode === 'reject' ? await reject(item.requestId, text, label) : await ask(item.requestId, text, label);
    if (ok) {
      setMode('none');
      setText('');
      if (mode === 'reject') backToList();
    }
  };
  const onApprove = async () => {
    const ok = await approve(item.requestId, label, seen ? { issuedAt: seen.issuedAt, sha256: seen.sha256 } : undefined);
    if (ok) backToList();
    // Refused because the certificate changed or the day turned: the preview is drawn again to look at.
    else if (previews) retryPreview();
  };
  return (
    <article className="card request" data-request-id={item.requestId} aria-label={`${label} ${kind}`}>
      <header className="row space">
        <h2><span className="num">{item.number}</span> {kind} <span className="copies-label">{item.copies}通</span></h2>
        <span className="muted">車両 {item.vehicleId}・{item.day}・{time(item.receivedAt)} 受信</span>
      </header>
      {gone && <p className="gone-note" role="status">この請求は一覧から外れました（ほかの職員が判断したか、検索の条件に合わなくなりました）。</p>}
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
      {previews && preview && (
        <section className="preview" aria-label="印刷される証明書">
          <h3>印刷される証明書</h3>
          <PreviewPages state={preview} retry={retryPreview} />
        </section>
      )}
      {!pending ? null : mode === 'none' ? (
        <div className="row actions">
          <button className="primary big" disabled={sending || item.registry.status !== 'found' || (previews && !seen)} onClick={() => void onApprove()}>
            {busy === `approve:${item.requestId}` ? '証明書を作成しています…' : '承認して印刷へ送る'}
          </button>
          <button className="danger" disabled={sending} onClick={() => setMode('reject')}>却下する</button>
          <button className="secondary" disabled={sending} onClick={() => setMode('ask')}>車両に質問する</button>
          {item.registry.status !== 'found' && <p className="hint">住民記録で本人を特定できないため承認できません。車両に質問するか、却下してください。</p>}
          {session?.role !== 'operator' && item.registry.status === 'found' && <p className="muted">印刷される証明書の見本は、証明書担当の職員だけに表示されます。</p>}
        </div>
      ) : (
        <form className="reason" onSubmit={(e) => void submit(e)}>
          <label>
            {mode === 'reject' ? '却下の理由（車両の職員に表示されます）' : '車両への質問'}
            <textarea name={mode === 'reject' ? 'reason' : 'question'} rows={2} value={text} onChange={(e) => setText(e.target.value)} maxLength={mode === 'reject' ? 200 : 500} autoFocus />
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

export function ReprintCard({ item }: { item: ReprintItem }) {
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
