// What needs staff now, above every screen: printer jobs to fix or check, city hall's questions.
import { useState } from 'react';
import type { PrintJobSummary } from '../../../protocol/ipc';
import { useStaff } from '../staff-store';

function PrintJobAttention({ job }: { job: PrintJobSummary }) {
  const { resumePrinting, resolvePrintJob } = useStaff();
  const [reason, setReason] = useState('');
  const what = job.kind === 'certificate' ? '証明書（A4プリンター）' : '領収書（レシートプリンター）';
  return (
    <div className="card attention" role="alert" data-testid={`print-attention-${job.state}`}>
      <h2>{job.state === 'held' ? `${what}: 印刷を止めています` : `${what}: 印刷できたか確認してください`}</h2>
      <p>{job.staffMessage}</p>
      {job.state === 'held' ? (
        <button className="primary big" onClick={() => void resumePrinting(job.kind)}>
          直したので印刷を再開する
        </button>
      ) : (
        <div className="row">
          <button className="primary big" onClick={() => void resolvePrintJob(job.id, 'printed')}>
            印刷されていた
          </button>
          <label className="grow">
            再印刷の理由
            <input name={`reprintReason-${job.id}`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="例: 用紙が詰まって出てこなかった" />
          </label>
          <button className="secondary big" onClick={() => void resolvePrintJob(job.id, 'reprint', reason)}>
            {job.kind === 'certificate' ? '再印刷を依頼（市役所の承認）' : '再発行する'}
          </button>
        </div>
      )}
    </div>
  );
}

export function Questions() {
  const { questions, markQuestionSeen, go } = useStaff();
  if (questions.length === 0) return null;
  return (
    <section className="attention-list" aria-label="市役所からの質問">
      {questions.map((q) => (
        <div className="card question" key={q.seq} role="alert" data-testid="hub-question">
          <h2>市役所からの質問（受付番号 {q.number}）</h2>
          <p className="question-text">{q.text}</p>
          <div className="row">
            <button className="secondary" onClick={() => void go({ name: 'request', id: q.requestId })}>
              受付を開く
            </button>
            <button
              className="primary"
              onClick={() => void markQuestionSeen(q.seq)}
            >
              確認した（電話などで回答）
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}

export function PrintAttention() {
  const jobs = useStaff((s) => s.printAttention);
  if (jobs.length === 0) return null;
  return (
    <section className="attention-list" aria-label="プリンターの確認">
      {jobs.map((j) => (
        <PrintJobAttention key={j.id} job={j} />
      ))}
    </section>
  );
}
