// コールバック一覧: the residents to call — changes and cancellations made here, the reminder the day
// before a visit, and the vehicles' follow-ups — each with its 完了 button.
import { noticeKindLabel } from '../../../protocol/bookings';
import { formatPhone } from './booking-form-model';
import { useDispatch } from './store';

const when = (iso: string) => new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function CallbackList() {
  const { callbacks, markCallbackDone, show } = useDispatch();
  if (!callbacks) return <p className="empty">読み込んでいます…</p>;
  return (
    <section aria-label="コールバック一覧">
      <h2 className="section">お電話する方 {callbacks.length}件</h2>
      {callbacks.length === 0 ? (
        <p className="empty card">いまお電話する方はいません。予約の変更・取消や前日のお知らせがあると、ここに表示されます。</p>
      ) : (
        <table className="requests callbacks">
          <thead><tr><th>内容</th><th>お名前</th><th>電話番号</th><th>お伝えすること</th><th>登録</th><th /></tr></thead>
          <tbody>
            {callbacks.map((c) => (
              <tr key={c.id} data-callback-id={c.id}>
                <td><span className="step">{noticeKindLabel[c.kind]}</span></td>
                <td className="person name">{c.name}</td>
                <td className="phone">{formatPhone(c.phone)}</td>
                <td className="message">
                  {c.message}
                  {c.bookingId && (
                    <><br /><button className="secondary small" onClick={() => show({ kind: 'detail', id: c.bookingId! })}>予約を見る</button></>
                  )}
                </td>
                <td className="at">{when(c.createdAt)}</td>
                <td className="done"><button className="primary" aria-label={`${c.name}様へのお電話を完了にする`} onClick={() => void markCallbackDone(c.id)}>完了</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
