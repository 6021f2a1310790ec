// 保留メッセージ: vehicle messages the hub could not apply and set aside — which vehicle, when, why, and
// the message itself — and what became of each (resolved: it leaves the list; the audit log keeps it).
import { useState } from 'react';
import { deadLetterResolutionLabel, deadLetterResolutions, type AdminDeadLetter, type DeadLetterResolution } from '../../../protocol/console-api';
import { useConsole } from '../store';
import { adminApi, dateTime } from './api';
import { useAdminList } from './use-admin-list';
import { ListHeading } from './list-heading';

const fetchDeadLetters = async () => (await adminApi.deadLetters()).deadLetters;

function DeadLetterCard({ item, resolved }: { item: AdminDeadLetter; resolved: () => void }) {
  const { tell, report } = useConsole();
  const [resolution, setResolution] = useState<DeadLetterResolution | ''>('');
  const resolve = async () => {
    if (!resolution) return;
    try {
      await adminApi.resolveDeadLetter(item.id, resolution);
      tell(`保留メッセージ ${item.id} を処理済みにしました（${deadLetterResolutionLabel[resolution]}）。`);
      resolved();
    } catch (e) {
      report(e);
    }
  };
  return (
    <article className="card dead-letter" data-dead-letter-id={item.id} aria-label={`保留メッセージ ${item.id}`}>
      <header className="row space">
        <h3>No.{item.id}　車両 {item.vehicleId}　<span className="code">{item.code}</span></h3>
        <span className="muted">{dateTime(item.receivedAt)} 受信</span>
      </header>
      <p className="why"><strong>理由：</strong>{item.reason}</p>
      <p className="muted">問題の箇所：{item.problem || '—'}{item.idempotencyKey ? `　識別キー：${item.idempotencyKey}` : ''}</p>
      <details>
        <summary>届いた内容を見る（個人の情報を含むことがあります）</summary>
        <pre className="payload">{item.payload}</pre>
      </details>
      <div className="row">
        <label className="inline">
          処理
          <select value={resolution} onChange={(e) => setResolution(e.target.value as DeadLetterResolution | '')}>
            <option value="">選んでください</option>
            {deadLetterResolutions.map((r) => <option key={r} value={r}>{deadLetterResolutionLabel[r]}</option>)}
          </select>
        </label>
        <button className="primary small" disabled={!resolution} onClick={() => void resolve()}>処理済みにする</button>
      </div>
    </article>
  );
}

export function DeadLetters() {
  const { items, load } = useAdminList<AdminDeadLetter>(fetchDeadLetters);
  if (!items) return <p className="empty">読み込んでいます…</p>;
  return (
    <section aria-label="保留メッセージ">
      <ListHeading title={`保留メッセージ（${items.length}件）`} onReload={() => void load()} />
      <p className="muted">車両から届いたが市役所で反映できず、脇に置いたメッセージです。内容と理由を確かめ、車両の職員と連絡を取ってから処理済みにしてください。</p>
      {items.length === 0 ? <p className="empty card">保留メッセージはありません。</p> : items.map((d) => <DeadLetterCard key={d.id} item={d} resolved={() => void load()} />)}
    </section>
  );
}
