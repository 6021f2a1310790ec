// A My Number card read in progress, shown on every screen that starts one.
import type { CardSessionView } from '../../../protocol/ipc';
import { useStaff } from '../staff-store';

const cardStageText: Record<CardSessionView['stage'], string> = {
  waiting_pin: 'お客様画面で、マイナンバーカードの暗証番号（4けた）を押していただいています。',
  needs_confirmation: '暗証番号の残りが1回です。',
  reading: 'カードを読み取っています…',
  done: '読み取りました。カードをお返しください。',
  mismatch: 'カードの内容と請求書の内容が違うところがあります。',
  failed: 'カードを読み取れませんでした。',
};

/** A card read in progress: what the resident is doing, and what staff must decide. */
export function CardPanel() {
  const { cardSession: c, confirmLastPinTry, cancelCardRead } = useStaff();
  if (!c) return null;
  // A form filled from the card: the same read serves the identity check while the card stays in.
  const stageText = c.purpose === 'fill' && c.stage === 'done' ? '読み取りました。本人確認が済むまで、カードはリーダーに置いたままにしてください。' : cardStageText[c.stage];
  return (
    <div className="card attention-info" role="status" data-testid="card-session" data-stage={c.stage}>
      <h2>マイナンバーカードの読み取り</h2>
      <p className="lead">{stageText}</p>
      {c.message && <p className="field-error">{c.message}</p>}
      {c.stage === 'needs_confirmation' && (
        <>
          <p>まちがえるとカードがロックされ、市役所の窓口でしか解除できません。お客様が理解されたら押してください。</p>
          <button className="danger" onClick={() => void confirmLastPinTry()}>
            説明しました（最後の1回を使う）
          </button>
        </>
      )}
      {c.checks && (
        <table className="checks">
          <thead>
            <tr>
              <th>項目</th>
              <th>カード</th>
              <th>請求書</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {c.checks.map((f) => (
              <tr key={f.field} className={f.match ? 'ok' : 'bad'} data-field-check={f.field}>
                <td>{f.label}</td>
                <td>{f.card}</td>
                <td>{f.request}</td>
                <td>{f.match ? '一致' : '違います'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button className="secondary" onClick={() => void cancelCardRead()}>
        {c.stage === 'done' || c.stage === 'mismatch' || c.stage === 'failed' ? '閉じる' : '読み取りをやめる'}
      </button>
    </div>
  );
}
