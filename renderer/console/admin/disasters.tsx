// 災害: the disasters the city takes り災証明書 applications for — the list the vehicles receive at
// their next sync, and a form to add one. The admin keeps this list only: the applications themselves
// are the tax department's (資産税課), never shown here.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { disasterKindLabel, disasterKinds, type Disaster, type DisasterKind } from '../../../protocol/disaster';
import { warekiWithSeireki } from '../../../protocol/wareki';
import { ApiError } from '../api';
import { todayInTokyo, useConsole } from '../store';
import { adminApi, dateTime } from './api';
import { useAdminList } from './use-admin-list';
import { ListHeading } from './list-heading';

const fetchDisasters = () => adminApi.disasters();

interface DisasterForm {
  name: string;
  kind: DisasterKind;
  date: string;
  area: string;
  selfAssessment: boolean;
}
type FieldName = keyof DisasterForm;
type Errors = Partial<Record<FieldName, string>>;
const FIELDS: readonly FieldName[] = ['name', 'kind', 'date', 'area', 'selfAssessment'];
const emptyForm = (): DisasterForm => ({ name: '', kind: disasterKinds[0], date: todayInTokyo(), area: '', selfAssessment: false });

function Field({ label, name, errors, hint, children }: { label: string; name: FieldName; errors: Errors; hint?: string; children: ReactNode }) {
  return (
    <div className={errors[name] ? 'field invalid' : 'field'}>
      <label htmlFor={`disaster-${name}`}>{label}{hint && <span className="hint-inline">{hint}</span>}</label>
      {children}
      {errors[name] && <p className="field-error" id={`disaster-err-${name}`} role="alert">{errors[name]}</p>}
    </div>
  );
}

const inputProps = (name: FieldName, errors: Errors) => ({
  id: `disaster-${name}`,
  name,
  'aria-invalid': errors[name] ? true : undefined,
  'aria-describedby': errors[name] ? `disaster-err-${name}` : undefined,
});

function NewDisasterForm({ done }: { done: () => void }) {
  const { tell, report, dismiss } = useConsole();
  const [form, setForm] = useState<DisasterForm>(emptyForm);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // After the hub names problems, the first one gets the focus, so the admin can fix it at once.
  useEffect(() => {
    if (Object.keys(errors).length > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  const update = <K extends FieldName>(key: K, value: DisasterForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors(({ [key]: _fixed, ...rest }) => rest);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    dismiss();
    try {
      const added = await adminApi.addDisaster(form);
      tell(`災害「${added.name}」を登録しました。車両は次の同期で一覧を受け取ります。`);
      setForm(emptyForm());
      done();
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && err.body.fields?.some((f) => (FIELDS as readonly string[]).includes(f.path))) {
        const next: Errors = {};
        for (const f of err.body.fields) if ((FIELDS as readonly string[]).includes(f.path)) next[f.path as FieldName] ??= f.message;
        setErrors(next);
      } else report(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form ref={formRef} className="card add-disaster" onSubmit={(e) => void submit(e)} aria-label="災害の登録" noValidate>
      <h3>災害を登録する</h3>
      {Object.keys(errors).length > 0 && <p className="field-error">入力に確かめるところがあります。赤い枠の項目を直してください。</p>}
      <div className="form-grid">
        <Field label="災害の名前" name="name" errors={errors} hint="例 令和5年台風第13号">
          <input {...inputProps('name', errors)} value={form.name} onChange={(e) => update('name', e.target.value)} maxLength={80} />
        </Field>
        <Field label="種類" name="kind" errors={errors}>
          <select {...inputProps('kind', errors)} value={form.kind} onChange={(e) => update('kind', e.target.value as DisasterKind)}>
            {disasterKinds.map((k) => <option key={k} value={k}>{disasterKindLabel[k]}</option>)}
          </select>
        </Field>
        <Field label="発生日" name="date" errors={errors}>
          <input {...inputProps('date', errors)} type="date" value={form.date} onChange={(e) => update('date', e.target.value)} />
        </Field>
        <Field label="対象地域" name="area" errors={errors} hint="例 平・内郷">
          <input {...inputProps('area', errors)} value={form.area} onChange={(e) => update('area', e.target.value)} maxLength={80} />
        </Field>
      </div>
      <div className={errors.selfAssessment ? 'field invalid' : 'field'}>
        <label className="check">
          <input type="checkbox" name="selfAssessment" checked={form.selfAssessment} onChange={(e) => update('selfAssessment', e.target.checked)}
            aria-invalid={errors.selfAssessment ? true : undefined} aria-describedby={errors.selfAssessment ? 'disaster-err-selfAssessment' : undefined} />
          写真による自己判定方式を認める
        </label>
        {errors.selfAssessment && <p className="field-error" id="disaster-err-selfAssessment" role="alert">{errors.selfAssessment}</p>}
      </div>
      <button className="primary" type="submit" disabled={busy}>登録する</button>
    </form>
  );
}

export function Disasters() {
  const { items: disasters, load } = useAdminList<Disaster>(fetchDisasters);
  if (!disasters) return <p className="empty">読み込んでいます…</p>;
  return (
    <section aria-label="災害">
      <ListHeading title={`災害（${disasters.length}件）`} onReload={() => void load()} />
      {disasters.length === 0 ? <p className="empty">登録された災害はまだありません。</p> : (
        <table className="requests dense admin-table disasters">
          <thead><tr><th>災害の名前</th><th>種類</th><th>発生日</th><th>対象地域</th><th>自己判定方式</th><th>登録</th></tr></thead>
          <tbody>
            {disasters.map((d) => (
              <tr key={d.id} data-disaster-id={d.id}>
                <td>{d.name}</td>
                <td>{disasterKindLabel[d.kind]}</td>
                <td>{warekiWithSeireki(d.date)}</td>
                <td>{d.area}</td>
                <td>{d.selfAssessment ? <span className="badge ok">認める</span> : <span className="badge warn">認めない（現地調査）</span>}</td>
                <td>{dateTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">ここで登録した災害は、車両が次の同期で受け取り、り災証明書の申請で選べるようになります。申請の内容は税務担当（資産税課）だけが見られます。</p>
      <NewDisasterForm done={() => void load()} />
    </section>
  );
}
