// The staff screen: sign in, today's requests, and one request step by step.
import { StrictMode, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { CertificateKind, IdDocumentKind, PaymentMethod, RequesterRelation, RequestStep } from '../../protocol/domain';
import {
  certificateKindLabel,
  idDocumentGroup,
  idDocumentLabel,
  paymentMethodLabel,
  requesterRelationLabel,
  requestStepLabel,
} from '../../protocol/labels';
import type { CardSessionView, PrintJobSummary } from '../../protocol/ipc';
import type { RequestDetail } from '../../protocol/request';
import { progressSteps, terminalSteps } from '../../protocol/workflow';
import { connectFromPage } from './client';
import { Consultation, ConsultationStrip } from './consultation';
import { useStaff } from './staff-store';

/** 1953-06-14 → 1953年6月14日（昭和28年）: staff read birth dates back to residents in the era they know. */
function japaneseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const era = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
  return `${y}年${m}月${d}日（${era}）`;
}
const yen = (n: number) => `${n.toLocaleString('ja-JP')}円`;
const time = (iso: string) => new Date(iso).toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo' });

function FieldError({ path }: { path: string }) {
  const message = useStaff((s) => s.fieldErrors[path]);
  return message ? (
    <p className="field-error" role="alert" data-field={path}>
      {message}
    </p>
  ) : null;
}

function Banner() {
  const { error, notice } = useStaff();
  if (error) return <div className="banner error" role="alert">{error}</div>;
  if (notice) return <div className="banner notice" role="status">{notice}</div>;
  return null;
}

function SignIn({ locked }: { locked: boolean }) {
  const session = useStaff((s) => s.session);
  const run = useStaff((s) => s.run);
  const [staffId, setStaffId] = useState(locked ? (session?.staffId ?? '') : '');
  const [pin, setPin] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const status = await run('signIn', { staffId: staffId.trim(), pin });
    setPin('');
    if (status) useStaff.setState({ session: status });
    void useStaff.getState().refresh();
  };
  return (
    <main className="signin">
      <h1>お出かけ市役所 車載端末</h1>
      {locked ? <p className="lead">画面をロックしています。PINを入力すると再開します。</p> : <p className="lead">職員番号とPINでサインインしてください。</p>}
      <Banner />
      <form onSubmit={submit} className="card narrow">
        <label>
          職員番号
          <input name="staffId" value={staffId} onChange={(e) => setStaffId(e.target.value)} autoComplete="username" autoFocus={!locked} />
        </label>
        <label>
          PIN
          <input name="pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoComplete="current-password" autoFocus={locked} />
        </label>
        <button type="submit" className="primary big">
          {locked ? '再開する' : 'サインイン'}
        </button>
      </form>
    </main>
  );
}

function RelayIndicator() {
  const relay = useStaff((s) => s.relay);
  if (!relay) return null;
  return (
    <div className={`relay ${relay.online ? 'online' : 'offline'}`} data-testid="relay-status">
      <span className="dot" aria-hidden />
      {relay.online ? '市役所と接続中' : 'オフライン'}
      <span className="count">送信待ち {relay.waiting}件</span>
      <span className="last">最終送信 {relay.lastSyncAt ? time(relay.lastSyncAt) : 'まだありません'}</span>
      {relay.setAside > 0 && <span className="aside">市役所が受け付けなかった連絡 {relay.setAside}件（管理者に連絡）</span>}
    </div>
  );
}

function Header() {
  const { session, run, go } = useStaff();
  return (
    <header className="top">
      <button className="home" onClick={() => void go({ name: 'list' })}>
        お出かけ市役所
      </button>
      <RelayIndicator />
      <span className="who">{session?.staffName}</span>
      <button
        className="secondary"
        onClick={async () => {
          const s = await run('lock', {});
          if (s) useStaff.setState({ session: s });
        }}
      >
        ロック
      </button>
    </header>
  );
}

function PrintJobAttention({ job }: { job: PrintJobSummary }) {
  const run = useStaff((s) => s.run);
  const [reason, setReason] = useState('');
  const what = job.kind === 'certificate' ? '証明書（A4プリンター）' : '領収書（レシートプリンター）';
  const after = (jobs: PrintJobSummary[] | null) => {
    if (jobs) useStaff.setState({ printAttention: jobs });
  };
  return (
    <div className="card attention" role="alert" data-testid={`print-attention-${job.state}`}>
      <h2>{job.state === 'held' ? `${what}: 印刷を止めています` : `${what}: 印刷できたか確認してください`}</h2>
      <p>{job.staffMessage}</p>
      {job.state === 'held' ? (
        <button className="primary big" onClick={async () => after(await run('resumePrinting', { kind: job.kind }))}>
          直したので印刷を再開する
        </button>
      ) : (
        <div className="row">
          <button className="primary big" onClick={async () => after(await run('resolvePrintJob', { jobId: job.id, action: 'printed' }))}>
            印刷されていた
          </button>
          <label className="grow">
            再印刷の理由
            <input name={`reprintReason-${job.id}`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="例: 用紙が詰まって出てこなかった" />
          </label>
          <button className="secondary big" onClick={async () => after(await run('resolvePrintJob', { jobId: job.id, action: 'reprint', reason }))}>
            {job.kind === 'certificate' ? '再印刷を依頼（市役所の承認）' : '再発行する'}
          </button>
        </div>
      )}
    </div>
  );
}

function Questions() {
  const { questions, run, go } = useStaff();
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
              onClick={async () => {
                const rest = await run('markQuestionSeen', { seq: q.seq });
                if (rest) useStaff.setState({ questions: rest });
              }}
            >
              確認した（電話などで回答）
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}

function PrintAttention() {
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

const stepOrder = progressSteps;
const stepClass = (step: RequestStep) => (step === 'cancelled' || step === 'rejected' ? 'stopped' : step === 'handed_over' ? 'done' : 'active');

function ListView() {
  const { requests, go } = useStaff();
  return (
    <main>
      <div className="row space">
        <h1>本日の受付</h1>
        <div className="row">
          <button className="secondary big" onClick={() => void go({ name: 'consult' })}>
            ビデオ相談
          </button>
          <button className="secondary big" onClick={() => void go({ name: 'link' })}>
            マイナ保険証の紐付け
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

function Choice<T extends string>({ name, value, options, onChange }: { name: string; value: T | undefined; options: [T, string][]; onChange: (v: T) => void }) {
  return (
    <div className="choices" role="radiogroup" data-name={name}>
      {options.map(([v, label]) => (
        <button type="button" role="radio" aria-checked={value === v} key={v} className={value === v ? 'choice on' : 'choice'} onClick={() => onChange(v)}>
          {label}
        </button>
      ))}
    </div>
  );
}

interface PersonForm {
  name: string;
  kana: string;
  birthDate: string;
  address: string;
}
const emptyPerson: PersonForm = { name: '', kana: '', birthDate: '', address: '' };

function PersonFields({ prefix, value, onChange }: { prefix: string; value: PersonForm; onChange: (p: PersonForm) => void }) {
  const field = (key: keyof PersonForm, label: string, hint?: string) => (
    <label>
      {label}
      {hint && <small>{hint}</small>}
      <input
        name={`${prefix}.${key}`}
        value={value[key]}
        onChange={(e) => {
          useStaff.getState().clearField(`${prefix}.${key}`);
          onChange({ ...value, [key]: e.target.value });
        }}
      />
      <FieldError path={`${prefix}.${key}`} />
    </label>
  );
  return (
    <div className="grid2">
      {field('name', '氏名')}
      {field('kana', 'ふりがな')}
      {field('birthDate', '生年月日', '例: 1950-04-01')}
      {field('address', '住所')}
    </div>
  );
}

const cardStageText: Record<CardSessionView['stage'], string> = {
  waiting_pin: 'お客様画面で、マイナンバーカードの暗証番号（4けた）を押していただいています。',
  needs_confirmation: '暗証番号の残りが1回です。',
  reading: 'カードを読み取っています…',
  done: '読み取りました。カードをお返しください。',
  mismatch: 'カードの内容と請求書の内容が違うところがあります。',
  failed: 'カードを読み取れませんでした。',
};

/** A card read in progress: what the resident is doing, and what staff must decide. */
function CardPanel() {
  const { cardSession: c, run } = useStaff();
  if (!c) return null;
  return (
    <div className="card attention-info" role="status" data-testid="card-session" data-stage={c.stage}>
      <h2>マイナンバーカードの読み取り</h2>
      <p className="lead">{cardStageText[c.stage]}</p>
      {c.message && <p className="field-error">{c.message}</p>}
      {c.stage === 'needs_confirmation' && (
        <>
          <p>まちがえるとカードがロックされ、市役所の窓口でしか解除できません。お客様が理解されたら押してください。</p>
          <button className="danger" onClick={() => void run('confirmLastPinTry', {})}>
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
      <button className="secondary" onClick={() => void run('cancelCardRead', {})}>
        {c.stage === 'done' || c.stage === 'mismatch' || c.stage === 'failed' ? '閉じる' : '読み取りをやめる'}
      </button>
    </div>
  );
}

function NewRequest() {
  const { run, go, fees, busy } = useStaff();
  const [kind, setKind] = useState<CertificateKind>();
  const [copies, setCopies] = useState(1);
  const [scope, setScope] = useState<'household' | 'partial'>('partial');
  const [honseki, setHonseki] = useState(false);
  const [zokugara, setZokugara] = useState(false);
  const [fiscalYear, setFiscalYear] = useState(String(new Date().getFullYear() - 1));
  const [subject, setSubject] = useState<PersonForm>(emptyPerson);
  const [relation, setRelation] = useState<RequesterRelation>('self');
  const [requester, setRequester] = useState<PersonForm>(emptyPerson);
  const [letterOfProxy, setLetterOfProxy] = useState(false);
  const [purpose, setPurpose] = useState('');
  const taxKind = kind === 'shotoku_kazei' || kind === 'nozei' || kind === 'kotei_shisan_hyoka';
  const card = useStaff((s) => s.cardSession);
  // 書かない窓口: the card's name, address and birth date fill the form; the card data is then dropped.
  useEffect(() => {
    if (card?.purpose !== 'fill' || card.stage !== 'done' || !card.filled) return;
    const { name, address, birthDate } = card.filled;
    if (relation === 'self') setSubject((p) => ({ ...p, name, address, birthDate }));
    else setRequester((p) => ({ ...p, name, address, birthDate }));
    void run('cancelCardRead', {}).then(() => useStaff.setState({ notice: 'カードの内容を入力しました。ふりがなを入力して、内容を確かめてください。' }));
  }, [card, relation, run]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const created = await run('createRequest', {
      kind: kind as CertificateKind,
      copies,
      ...(kind === 'juminhyo' ? { juminhyo: { scope, includeHonseki: honseki, includeZokugara: zokugara, showMyNumber: false } } : {}),
      ...(taxKind ? { fiscalYear: Number.parseInt(fiscalYear.normalize('NFKC'), 10) } : {}),
      subject,
      requester: {
        relation,
        ...(relation !== 'self' ? { person: requester } : {}),
        letterOfProxy,
        ...(purpose ? { purpose } : {}),
      },
    });
    if (created) {
      await go({ name: 'request', id: created.id });
      useStaff.setState({ notice: `受付番号 ${created.number} で受け付けました。次は本人確認です。` });
    }
  };

  return (
    <main>
      <h1>新しい受付（交付請求書）</h1>
      <Banner />
      <form onSubmit={submit} className="card">
        <fieldset>
          <legend>証明書の種類</legend>
          <Choice name="kind" value={kind} options={Object.entries(certificateKindLabel) as [CertificateKind, string][]} onChange={setKind} />
          <FieldError path="kind" />
        </fieldset>
        {kind === 'juminhyo' && (
          <fieldset>
            <legend>住民票の記載事項</legend>
            <Choice name="scope" value={scope} options={[['partial', '一部の方'], ['household', '世帯全員']]} onChange={setScope} />
            <label className="check">
              <input type="checkbox" name="honseki" checked={honseki} onChange={(e) => setHonseki(e.target.checked)} /> 本籍・筆頭者を記載する
            </label>
            <label className="check">
              <input type="checkbox" name="zokugara" checked={zokugara} onChange={(e) => setZokugara(e.target.checked)} /> 続柄を記載する
            </label>
            <FieldError path="juminhyo" />
          </fieldset>
        )}
        {taxKind && (
          <label>
            年度（西暦）
            <input name="fiscalYear" inputMode="numeric" value={fiscalYear} onChange={(e) => setFiscalYear(e.target.value)} />
            <FieldError path="fiscalYear" />
          </label>
        )}
        <fieldset>
          <legend>通数</legend>
          <div className="row">
            <button type="button" className="secondary square" onClick={() => setCopies(Math.max(1, copies - 1))} aria-label="1通減らす">
              －
            </button>
            <output className="copies" name="copies">
              {copies}通
            </output>
            <button type="button" className="secondary square" onClick={() => setCopies(copies + 1)} aria-label="1通増やす">
              ＋
            </button>
            {kind && fees && <span className="fee">手数料 {yen(fees.perCopyYen[kind] * copies)}</span>}
          </div>
          <FieldError path="copies" />
        </fieldset>
        <fieldset>
          <legend>証明が必要な方</legend>
          <button type="button" className="secondary" data-testid="fill-from-card" onClick={() => void run('startCardRead', { purpose: 'fill' })}>
            マイナンバーカードから入力する
          </button>
          <CardPanel />
          <PersonFields prefix="subject" value={subject} onChange={setSubject} />
        </fieldset>
        <fieldset>
          <legend>窓口に来た方</legend>
          <Choice name="relation" value={relation} options={Object.entries(requesterRelationLabel) as [RequesterRelation, string][]} onChange={setRelation} />
          {relation !== 'self' && (
            <>
              <PersonFields prefix="requester.person" value={requester} onChange={setRequester} />
              <FieldError path="requester.person" />
              {relation === 'proxy' && (
                <>
                  <label className="check">
                    <input type="checkbox" name="letterOfProxy" checked={letterOfProxy} onChange={(e) => setLetterOfProxy(e.target.checked)} /> 委任状を受け取った
                  </label>
                  <FieldError path="requester.letterOfProxy" />
                </>
              )}
              <label>
                使用目的
                <input name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} />
                <FieldError path="requester.purpose" />
              </label>
            </>
          )}
        </fieldset>
        <div className="row space">
          <button type="button" className="secondary big" onClick={() => void go({ name: 'list' })}>
            やめる
          </button>
          <button type="submit" className="primary big" disabled={busy}>
            受け付ける
          </button>
        </div>
      </form>
    </main>
  );
}

function StepBar({ step }: { step: RequestStep }) {
  const at = stepOrder.indexOf(step === 'spoiled' ? 'printed' : step);
  const labels: [RequestStep, string][] = [
    ['entered', '1 受付'],
    ['identity_checked', '2 本人確認'],
    ['queued', '3 送信'],
    ['approved', '4 市役所承認'],
    ['printed', '5 印刷・確認'],
    ['paid', '6 手数料'],
    ['handed_over', '7 交付'],
  ];
  return (
    <ol className="stepbar" aria-label="手続きの段階">
      {labels.map(([s, label]) => {
        const i = stepOrder.indexOf(s);
        const state = at > i || step === 'handed_over' ? 'done' : at === i || (s === 'queued' && step === 'relayed') ? 'now' : 'todo';
        return (
          <li key={s} className={state}>
            {label}
          </li>
        );
      })}
    </ol>
  );
}

const photoIds = (Object.keys(idDocumentLabel) as IdDocumentKind[]).filter((k) => idDocumentGroup[k] === 'A');
const otherIds = (Object.keys(idDocumentLabel) as IdDocumentKind[]).filter((k) => idDocumentGroup[k] !== 'A');

function IdentityCheck({ detail }: { detail: RequestDetail }) {
  const { run, go, busy } = useStaff();
  const [mode, setMode] = useState<'photo' | 'two'>('photo');
  const [first, setFirst] = useState<IdDocumentKind>('drivers_license');
  const [second, setSecond] = useState<IdDocumentKind>('pension_book');
  const [last4a, setLast4a] = useState('');
  const [last4b, setLast4b] = useState('');
  const doc = (kind: IdDocumentKind, last4: string) => (kind === 'mynumber_card' ? { kind } : { kind, last4 });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const documents = mode === 'photo' ? [doc(first, last4a)] : [doc(first, last4a), doc(second, last4b)];
    const ok = await run('checkIdentity', { id: detail.id, identity: { documents } });
    if (ok) await go({ name: 'request', id: detail.id });
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
      <div className="row">
        <button type="button" className="primary big" onClick={() => void run('startCardRead', { purpose: 'identity', requestId: detail.id })}>
          マイナンバーカードで確認する
        </button>
        <span>（お客様が暗証番号を押すと、カードの氏名・生年月日・住所と請求書を照らし合わせます）</span>
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

function ShowToResident({ detail }: { detail: RequestDetail }) {
  const { run, residentShowing } = useStaff();
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
          onClick={async () => {
            if (await run('showToResident', { id: detail.id })) useStaff.setState({ residentShowing: detail.id });
          }}
        >
          {showing ? 'もう一度表示する' : 'お客様画面に表示する'}
        </button>
      )}
    </div>
  );
}

function CheckPrinted({ detail }: { detail: RequestDetail }) {
  const { run } = useStaff();
  const [reason, setReason] = useState('');
  return (
    <div className="card">
      <h2>5 印刷物の確認</h2>
      <p>氏名・住所・通数・証明の種類が請求どおりか確かめてください。</p>
      <button className="primary big" onClick={() => void run('checkPrinted', { id: detail.id, ok: true })}>
        正しく印刷されている
      </button>
      <label>
        書き損じの理由
        <input name="spoilReason" value={reason} onChange={(e) => setReason(e.target.value)} />
        <FieldError path="reason" />
      </label>
      <button className="danger" onClick={() => void run('checkPrinted', { id: detail.id, ok: false, reason })}>
        書き損じとして記録する
      </button>
    </div>
  );
}

function Payment({ detail }: { detail: RequestDetail }) {
  const { run } = useStaff();
  const [method, setMethod] = useState<PaymentMethod>('cash');
  const [tendered, setTendered] = useState('');
  const tenderedYen = Number.parseInt(tendered.normalize('NFKC'), 10);
  const change = Number.isFinite(tenderedYen) ? tenderedYen - detail.feeYen : null;
  return (
    <div className="card">
      <h2>6 手数料 {yen(detail.feeYen)}</h2>
      <Choice name="method" value={method} options={Object.entries(paymentMethodLabel) as [PaymentMethod, string][]} onChange={setMethod} />
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
        onClick={async () => {
          const r = await run('recordPayment', { id: detail.id, payment: method === 'cash' ? { method, tenderedYen: Number.isFinite(tenderedYen) ? tenderedYen : -1 } : { method } });
          if (r) useStaff.setState({ notice: `${r.payment.changeYen > 0 ? `おつりは ${yen(r.payment.changeYen)} です。` : '手数料を収納しました。'}領収書を印刷しています。` });
        }}
      >
        収納する
      </button>
    </div>
  );
}

function Cancel({ detail }: { detail: RequestDetail }) {
  const { run } = useStaff();
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
      <button className="danger" onClick={() => void run('cancelRequest', { id: detail.id, reason })}>
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

function RequestView() {
  const { detail, run, go, view } = useStaff();
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
          <button className="primary big" onClick={() => void run('handOver', { id: detail.id })}>
            7 交付する
          </button>
        ) : (
          <Payment detail={detail} />
        );
      break;
    case 'paid':
      action = (
        <div className="card">
          <h2>7 交付</h2>
          <p>証明書をお客様にお渡ししたら押してください。</p>
          <button className="primary big" onClick={() => void run('handOver', { id: detail.id })}>
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

function NextVisitList() {
  const { nextVisit, run } = useStaff();
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
              onClick={async () => {
                const rest = await run('finishNextVisitTask', { id: t.id });
                if (rest) useStaff.setState({ nextVisit: rest });
              }}
            >
              済み
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Offline: the link cannot be done now; the resident is kept for the next visit (name and phone only). */
function BookNextVisit() {
  const run = useStaff((s) => s.run);
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [done, setDone] = useState(false);
  if (done) return <p className="card ok" data-testid="next-visit-booked">次回の訪問で紐付けするよう記録しました。</p>;
  return (
    <form
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        const list = await run('addNextVisitTask', { kind: 'insurance_link', name, phone });
        if (list) {
          useStaff.setState({ nextVisit: list });
          setDone(true);
        }
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
function InsuranceLink() {
  const { run, go, cardSession, relay, busy } = useStaff();
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
          <button className="primary big" onClick={() => void run('cancelCardRead', {}).then(() => go({ name: 'list' }))}>
            終わる
          </button>
        </div>
      ) : !relay?.online ? null : (
        <form
          className="card"
          onSubmit={(e) => {
            e.preventDefault();
            void run('startCardRead', {
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

function App() {
  const { connected, session, view } = useStaff();
  // Any touch or key on the staff screen counts as activity for the 5-minute idle lock.
  useEffect(() => {
    let last = 0;
    const touch = () => {
      const now = Date.now();
      if (now - last < 20_000) return;
      last = now;
      const { client, session: s } = useStaff.getState();
      if (client && s?.signedIn && !s.locked) void client.call('reportActivity', {}).catch(() => undefined);
    };
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
    };
  }, []);
  if (!connected || !session) return <main className="signin"><p className="lead">端末に接続しています…</p></main>;
  if (!session.signedIn) return <SignIn locked={false} />;
  if (session.locked) return <SignIn locked />;
  return (
    <>
      <Header />
      <PrintAttention />
      <Questions />
      <ConsultationStrip />
      {view.name === 'list' && <ListView />}
      {view.name === 'new' && <NewRequest />}
      {view.name === 'request' && <RequestView />}
      {view.name === 'link' && <InsuranceLink />}
      {view.name === 'consult' && <Consultation />}
    </>
  );
}

useStaff.getState().init(connectFromPage());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
