// 締め（日計表）: ending an outing closes its money. Staff count the cash by denomination (big buttons
// and big numbers, one hand), see the expected cash, the count and the difference as they go, give the
// reason when they differ, and enter the payment terminal's own daily total per cashless method. The
// close is computed by the same rule the terminal core and city hall apply. Works offline.
import { useState } from 'react';
import {
  CASHLESS_METHODS, closeProblems, computeClose, DENOMINATIONS, denominationLabel, moneyItemLabel, moneyKindLabel,
  type CashCount, type CashlessMethod, type Denomination, type TerminalTotals,
} from '../../../protocol/daily-close';
import { paymentMethodLabel } from '../../../protocol/domain';
import type { OutingView } from '../../../protocol/outings';
import { useStaff } from '../staff-store';
import { yen } from './format';
import { outingTitle } from './outing';
import { Banner, FieldError } from './ui';

const zeroCount = Object.fromEntries(DENOMINATIONS.map((d) => [d, 0])) as unknown as CashCount;
const zeroTotals: TerminalTotals = { credit_card: 0, electronic_money: 0, qr_code: 0 };
/** Full-width digits typed on a Japanese keyboard count too. */
const toCount = (text: string) => {
  const n = Number.parseInt(text.normalize('NFKC').replace(/[^0-9]/g, ''), 10);
  return Number.isFinite(n) ? Math.min(n, 99_999) : 0;
};
const signed = (n: number) => (n === 0 ? '0円' : `${n > 0 ? '＋' : '−'}${yen(Math.abs(n))}`);

function DenominationRow({ d, count, onChange }: { d: Denomination; count: number; onChange: (n: number) => void }) {
  return (
    <div className="denomination" data-denomination={d}>
      <span className="name">{denominationLabel[d]}</span>
      <button type="button" className="tally-minus small" aria-label={`${denominationLabel[d]}を1枚減らす`} disabled={count === 0} onClick={() => onChange(Math.max(0, count - 1))}>
        −
      </button>
      <input
        className="big-input count"
        inputMode="numeric"
        aria-label={`${denominationLabel[d]}の枚数`}
        value={String(count)}
        onFocus={(e) => e.target.select()}
        onChange={(e) => onChange(toCount(e.target.value))}
      />
      <button type="button" className="tally-plus small" aria-label={`${denominationLabel[d]}を1枚増やす`} onClick={() => onChange(Math.min(99_999, count + 1))}>
        ＋
      </button>
      <span className="subtotal">{yen(d * count)}</span>
    </div>
  );
}

export function OutingClose() {
  const { outingDesk, endOuting, go, busy, clearField } = useStaff();
  const [counted, setCounted] = useState<CashCount>(zeroCount);
  const [terminal, setTerminal] = useState<Record<CashlessMethod, string>>({ credit_card: '', electronic_money: '', qr_code: '' });
  const [reason, setReason] = useState('');
  const outing: OutingView | null = outingDesk?.open ?? null;
  if (!outing) {
    return (
      <main>
        <h1>運行の締め</h1>
        <Banner />
        <p className="lead">運行中ではありません。</p>
        <button className="secondary xl" onClick={() => void go({ name: 'outing' })}>運行の画面へ</button>
      </main>
    );
  }
  const terminalTotals: TerminalTotals = { ...zeroTotals, ...Object.fromEntries(CASHLESS_METHODS.map((m) => [m, toCount(terminal[m])])) };
  const totals = computeClose(outing.money, { counted, terminalTotals });
  const diff = totals.cash.differenceYen;
  const needsReason = closeProblems(totals, { reason: reason.trim() === '' ? null : reason }).length > 0;
  const setCount = (d: Denomination, n: number) => {
    clearField(`counted.${d}`);
    setCounted((c) => ({ ...c, [d]: n }));
  };
  return (
    <main className="outing-close" data-testid="outing-close">
      <h1>運行の締め（日計表）</h1>
      <Banner />
      <p className="lead">
        {outingTitle(outing)}　乗車：{outing.staff.map((s) => s.name).join('、')}
      </p>

      <section className="close-money" data-testid="close-by-item">
        <h2>手数料・物品（種類・支払方法別）</h2>
        {totals.byItem.length === 0 ? (
          <p className="lead">この運行の入金・返金はありません。</p>
        ) : (
          <table className="close-table">
            <thead>
              <tr><th>種類</th><th>支払方法</th><th>件数</th><th>金額</th></tr>
            </thead>
            <tbody>
              {totals.byItem.map((g) => (
                <tr key={`${g.kind}-${g.item}-${g.method}`} className={g.kind === 'refund' ? 'refund' : undefined}>
                  <td>{g.kind === 'fee' ? moneyItemLabel(g) : `${moneyKindLabel[g.kind]}：${moneyItemLabel(g)}`}</td>
                  <td>{paymentMethodLabel[g.method]}</td>
                  <td>{g.count}件</td>
                  <td>{g.kind === 'refund' ? `−${yen(g.amountYen)}` : yen(g.amountYen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="close-cash">
        <h2>現金を数える（釣銭準備金は別にしてください）</h2>
        <div className="denominations">
          {DENOMINATIONS.map((d) => (
            <DenominationRow key={d} d={d} count={counted[d]} onChange={(n) => setCount(d, n)} />
          ))}
        </div>
      </section>

      <section className="close-summary" data-testid="close-summary" aria-live="polite">
        <div className="figure"><span>計算上の現金</span><strong data-testid="close-expected">{yen(totals.cash.expectedYen)}</strong></div>
        <div className="figure"><span>数えた現金</span><strong data-testid="close-counted">{yen(totals.cash.countedYen)}</strong></div>
        <div className={diff === 0 ? 'figure ok' : 'figure off'}>
          <span>過不足</span>
          <strong data-testid="close-difference">{signed(diff)}</strong>
        </div>
        <p className="note">
          お預かり {yen(totals.cash.receivedYen)} − おつり {yen(totals.cash.changeYen)}
          {totals.cash.refundsYen > 0 ? ` − 返金 ${yen(totals.cash.refundsYen)}` : ''}
        </p>
      </section>

      {diff !== 0 && (
        <section className="close-reason">
          <h2>過不足の理由（必ず入力）</h2>
          <textarea
            className="big-input"
            aria-label="過不足の理由"
            rows={2}
            maxLength={200}
            value={reason}
            placeholder="例：おつりの渡し間違い（100円多く渡した）"
            onChange={(e) => (clearField('reason'), setReason(e.target.value))}
          />
          <FieldError path="reason" />
        </section>
      )}

      <section className="close-cashless" data-testid="close-cashless">
        <h2>キャッシュレス（決済端末の日計票と照合）</h2>
        {totals.cashless.map((c) => (
          <div className="cashless-row" key={c.method} data-method={c.method}>
            <span className="name">{paymentMethodLabel[c.method]}</span>
            <span>記録 {c.count}件 {yen(c.amountYen)}</span>
            <label>
              端末の日計
              <input
                className="big-input"
                inputMode="numeric"
                aria-label={`${paymentMethodLabel[c.method]}の端末の日計額`}
                value={terminal[c.method]}
                placeholder="0"
                onChange={(e) => (clearField(`terminalTotals.${c.method}`), setTerminal((t) => ({ ...t, [c.method]: e.target.value })))}
              />
              円
            </label>
            <span className={c.differenceYen === 0 ? 'diff ok' : 'diff off'}>差 {signed(c.differenceYen)}</span>
            <FieldError path={`terminalTotals.${c.method}`} />
          </div>
        ))}
      </section>

      <div className="row">
        <button
          className="primary xl"
          disabled={busy || needsReason}
          onClick={() => void endOuting({ counted, reason: reason.trim() === '' ? null : reason.trim(), terminalTotals })}
        >
          締めて運行を終了
        </button>
        <button className="secondary xl" onClick={() => void go({ name: 'outing' })}>
          戻る
        </button>
      </div>
      {needsReason && <p className="lead">現金に過不足があります。理由を入力すると締められます。</p>}
    </main>
  );
}
