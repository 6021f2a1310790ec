// 集計: the counts staff keep by hand during an outing — フレイル, スマホ市役所, マイナカード支援,
// 説明者数 — with big +1 / −1 buttons for one hand, and the ごみ処理券 sale with its receipt. Everything
// is recorded on the vehicle at once; no network needed.
import { useState } from 'react';
import { CASHLESS_OFFLINE_MESSAGE } from '../../../protocol/daily-close';
import { paymentMethodLabel, type PaymentMethod } from '../../../protocol/domain';
import { TALLY_KINDS, tallyKindLabel, type GoodsItem, type OutingView, type TallyKind } from '../../../protocol/outings';
import { useStaff } from '../staff-store';
import { yen } from './format';
import { OutingCounts, outingTitle } from './outing';
import { Banner, Choice, FieldError } from './ui';

function tallyValue(outing: OutingView, kind: TallyKind): number {
  return kind === 'explained' ? outing.counts.explained : outing.counts.services[kind];
}

function TallyRow({ outing, kind }: { outing: OutingView; kind: TallyKind }) {
  const { tally, busy } = useStaff();
  const value = tallyValue(outing, kind);
  return (
    <div className="tally" data-tally={kind}>
      <button className="tally-minus" aria-label={`${tallyKindLabel[kind]} を1減らす`} disabled={busy || value === 0} onClick={() => void tally(kind, -1)}>
        −1
      </button>
      <div className="tally-label">
        <span className="name">{tallyKindLabel[kind]}</span>
        <span className="value">{value}<small>人</small></span>
      </div>
      <button className="tally-plus" aria-label={`${tallyKindLabel[kind]} を1増やす`} disabled={busy} onClick={() => void tally(kind, 1)}>
        ＋1
      </button>
    </div>
  );
}

function GoodsSale({ goods }: { goods: GoodsItem[] }) {
  const { sellGoods, busy, relay, clearField } = useStaff();
  const [itemId, setItemId] = useState<string | undefined>(goods[0]?.id);
  const [quantity, setQuantity] = useState(1);
  const [method, setMethod] = useState<PaymentMethod>('cash');
  const [tendered, setTendered] = useState('');
  const item = goods.find((g) => g.id === itemId);
  const total = item ? item.unitYen * quantity : 0;
  const tenderedYen = Number.parseInt(tendered.normalize('NFKC'), 10);
  const online = relay?.online ?? false;
  if (goods.length === 0) return null;
  return (
    <section className="goods-sale" data-testid="goods-sale">
      <h2>ごみ処理券の販売</h2>
      <Choice name="item" value={itemId} options={goods.map((g) => [g.id, `${g.name} ${yen(g.unitYen)}`])} onChange={(v) => (clearField('itemId'), setItemId(v))} />
      <div className="row quantity">
        <button className="tally-minus small" aria-label="枚数を1減らす" disabled={quantity <= 1} onClick={() => setQuantity((q) => Math.max(1, q - 1))}>
          −
        </button>
        <span className="value" data-testid="goods-quantity">{quantity}<small>枚</small></span>
        <button className="tally-plus small" aria-label="枚数を1増やす" disabled={quantity >= 100} onClick={() => setQuantity((q) => Math.min(100, q + 1))}>
          ＋
        </button>
        <span className="total">合計 {yen(total)}</span>
      </div>
      <Choice
        name="method"
        value={method}
        options={(['cash', 'credit_card', 'electronic_money', 'qr_code'] as const).filter((m) => m === 'cash' || online).map((m) => [m, paymentMethodLabel[m]])}
        onChange={(m) => (clearField('method'), setMethod(m))}
      />
      {!online && <p className="note" role="status">{CASHLESS_OFFLINE_MESSAGE}</p>}
      <FieldError path="method" />
      {method === 'cash' && (
        <label className="tendered">
          お預かり
          <input className="big-input" inputMode="numeric" value={tendered} onChange={(e) => (clearField('tenderedYen'), setTendered(e.target.value))} />円
          {Number.isFinite(tenderedYen) && tenderedYen >= total && <span className="change">おつり {yen(tenderedYen - total)}</span>}
        </label>
      )}
      <FieldError path="tenderedYen" />
      <button
        className="primary xl"
        disabled={busy || !item}
        onClick={() =>
          void sellGoods({ itemId: itemId ?? '', quantity, method, ...(method === 'cash' && Number.isFinite(tenderedYen) ? { tenderedYen } : {}) }).then((done) => {
            if (done) {
              setQuantity(1);
              setTendered('');
            }
          })
        }
      >
        販売して領収書を印刷
      </button>
    </section>
  );
}

export function OutingTally() {
  const { outingDesk, go } = useStaff();
  const open = outingDesk?.open ?? null;
  return (
    <main className="outing-tally">
      <div className="row space">
        <h1>集計{open ? `：${outingTitle(open)}` : ''}</h1>
        <button className="secondary big" onClick={() => void go({ name: 'outing' })}>
          運行の開始・終了
        </button>
      </div>
      <Banner />
      {!open ? (
        <p className="lead">運行が開始されていません。「運行の開始・終了」から運行を開始してください。</p>
      ) : (
        <>
          <OutingCounts outing={open} />
          <div className="tallies">
            {TALLY_KINDS.map((k) => (
              <TallyRow key={k} outing={open} kind={k} />
            ))}
          </div>
          <GoodsSale goods={outingDesk?.goods ?? []} />
        </>
      )}
    </main>
  );
}
