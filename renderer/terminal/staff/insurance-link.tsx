// マイナ保険証の紐付け, or, offline, a note to do it on the next visit.
import { useState } from 'react';
import { useStaff } from '../staff-store';
import { CardPanel } from './card-panel';
import { Banner, FieldError } from './ui';

/** Offline: the link cannot be done now; the resident is kept for the next visit (name and phone only). */
function BookNextVisit() {
  const addNextVisitTask = useStaff((s) => s.addNextVisitTask);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [done, setDone] = useState(false);
  if (done) return <p className="card ok" data-testid="next-visit-booked">次回の訪問で紐付けするよう記録しました。</p>;
  return (
    <form
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await addNextVisitTask(name, phone)) setDone(true);
      }}
    >
      <h2>次回の訪問で紐付けする</h2>
      <div className="grid2">
        <label>
          お名前
          <input name="nextVisitName" value={name} onChange={(e) => setName(e.target.value)} />
          <FieldError path="name" />
        </label>
        <label>
          電話番号
          <input name="nextVisitPhone" inputMode="tel" value={phone} onChange={(e) => setPhone(e.target.value)} />
          <FieldError path="phone" />
        </label>
      </div>
      <button type="submit" className="primary">
        次回の訪問で行う
      </button>
    </form>
  );
}

/** マイナ保険証紐付け: staff type the insurance card's numbers, the resident types the PIN, city hall verifies. */
export function InsuranceLink() {
  const { startCardRead, finishLink, go, cardSession, relay, busy } = useStaff();
  const [insurerNumber, setInsurerNumber] = useState('');
  const [symbol, setSymbol] = useState('');
  const [number, setNumber] = useState('');
  const [branch, setBranch] = useState('');
  const linked = cardSession?.purpose === 'link' && cardSession.stage === 'done';
  const field = (name: string, label: string, value: string, set: (v: string) => void, hint?: string) => (
    <label>
      {label}
      {hint && <small>{hint}</small>}
      <input name={name} value={value} inputMode="numeric" onChange={(e) => set(e.target.value.normalize('NFKC'))} />
      <FieldError path={`insurance.${name}`} />
    </label>
  );
  return (
    <main>
      <div className="row space">
        <h1>マイナ保険証の紐付け</h1>
        <button className="secondary" onClick={() => void go({ name: 'list' })}>
          一覧に戻る
        </button>
      </div>
      <Banner />
      {!relay?.online && (
        <>
          <p className="card waiting" data-testid="link-offline">
            いまは市役所とつながっていません。紐付けには通信が必要です。つながらないときは、次回の訪問で行うよう記録してください。
          </p>
          <BookNextVisit />
        </>
      )}
      {linked ? (
        <div className="card" data-testid="link-done">
          <h2 className="ok">紐付けが完了しました</h2>
          <p>カードをお返しください。電子署名は端末に残していません。</p>
          <button className="primary big" onClick={() => void finishLink()}>
            終わる
          </button>
        </div>
      ) : !relay?.online ? null : (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void startCardRead({
              purpose: 'link',
              insurance: { insurerNumber, number, ...(symbol ? { symbol } : {}), ...(branch ? { branch } : {}) },
            });
          }}
        >
          <p>健康保険の資格確認書（保険証）を見て入力してください。</p>
          <div className="grid2">
            {field('insurerNumber', '保険者番号', insurerNumber, setInsurerNumber, '6けたか8けた')}
            {field('symbol', '記号', symbol, setSymbol)}
            {field('number', '番号', number, setNumber)}
            {field('branch', '枝番', branch, setBranch, '2けた（あれば）')}
          </div>
          <CardPanel />
          <button type="submit" className="primary big" disabled={busy || cardSession !== null}>
            カードで紐付ける（お客様が暗証番号を押します）
          </button>
        </form>
      )}
    </main>
  );
}
