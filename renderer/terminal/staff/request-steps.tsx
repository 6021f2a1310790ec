// The panels of a request's steps staff act on: identity, the resident's confirmation, the printed
// sheet, the fee.
import { useState, type FormEvent } from 'react';
import { CASHLESS_METHODS, CASHLESS_OFFLINE_MESSAGE } from '../../../protocol/daily-close';
import type { IdDocumentKind, PaymentMethod } from '../../../protocol/domain';
import { idDocumentGroup, idDocumentLabel, paymentMethodLabel } from '../../../protocol/labels';
import type { RequestDetail } from '../../../protocol/request';
import { useStaff } from '../staff-store';
import { CardPanel } from './card-panel';
import { time, yen } from './format';
import { Choice, FieldError } from './ui';

const photoIds = (Object.keys(idDocumentLabel) as IdDocumentKind[]).filter((k) => idDocumentGroup[k] === 'A');
const otherIds = (Object.keys(idDocumentLabel) as IdDocumentKind[]).filter((k) => idDocumentGroup[k] !== 'A');

/**
 * One PIN per visit: the form of this request was filled from the card with the resident's PIN a moment
 * ago. That read is the identity check once staff have compared the face on the card with the person.
 */
function FromVisitCardRead({ detail }: { detail: RequestDetail }) {
  const { visitCardRead, confirmIdentityFromCardRead, busy } = useStaff();
  const [faceChecked, setFaceChecked] = useState(false);
  if (!visitCardRead || visitCardRead.readAt > detail.createdAt) return null;
  return (
    <div className="card attention-info" data-testid="visit-card-read">
      <h3>カードから入力済み（{time(visitCardRead.readAt)} に暗証番号で読み取り）</h3>
      <p>この受付はマイナンバーカードから入力しました。暗証番号をもう一度押していただく必要はありません。</p>
      <label className="check big-check">
        <input
          type="checkbox"
          name="faceChecked"
          checked={faceChecked}
          onChange={(e) => {
            useStaff.getState().clearField('faceChecked');
            setFaceChecked(e.target.checked);
          }}
        />{' '}
        カードの顔写真と本人を確認しました
      </label>
      <FieldError path="faceChecked" />
      <button type="button" className="primary big" disabled={busy} onClick={() => void confirmIdentityFromCardRead(detail.id, faceChecked)}>
        カードの読み取りで本人確認する
      </button>
    </div>
  );
}

export function IdentityCheck({ detail }: { detail: RequestDetail }) {
  const { checkIdentity, startCardRead, busy, visitCardRead } = useStaff();
  const readThisVisit = visitCardRead !== null && visitCardRead.readAt <= detail.createdAt;
  const [mode, setMode] = useState<'photo' | 'two'>('photo');
  const [first, setFirst] = useState<IdDocumentKind>('drivers_license');
  const [second, setSecond] = useState<IdDocumentKind>('pension_book');
  const [last4a, setLast4a] = useState('');
  const [last4b, setLast4b] = useState('');
  const doc = (kind: IdDocumentKind, last4: string) => (kind === 'mynumber_card' ? { kind } : { kind, last4 });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const documents = mode === 'photo' ? [doc(first, last4a)] : [doc(first, last4a), doc(second, last4b)];
    await checkIdentity(detail.id, { documents });
  };
  const select = (value: IdDocumentKind, set: (k: IdDocumentKind) => void, kinds: IdDocumentKind[], name: string) => (
    <select name={name} value={value} onChange={(e) => set(e.target.value as IdDocumentKind)}>
      {kinds.map((k) => (
        <option key={k} value={k}>
          {idDocumentLabel[k]}
        </option>
      ))}
    </select>
  );
  return (
    <form onSubmit={submit} className="card">
      <h2>2 本人確認</h2>
      <FromVisitCardRead detail={detail} />
      <div className="row">
        <button type="button" className={readThisVisit ? 'secondary' : 'primary big'} onClick={() => void startCardRead({ purpose: 'identity', requestId: detail.id })}>
          マイナンバーカードで確認する
        </button>
        <span>（{readThisVisit ? '改めて確認するとき: ' : ''}お客様が暗証番号を押すと、カードの氏名・生年月日・住所と請求書を照らし合わせます）</span>
      </div>
      <CardPanel />
      <p>ほかの書類で確認するとき: 書類の写しや画像は残しません。番号は下4桁だけを記録します。</p>
      <Choice
        name="idMode"
        value={mode}
        options={[
          ['photo', '写真付きの書類 1点'],
          ['two', '写真のない書類 2点'],
        ]}
        onChange={(m) => {
          setMode(m);
          setFirst(m === 'photo' ? 'drivers_license' : 'health_insurance');
        }}
      />
      <div className="grid2">
        <label>
          書類{mode === 'two' ? ' 1' : ''}
          {select(first, setFirst, mode === 'photo' ? photoIds : otherIds, 'doc1')}
        </label>
        {first !== 'mynumber_card' && (
          <label>
            番号の下4桁
            <input name="last4a" inputMode="numeric" maxLength={4} value={last4a} onChange={(e) => setLast4a(e.target.value)} />
            <FieldError path="identity.documents.0.last4" />
          </label>
        )}
        {mode === 'two' && (
          <>
            <label>
              書類 2{select(second, setSecond, otherIds, 'doc2')}
            </label>
            <label>
              番号の下4桁
              <input name="last4b" inputMode="numeric" maxLength={4} value={last4b} onChange={(e) => setLast4b(e.target.value)} />
              <FieldError path="identity.documents.1.last4" />
            </label>
          </>
        )}
      </div>
      <FieldError path="identity.documents" />
      <button type="submit" className="primary big" disabled={busy}>
        本人確認を記録する
      </button>
    </form>
  );
}

export function ShowToResident({ detail }: { detail: RequestDetail }) {
  const { showToResident, residentShowing } = useStaff();
  const showing = residentShowing === detail.id;
  return (
    <div className="card">
      <h2>お客様に内容を確認していただく</h2>
      {detail.residentConfirmed ? (
        <p className="ok">お客様の確認が済んでいます。</p>
      ) : showing ? (
        <p className="waiting" data-testid="waiting-resident">
          お客様画面に表示しています。お客様が「この内容で申し込む」を押すのをお待ちください。
        </p>
      ) : (
        <p>お客様画面に申請内容を大きな文字で表示します。</p>
      )}
      {!detail.residentConfirmed && (
        <button
          className="primary big"
          onClick={() => void showToResident(detail.id)}
        >
          {showing ? 'もう一度表示する' : 'お客様画面に表示する'}
        </button>
      )}
    </div>
  );
}

export function CheckPrinted({ detail }: { detail: RequestDetail }) {
  const checkPrinted = useStaff((s) => s.checkPrinted);
  const [reason, setReason] = useState('');
  return (
    <div className="card">
      <h2>5 印刷物の確認</h2>
      <p>氏名・住所・通数・証明の種類が請求どおりか確かめてください。</p>
      <button className="primary big" onClick={() => void checkPrinted(detail.id, true)}>
        正しく印刷されている
      </button>
      <label>
        書き損じの理由
        <input name="spoilReason" value={reason} onChange={(e) => setReason(e.target.value)} />
        <FieldError path="reason" />
      </label>
      <button className="danger" onClick={() => void checkPrinted(detail.id, false, reason)}>
        書き損じとして記録する
      </button>
    </div>
  );
}

/** Step 6. Cashless goes through the payment agent and needs city hall: offline the fee is taken in cash. */
export function Payment({ detail }: { detail: RequestDetail }) {
  const recordPayment = useStaff((s) => s.recordPayment);
  const online = useStaff((s) => s.relay?.online ?? false);
  const [chosen, setMethod] = useState<PaymentMethod>('cash');
  const method: PaymentMethod = online ? chosen : 'cash';
  const [tendered, setTendered] = useState('');
  const tenderedYen = Number.parseInt(tendered.normalize('NFKC'), 10);
  const change = Number.isFinite(tenderedYen) ? tenderedYen - detail.feeYen : null;
  return (
    <div className="card">
      <h2>6 手数料 {yen(detail.feeYen)}</h2>
      <Choice
        name="method"
        value={method}
        options={Object.entries(paymentMethodLabel) as [PaymentMethod, string][]}
        disabled={online ? [] : CASHLESS_METHODS}
        onChange={setMethod}
      />
      {!online && <p className="note cashless-offline" role="status">{CASHLESS_OFFLINE_MESSAGE}</p>}
      <FieldError path="payment.method" />
      {method === 'cash' && (
        <label>
          お預かり金額（円）
          <input name="tendered" inputMode="numeric" value={tendered} onChange={(e) => setTendered(e.target.value)} />
          {change !== null && change >= 0 && <strong className="change">おつり {yen(change)}</strong>}
          <FieldError path="payment.tenderedYen" />
        </label>
      )}
      <button
        className="primary big"
        onClick={() => void recordPayment(detail.id, method === 'cash' ? { method, tenderedYen: Number.isFinite(tenderedYen) ? tenderedYen : -1 } : { method })}
      >
        収納する
      </button>
    </div>
  );
}
