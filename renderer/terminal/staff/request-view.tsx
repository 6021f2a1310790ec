// One request: its summary, where it is among the steps, and what staff do next.
import { useState, type ReactNode } from 'react';
import { certificateKindLabel, requesterRelationLabel, requestStepLabel } from '../../../protocol/labels';
import type { RequestDetail } from '../../../protocol/request';
import { terminalSteps } from '../../../protocol/workflow';
import { useStaff } from '../staff-store';
import { japaneseDate, yen } from './format';
import { CheckPrinted, IdentityCheck, Payment, ShowToResident } from './request-steps';
import { StepBar } from './step-bar';
import { Banner, FieldError } from './ui';

function Cancel({ detail }: { detail: RequestDetail }) {
  const cancelRequest = useStaff((s) => s.cancelRequest);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open)
    return (
      <button className="danger quiet" onClick={() => setOpen(true)}>
        この受付を取り消す
      </button>
    );
  return (
    <div className="card">
      <label>
        取消の理由
        <input name="cancelReason" value={reason} onChange={(e) => setReason(e.target.value)} />
        <FieldError path="reason" />
      </label>
      <button className="danger" onClick={() => void cancelRequest(detail.id, reason)}>
        取り消す
      </button>
      <button className="secondary" onClick={() => setOpen(false)}>
        やめる
      </button>
    </div>
  );
}

/** A request whose personal fields are already gone (handed over and held by city hall), or not loaded. */
function RequestWithoutDetail({ id }: { id: string }) {
  const { requests, go } = useStaff();
  const summary = requests.find((r) => r.id === id);
  return (
    <main>
      <div className="row space">
        <h1>{summary ? `受付番号 ${summary.number}　${certificateKindLabel[summary.kind]} ${summary.copies}通` : '受付'}</h1>
        <button className="secondary" onClick={() => void go({ name: 'list' })}>
          一覧に戻る
        </button>
      </div>
      {summary && <StepBar step={summary.step} />}
      {summary?.step === 'handed_over' ? (
        <p className="card ok" data-testid="purged">交付済みです。個人情報は市役所へ引き継ぎ、この端末からは消去しました。</p>
      ) : (
        <Banner />
      )}
    </main>
  );
}

/** At handover (交付): the resident's card must not stay behind in the reader. */
function CardLeftInReader() {
  const inReader = useStaff((s) => s.cardInReader);
  if (!inReader) return null;
  return (
    <div className="banner card-left" role="alert" data-testid="card-left-banner">
      <strong>カードがカードリーダーに残っています。</strong>
      <span>証明書と一緒に、マイナンバーカードをお客様にお返しください。</span>
    </div>
  );
}

export function RequestView() {
  const { detail, handOver, go, view } = useStaff();
  if (!detail) return <RequestWithoutDetail id={view.name === 'request' ? view.id : ''} />;
  const { input } = detail;
  const ended = terminalSteps.has(detail.step);
  let action: ReactNode = null;
  switch (detail.step) {
    case 'entered':
      action = (
        <>
          <IdentityCheck detail={detail} />
          <ShowToResident detail={detail} />
        </>
      );
      break;
    case 'identity_checked':
      action = <ShowToResident detail={detail} />;
      break;
    case 'queued':
      action = <p className="card waiting" data-testid="queued">送信待ちです。市役所との通信が戻ると自動で送ります。この画面を閉じても消えません。</p>;
      break;
    case 'relayed':
      action = <p className="card waiting">市役所に送信しました。職員の承認をお待ちください。</p>;
      break;
    case 'approved':
      action = <p className="card waiting">承認されました。車内のプリンタで印刷されるのをお待ちください。</p>;
      break;
    case 'printed':
      action = <CheckPrinted detail={detail} />;
      break;
    case 'spoiled':
      action = <p className="card waiting">書き損じを記録しました。市役所の再印刷の判断をお待ちください。</p>;
      break;
    case 'checked':
      action =
        detail.feeYen === 0 ? (
          <>
            <CardLeftInReader />
            <button className="primary big" onClick={() => void handOver(detail.id)}>
              7 交付する
            </button>
          </>
        ) : (
          <Payment detail={detail} />
        );
      break;
    case 'paid':
      action = (
        <div className="card">
          <h2>7 交付</h2>
          <CardLeftInReader />
          <p>証明書をお客様にお渡ししたら押してください。</p>
          <button className="primary big" onClick={() => void handOver(detail.id)}>
            交付した
          </button>
        </div>
      );
      break;
    default:
      action = <p className="card">この受付は「{requestStepLabel[detail.step]}」で終わっています。{detail.reason ? `理由: ${detail.reason}` : ''}</p>;
  }
  return (
    <main>
      <div className="row space">
        <h1>
          受付番号 {detail.number}　{certificateKindLabel[detail.kind]} {detail.copies}通
        </h1>
        <button className="secondary" onClick={() => void go({ name: 'list' })}>
          一覧に戻る
        </button>
      </div>
      <StepBar step={detail.step} />
      <Banner />
      <section className="summary card">
        <dl>
          <dt>証明が必要な方</dt>
          <dd>
            {input.subject.name}（{input.subject.kana}）
          </dd>
          <dt>住所</dt>
          <dd>{input.subject.address}</dd>
          <dt>生年月日</dt>
          <dd>{japaneseDate(input.subject.birthDate)}</dd>
          <dt>窓口に来た方</dt>
          <dd>{requesterRelationLabel[input.requester.relation]}{input.requester.person ? `（${input.requester.person.name}）` : ''}</dd>
          <dt>手数料</dt>
          <dd>{yen(detail.feeYen)}</dd>
          <dt>段階</dt>
          <dd data-testid="step">{requestStepLabel[detail.step]}</dd>
        </dl>
      </section>
      {action}
      {!ended && <Cancel detail={detail} />}
    </main>
  );
}
