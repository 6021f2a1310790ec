// The phone booking form (電話での予約受付): the dispatcher types while the resident talks. The date is
// checked against the visit rules as it is typed, with the earliest open slots offered as buttons; what
// the hub refuses is shown beside its field, or with the free slots it offers instead.
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { FreeSlot } from '../../../protocol/bookings';
import type { DispatchRefusal } from '../../../protocol/console-api';
import { departmentLabel, departments, type Department } from '../../../protocol/consultation-api';
import type { CertificateKind, JuminhyoScope } from '../../../protocol/domain';
import { certificateKindLabel, eligibilityReasonLabel, juminhyoScopeLabel, slotLabel, yesNoUnknownAnswerLabel } from '../../../protocol/labels';
import { areaOfDistrict, formatJapaneseDate } from '../../../protocol/visit-calendar';
import { AREA_IDS, SLOT_IDS, type AreaId, type SlotId } from '../../../protocol/visit-rules';
import { ApiError } from '../api';
import { dispatchApi } from './api';
import {
  checkWhileTyping, emptyBookingForm, fieldKey, newCertificateWish, problemKeyOf, toPhoneBooking, type Answer, type BookingForm, type CertificateWish,
} from './booking-form-model';
import { useDispatch } from './store';

type Errors = Record<string, string>;
type Reason = keyof typeof eligibilityReasonLabel;
// The choices in the order the labels list them (the labels module is free of the schemas' library).
const REASONS = Object.keys(eligibilityReasonLabel) as Reason[];
const CERTIFICATE_KINDS = Object.keys(certificateKindLabel) as CertificateKind[];
/** The fields this form shows a problem beside. */
const SHOWN_FIELDS = new Set([
  'district', 'date', 'slot', 'resident.name', 'resident.kana', 'resident.birthDate', 'resident.address', 'resident.phone',
  'eligibility.reasons', 'eligibility.note', 'coverage', 'parking', 'services', 'notes',
]);

function FieldError({ errors, name }: { errors: Errors; name: string }) {
  const message = errors[name];
  return message ? <p className="field-error" id={`err-${name}`} role="alert">{message}</p> : null;
}

function Field({ label, name, errors, children, hint }: { label: string; name: string; errors: Errors; children: ReactNode; hint?: string }) {
  return (
    <div className={errors[name] ? 'field invalid' : 'field'}>
      <label htmlFor={`f-${name}`}>{label}{hint && <span className="hint-inline">{hint}</span>}</label>
      {children}
      <FieldError errors={errors} name={name} />
    </div>
  );
}

const inputProps = (name: string, errors: Errors) => ({
  id: `f-${name}`,
  name,
  'aria-invalid': errors[name] ? true : undefined,
  'aria-describedby': errors[name] ? `err-${name}` : undefined,
});

function AnswerGroup({ legend, name, value, onChange, errors }: { legend: string; name: string; value: Answer; onChange: (a: Answer) => void; errors: Errors }) {
  return (
    <fieldset className={errors[name] ? 'choices invalid' : 'choices'} aria-describedby={errors[name] ? `err-${name}` : undefined}>
      <legend>{legend}</legend>
      {(['yes', 'no', 'unknown'] as const).map((a) => (
        <label key={a} className="check">
          <input type="radio" name={name} checked={value === a} onChange={() => onChange(a)} />
          {yesNoUnknownAnswerLabel[a]}
        </label>
      ))}
      <FieldError errors={errors} name={name} />
    </fieldset>
  );
}

/** Buttons for free slots: picking one sets the form's date and slot. */
export function SlotOffers({ offers, onPick, label }: { offers: readonly FreeSlot[]; onPick: (f: FreeSlot) => void; label: string }) {
  if (offers.length === 0) return null;
  return (
    <div className="offers" role="group" aria-label={label}>
      <span className="offers-label">{label}：</span>
      {offers.map((f) => (
        <button type="button" key={`${f.date}/${f.slot}`} className="secondary offer" onClick={() => onPick(f)}>
          {formatJapaneseDate(f.date)} {f.start}
        </button>
      ))}
    </div>
  );
}

function CertificateRow({ wish, index, onChange, onRemove }: { wish: CertificateWish; index: number; onChange: (w: CertificateWish) => void; onRemove: () => void }) {
  const n = index + 1;
  return (
    <div className="certificate-row">
      <label className="inline">証明書{n}
        <select name={`certificate-${n}-kind`} value={wish.kind} onChange={(e) => onChange({ ...wish, kind: e.target.value as CertificateKind })}>
          {CERTIFICATE_KINDS.map((k) => <option key={k} value={k}>{certificateKindLabel[k]}</option>)}
        </select>
      </label>
      <label className="inline">通数
        <input className="copies" name={`certificate-${n}-copies`} inputMode="numeric" value={wish.copies} onChange={(e) => onChange({ ...wish, copies: e.target.value })} />
      </label>
      {wish.kind === 'juminhyo' && (
        <>
          <label className="inline">記載の範囲
            <select name={`certificate-${n}-scope`} value={wish.scope} onChange={(e) => onChange({ ...wish, scope: e.target.value as JuminhyoScope })}>
              {(['household', 'partial'] as const).map((s) => <option key={s} value={s}>{juminhyoScopeLabel[s]}</option>)}
            </select>
          </label>
          <label className="check"><input type="checkbox" checked={wish.includeHonseki} onChange={(e) => onChange({ ...wish, includeHonseki: e.target.checked })} />本籍・筆頭者</label>
          <label className="check"><input type="checkbox" checked={wish.includeZokugara} onChange={(e) => onChange({ ...wish, includeZokugara: e.target.checked })} />続柄</label>
        </>
      )}
      <button type="button" className="danger small" onClick={onRemove}>この証明書を外す</button>
    </div>
  );
}

export function BookingFormView({ preset }: { preset: { date?: string; slot?: SlotId; area: AreaId } }) {
  const { rules, open, loadOpen, hubNow, done, fail, show } = useDispatch();
  const [form, setForm] = useState<BookingForm>(() => emptyBookingForm(`phone-${crypto.randomUUID()}`, preset));
  const [errors, setErrors] = useState<Errors>({});
  const [refusal, setRefusal] = useState<{ message: string; offers: FreeSlot[] } | null>(null);
  const [sending, setSending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), []);

  const area = (rules && form.district && areaOfDistrict(rules, form.district)) || preset.area;
  useEffect(() => {
    if (!open[area]) void loadOpen(area).catch(fail);
  }, [area, open, loadOpen, fail]);
  const openSlots = useMemo(() => open[area] ?? [], [open, area]);
  const verdict = rules ? checkWhileTyping(rules, hubNow(), form, openSlots) : null;

  // After the hub names problems, the first one gets the focus, so the dispatcher can fix it at once.
  useEffect(() => {
    if (Object.keys(errors).length > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  if (!rules) return <p className="empty">読み込んでいます…</p>;
  const update = <K extends keyof BookingForm>(key: K, value: BookingForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    const errorKey = problemKeyOf(key);
    setErrors(({ [errorKey]: _fixed, ...rest }) => rest);
  };
  const pick = (f: FreeSlot) => {
    setForm((x) => ({ ...x, date: f.date, slot: f.slot }));
    setRefusal(null);
    setErrors(({ date: _d, slot: _s, ...rest }) => rest);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSending(true);
    setErrors({});
    setRefusal(null);
    try {
      const { booking } = await dispatchApi.book(toPhoneBooking(form));
      const start = rules.slots[booking.slot].start;
      await done(`${booking.resident.name}様の訪問を ${formatJapaneseDate(booking.date)} ${start} で予約しました。`, { kind: 'detail', id: booking.id });
    } catch (err) {
      if (!(err instanceof ApiError)) return fail(err);
      if (err.status === 400 && err.body.fields) {
        const next: Errors = {};
        for (const f of err.body.fields) next[fieldKey(f.path)] ??= f.message;
        setErrors(next);
        // A problem with no field on the screen (the form's own receipt id) is said in the summary.
        const unshown = Object.entries(next).filter(([key]) => !SHOWN_FIELDS.has(key)).map(([, m]) => m);
        setRefusal({ message: ['入力に確かめるところがあります。赤い枠の項目を直してください。', ...unshown].join(' '), offers: [] });
      } else if (err.status === 409 || err.status === 422) {
        const { nextFree = [], earliest } = err.body as Partial<DispatchRefusal>;
        const sameDay = earliest ? openSlots.filter((f) => f.date === earliest) : [];
        setRefusal({ message: err.message, offers: nextFree.length > 0 ? nextFree : sameDay.length > 0 ? sameDay : openSlots.slice(0, 6) });
        await loadOpen(area).catch(() => undefined);
      } else fail(err);
    } finally {
      setSending(false);
    }
  };

  const toggleReason = (r: Reason, on: boolean) =>
    update('reasons', on ? [...form.reasons, r] : form.reasons.filter((x) => x !== r));
  const setCertificates = (list: CertificateWish[]) => update('certificates', list);

  return (
    <form ref={formRef} className="card booking-form" onSubmit={(e) => void submit(e)} aria-label="電話予約の受付" noValidate>
      <div className="row space">
        <h2>電話予約の受付</h2>
        <button type="button" className="secondary" onClick={() => show({ kind: 'week' })}>カレンダーに戻る</button>
      </div>

      <h3>訪問の日時</h3>
      <div className="grid3">
        <Field label="地区（住所の地区で北部・南部が決まります）" name="district" errors={errors}>
          <select ref={first} {...inputProps('district', errors)} value={form.district} onChange={(e) => update('district', e.target.value)}>
            <option value="">選んでください</option>
            {AREA_IDS.map((a) => (
              <optgroup key={a} label={rules.areas[a].label}>
                {rules.areas[a].districts.map((d) => <option key={d} value={d}>{d}（{rules.areas[a].label}）</option>)}
              </optgroup>
            ))}
          </select>
        </Field>
        <Field label="訪問日" name="date" errors={errors}>
          <input type="date" {...inputProps('date', errors)} value={form.date} onChange={(e) => update('date', e.target.value)} />
        </Field>
        <Field label="時間帯" name="slot" errors={errors}>
          <select {...inputProps('slot', errors)} value={form.slot} onChange={(e) => update('slot', e.target.value as SlotId | '')}>
            <option value="">選んでください</option>
            {SLOT_IDS.map((s) => <option key={s} value={s}>{slotLabel[s]} {rules.slots[s].start}〜</option>)}
          </select>
        </Field>
      </div>
      {form.date && /^\d{4}-\d{2}-\d{2}$/.test(form.date) && <p className="picked">{formatJapaneseDate(form.date)}{form.slot ? ` ${rules.slots[form.slot].start}〜` : ''}</p>}
      {form.district && !form.date && (
        <SlotOffers offers={openSlots.slice(0, 6)} onPick={pick} label={`${rules.areas[area].label}の早い順の空き枠`} />
      )}
      {verdict && (
        <div className="verdict" role="status" data-testid="rules-verdict">
          <p>{verdict.message}</p>
          <SlotOffers offers={verdict.offers} onPick={pick} label="空いている枠" />
        </div>
      )}

      <h3>訪問先の方</h3>
      <div className="grid2">
        <Field label="氏名" name="resident.name" errors={errors}>
          <input {...inputProps('resident.name', errors)} autoComplete="off" value={form.name} onChange={(e) => update('name', e.target.value)} />
        </Field>
        <Field label="ふりがな" name="resident.kana" errors={errors}>
          <input {...inputProps('resident.kana', errors)} autoComplete="off" value={form.kana} onChange={(e) => update('kana', e.target.value)} />
        </Field>
        <Field label="生年月日" name="resident.birthDate" errors={errors} hint="（例 1948-04-01）">
          <input {...inputProps('resident.birthDate', errors)} autoComplete="off" placeholder="1948-04-01" value={form.birthDate} onChange={(e) => update('birthDate', e.target.value)} />
        </Field>
        <Field label="電話番号" name="resident.phone" errors={errors} hint="（例 0246-22-1111）">
          <input {...inputProps('resident.phone', errors)} type="tel" autoComplete="off" value={form.phone} onChange={(e) => update('phone', e.target.value)} />
        </Field>
      </div>
      <Field label="住所" name="resident.address" errors={errors}>
        <input {...inputProps('resident.address', errors)} autoComplete="off" value={form.address} onChange={(e) => update('address', e.target.value)} />
      </Field>

      <h3>訪問の理由・ご自宅の様子</h3>
      <fieldset className={errors['eligibility.reasons'] ? 'choices invalid' : 'choices'}>
        <legend>市役所に来るのが難しい理由（いくつでも）</legend>
        {REASONS.map((r) => (
          <label key={r} className="check">
            <input type="checkbox" name="reasons" value={r} checked={form.reasons.includes(r)} onChange={(e) => toggleReason(r, e.target.checked)} />
            {eligibilityReasonLabel[r]}
          </label>
        ))}
        <FieldError errors={errors} name="eligibility.reasons" />
      </fieldset>
      {form.reasons.includes('other') && (
        <Field label="その他の理由" name="eligibility.note" errors={errors}>
          <input {...inputProps('eligibility.note', errors)} value={form.reasonNote} onChange={(e) => update('reasonNote', e.target.value)} />
        </Field>
      )}
      <div className="grid2">
        <AnswerGroup legend="ご自宅で docomo・SoftBank の電波が入りますか" name="coverage" value={form.coverage} onChange={(a) => update('coverage', a)} errors={errors} />
        <AnswerGroup legend="車両（ワゴン車）を停める場所がありますか" name="parking" value={form.parking} onChange={(a) => update('parking', a)} errors={errors} />
      </div>

      <h3>ご自宅でしたいこと</h3>
      <fieldset className={errors.services ? 'choices services invalid' : 'choices services'}>
        <legend>希望する手続き（1つ以上）</legend>
        {form.certificates.map((c, i) => (
          <CertificateRow
            key={i}
            wish={c}
            index={i}
            onChange={(w) => setCertificates(form.certificates.map((x, j) => (j === i ? w : x)))}
            onRemove={() => setCertificates(form.certificates.filter((_, j) => j !== i))}
          />
        ))}
        <button type="button" className="secondary" onClick={() => setCertificates([...form.certificates, newCertificateWish()])}>＋ 証明書の交付を加える</button>
        <div className="row">
          <label className="check"><input type="checkbox" checked={form.insuranceLink} onChange={(e) => update('insuranceLink', e.target.checked)} />マイナ保険証の紐付け</label>
          <label className="check"><input type="checkbox" checked={form.smartphoneHelp} onChange={(e) => update('smartphoneHelp', e.target.checked)} />スマホ市役所の使い方</label>
        </div>
        <label className="inline">ビデオ相談
          <select name="consultation" value={form.consultation} onChange={(e) => update('consultation', e.target.value as Department | '')}>
            <option value="">希望しない</option>
            {departments.map((d) => <option key={d} value={d}>{departmentLabel[d]}</option>)}
          </select>
        </label>
        <FieldError errors={errors} name="services" />
      </fieldset>

      <Field label="備考（道順・駐車・耳が遠いなど）" name="notes" errors={errors}>
        <textarea {...inputProps('notes', errors)} rows={3} maxLength={500} value={form.notes} onChange={(e) => update('notes', e.target.value)} />
      </Field>

      {refusal && (
        <div className="banner error refusal" role="alert">
          <div>
            <p>{refusal.message}</p>
            <SlotOffers offers={refusal.offers} onPick={pick} label="選べる枠" />
          </div>
        </div>
      )}
      <div className="row">
        <button className="primary big" type="submit" disabled={sending}>{sending ? '予約しています…' : 'この内容で予約する'}</button>
        <button type="button" className="secondary" onClick={() => show({ kind: 'week' })}>やめる</button>
      </div>
    </form>
  );
}
