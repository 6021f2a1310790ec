// Step 1: a new request (交付請求書), typed or filled from the My Number card.
import { useEffect, useState, type FormEvent } from 'react';
import type { CertificateKind, RequesterRelation } from '../../../protocol/domain';
import { certificateKindLabel, requesterRelationLabel } from '../../../protocol/labels';
import { parseJapaneseDate, warekiWithSeireki } from '../../../protocol/wareki';
import { useStaff } from '../staff-store';
import { CardPanel } from './card-panel';
import { yen } from './format';
import { Banner, Choice, FieldError } from './ui';

interface PersonForm {
  name: string;
  kana: string;
  birthDate: string;
  address: string;
}
const emptyPerson: PersonForm = { name: '', kana: '', birthDate: '', address: '' };

/** The birth date as typed, read back in 和暦 and 西暦, or what is wrong with it (protocol/wareki.ts). */
function BirthDateReadBack({ typed }: { typed: string }) {
  if (typed.trim() === '') return null;
  const parsed = parseJapaneseDate(typed, '生年月日');
  return parsed.ok ? (
    <output className="date-readback" data-testid="birth-date-readback">{warekiWithSeireki(parsed.isoDate)}</output>
  ) : (
    <small className="date-readback bad">{parsed.message}</small>
  );
}

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
      {key === 'birthDate' && <BirthDateReadBack typed={value.birthDate} />}
      <FieldError path={`${prefix}.${key}`} />
    </label>
  );
  return (
    <div className="grid2">
      {field('name', '氏名')}
      {field('kana', 'ふりがな')}
      {field('birthDate', '生年月日', '例: 昭和25年4月1日、S25.4.1、1950-04-01')}
      {field('address', '住所')}
    </div>
  );
}

export function NewRequest() {
  const { createRequest, startCardRead, cardFilled, go, fees, busy } = useStaff();
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
    void cardFilled();
  }, [card, relation, cardFilled]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await createRequest({
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
          <button type="button" className="secondary" data-testid="fill-from-card" onClick={() => void startCardRead({ purpose: 'fill' })}>
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
