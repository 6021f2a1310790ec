// Today's requests, and what is to be done on the next visit.
import type { RequestStep } from '../../../protocol/domain';
import { certificateKindLabel, requestStepLabel } from '../../../protocol/labels';
import { useStaff } from '../staff-store';
import { time, yen } from './format';
import { Banner } from './ui';

const stepClass = (step: RequestStep) => (step === 'cancelled' || step === 'rejected' ? 'stopped' : step === 'handed_over' ? 'done' : 'active');

export function ListView() {
  const { requests, go } = useStaff();
  const outingOpen = useStaff((s) => s.outingDesk?.open !== null && s.outingDesk?.open !== undefined);
  return (
    <main>
      <div className="row space">
        <h1>本日の受付</h1>
        <div className="row">
          <button className="secondary big" onClick={() => void go({ name: outingOpen ? 'tally' : 'outing' })}>
            {outingOpen ? '集計・販売' : '運行を開始'}
          </button>
          <button className="secondary big" onClick={() => void go({ name: 'visits' })}>
            本日の訪問
          </button>
          <button className="secondary big" onClick={() => void go({ name: 'consult' })}>
            ビデオ相談
          </button>
          <button className="secondary big" onClick={() => void go({ name: 'link' })}>
            マイナ保険証の紐付け
          </button>
          <button className="secondary big" onClick={() => void go({ name: 'risai' })}>
            り災証明書の申請
          </button>
          <button className="primary big" onClick={() => void go({ name: 'new' })}>
            ＋ 新しい受付
          </button>
        </div>
      </div>
      <Banner />
      <NextVisitList />
      {requests.length === 0 ? (
        <p className="empty">本日の受付はまだありません。</p>
      ) : (
        <table className="requests">
          <thead>
            <tr>
              <th>受付番号</th>
              <th>証明書</th>
              <th>通数</th>
              <th>手数料</th>
              <th>段階</th>
              <th>受付時刻</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((r) => (
              <tr key={r.id} onClick={() => void go({ name: 'request', id: r.id })} data-request-number={r.number}>
                <td className="num">{r.number}</td>
                <td>{certificateKindLabel[r.kind]}</td>
                <td>{r.copies}通</td>
                <td>{yen(r.feeYen)}</td>
                <td>
                  <span className={`step ${stepClass(r.step)}`}>{requestStepLabel[r.step]}</span>
                </td>
                <td>{time(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function NextVisitList() {
  const { nextVisit, finishNextVisitTask } = useStaff();
  if (nextVisit.length === 0) return null;
  return (
    <section className="card" aria-label="次回の訪問で行うこと" data-testid="next-visit">
      <h2>次回の訪問で行うこと（{nextVisit.length}件）</h2>
      <ul className="tasks">
        {nextVisit.map((t) => (
          <li key={t.id} className="row space">
            <span>
              マイナ保険証の紐付け：{t.name} 様（{t.phone}）
            </span>
            <button
              className="secondary"
              onClick={() => void finishNextVisitTask(t.id)}
            >
              済み
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
