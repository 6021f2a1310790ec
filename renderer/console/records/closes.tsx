// 日計表 at city hall: the vehicles' daily closes of a month — each with its cash difference and the
// reason staff gave — and the month's fees by kind and method (cash against each cashless method,
// refunds apart). Amounts only: no resident appears here.
import { useEffect, useState } from 'react';
import type { ClosesMonthView } from '../../../protocol/console-api';
import { moneyKindLabel } from '../../../protocol/daily-close';
import { paymentMethodLabel } from '../../../protocol/labels';
import { ApiError } from '../api';
import { closesApi } from './closes-api';

const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const signed = (n: number) => (n === 0 ? '0円' : `${n > 0 ? '＋' : '−'}${yen(Math.abs(n))}`);
const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo' });

/** This month in Tokyo, 'YYYY-MM'. */
function thisMonth(): string {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 7);
}

/** The months a clerk picks from, newest first: this one and the 35 before it, named as the city writes them. */
export function monthChoices(current: string, count = 36): { value: string; label: string }[] {
  const [y, m] = current.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const index = y * 12 + (m - 1) - i;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    return { value: `${year}-${String(month).padStart(2, '0')}`, label: `${year}年${month}月` };
  });
}

export function ClosesPanel({ initialMonth }: { initialMonth?: string }) {
  const [month, setMonth] = useState(initialMonth ?? thisMonth());
  const [view, setView] = useState<ClosesMonthView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setError(null);
    closesApi
      .month(month)
      .then((v) => current && setView(v))
      .catch((e: unknown) => current && setError(e instanceof ApiError ? e.message : '日計を読み込めませんでした。'));
    return () => {
      current = false;
    };
  }, [month]);
  return (
    <section className="closes" data-testid="closes-panel">
      <h2>日計表（運行ごとの締め）</h2>
      <label className="month">
        月
        <select value={month} aria-label="月" onChange={(e) => setMonth(e.target.value)}>
          {monthChoices(thisMonth()).map((c) => (
            <option key={c.value} value={c.value}>{c.label}</option>
          ))}
        </select>
      </label>
      {error && <p className="banner error" role="alert">{error}</p>}
      {!view ? (
        !error && <p className="empty">読み込んでいます…</p>
      ) : (
        <>
          {view.closes.length === 0 ? (
            <p className="empty">{view.month} の締めはまだありません。</p>
          ) : (
            <table className="requests closes-list">
              <thead>
                <tr>
                  <th>日付</th><th>車両</th><th>締め</th><th>手数料</th><th>物品</th><th>返金</th><th>現金（計算）</th><th>現金（実査）</th><th>過不足</th><th>理由</th><th>キャッシュレス（端末との差）</th>
                </tr>
              </thead>
              <tbody>
                {view.closes.map((c) => (
                  <tr key={c.outingId} data-outing={c.outingId} className={c.differenceYen !== 0 ? 'off' : undefined}>
                    <td>{c.date}</td>
                    <td>{c.vehicleId}</td>
                    <td>{time(c.closedAt)}　{c.closedBy}</td>
                    <td className="num">{yen(c.feesYen)}</td>
                    <td className="num">{yen(c.goodsYen)}</td>
                    <td className="num">{c.refundsYen ? `−${yen(c.refundsYen)}` : '—'}</td>
                    <td className="num">{yen(c.expectedYen)}</td>
                    <td className="num">{yen(c.countedYen)}</td>
                    <td className="num diff">{signed(c.differenceYen)}</td>
                    <td>{c.reason ?? ''}</td>
                    <td>
                      {c.cashless.filter((x) => x.count > 0 || x.terminalYen > 0).map((x) => `${paymentMethodLabel[x.method]} ${yen(x.amountYen)}（${signed(x.differenceYen)}）`).join('、') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>{view.month} の手数料・物品（種類・支払方法別）</h2>
          {view.summary.length === 0 ? (
            <p className="empty">この月の入金はありません。</p>
          ) : (
            <table className="requests fee-summary" data-testid="fee-summary">
              <thead>
                <tr><th>区分</th><th>種類</th><th>支払方法</th><th>件数</th><th>数量</th><th>金額</th></tr>
              </thead>
              <tbody>
                {view.summary.map((r) => (
                  <tr key={`${r.kind}-${r.item}-${r.method}`} data-kind={r.kind} data-method={r.method}>
                    <td>{moneyKindLabel[r.kind]}</td>
                    <td>{r.label}</td>
                    <td>{paymentMethodLabel[r.method]}</td>
                    <td className="num">{r.count}件</td>
                    <td className="num">{r.quantity}</td>
                    <td className="num">{r.kind === 'refund' ? `−${yen(r.amountYen)}` : yen(r.amountYen)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                {view.byMethod.filter((m) => m.count > 0 || m.refundsYen > 0).map((m) => (
                  <tr key={m.method} data-total-method={m.method}>
                    <th colSpan={3}>{paymentMethodLabel[m.method]} 計</th>
                    <td className="num">{m.count}件</td>
                    <td />
                    <td className="num">{yen(m.amountYen)}{m.refundsYen ? `（返金 −${yen(m.refundsYen)}）` : ''}</td>
                  </tr>
                ))}
                <tr>
                  <th colSpan={3}>合計（手数料 {yen(view.totals.feesYen)}・物品 {yen(view.totals.goodsYen)}）</th>
                  <td colSpan={2}>過不足 {signed(view.totals.differenceYen)}</td>
                  <td className="num">{yen(view.totals.feesYen + view.totals.goodsYen)}{view.totals.refundsYen ? `（返金 −${yen(view.totals.refundsYen)}）` : ''}</td>
                </tr>
              </tfoot>
            </table>
          )}
        </>
      )}
    </section>
  );
}
