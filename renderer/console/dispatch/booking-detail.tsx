// One booking as recorded, with 変更 (another free slot, with a reason) and 取消 (a reason, then a
// confirmation). The resident is told by the call-back list, which the hub fills on either.
import { useEffect, useState, type FormEvent } from 'react';
import type { Booking, FreeSlot, WantedService } from '../../../protocol/bookings';
import type { DispatchRefusal } from '../../../protocol/console-api';
import {
  bookingChannelLabel, bookingStatusLabel, eligibilityReasonLabel, juminhyoScopeLabel, slotLabel, wantedServiceLabel, yesNoUnknownLabel,
} from '../../../protocol/labels';
import { formatJapaneseDate } from '../../../protocol/visit-calendar';
import { ApiError } from '../api';
import { dispatchApi } from './api';
import { SlotOffers } from './booking-form';
import { formatPhone } from './booking-form-model';
import { useDispatch } from './store';

/** A wanted service in words, with a 住民票's options (what the vehicle's staff will print). */
export function describeService(s: WantedService): string {
  const j = s.type === 'certificate' ? s.juminhyo : undefined;
  if (!j) return wantedServiceLabel(s);
  const options = [juminhyoScopeLabel[j.scope], j.includeHonseki ? '本籍・筆頭者あり' : '', j.includeZokugara ? '続柄あり' : ''].filter(Boolean).join('・');
  return `${wantedServiceLabel(s)}（${options}）`;
}

const slotKey = (f: { date: string; slot: string }) => `${f.date}/${f.slot}`;

function ChangeForm({ booking, onClose }: { booking: Booking; onClose: () => void }) {
  const { open, rules, loadOpen, done, fail } = useDispatch();
  const [choice, setChoice] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<{ message: string; offers: FreeSlot[] } | null>(null);
  const [sending, setSending] = useState(false);
  const offers = open[booking.area] ?? [];
  useEffect(() => void loadOpen(booking.area).catch(fail), [booking.area, loadOpen, fail]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const target = offers.find((f) => slotKey(f) === choice);
    if (!target) return setProblem({ message: '変更先の枠を選んでください。', offers: [] });
    setSending(true);
    setProblem(null);
    try {
      const { booking: moved } = await dispatchApi.change(booking.id, { date: target.date, slot: target.slot, reason });
      await done(`${moved.resident.name}様の予約を ${formatJapaneseDate(moved.date)} ${rules?.slots[moved.slot].start ?? ''} に変更しました。お知らせの電話をコールバック一覧に入れました。`, { kind: 'detail', id: moved.id });
      onClose();
    } catch (err) {
      if (!(err instanceof ApiError) || ![400, 409, 422].includes(err.status)) return fail(err);
      setProblem({ message: err.message, offers: (err.body as Partial<DispatchRefusal>).nextFree ?? [] });
      await loadOpen(booking.area).catch(() => undefined);
    } finally {
      setSending(false);
    }
  };
  return (
    <form className="card change" onSubmit={(e) => void submit(e)} aria-label="予約の変更">
      <h3>予約を変更する</h3>
      <label htmlFor="change-slot">変更先（空いている枠）</label>
      <select id="change-slot" name="slot" value={choice} onChange={(e) => setChoice(e.target.value)}>
        <option value="">選んでください</option>
        {offers.map((f) => (
          <option key={slotKey(f)} value={slotKey(f)}>{formatJapaneseDate(f.date)} {slotLabel[f.slot]} {f.start}〜</option>
        ))}
      </select>
      <label htmlFor="change-reason">変更の理由（必須）</label>
      <textarea id="change-reason" name="reason" rows={2} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
      {problem && (
        <div className="banner error" role="alert">
          <div>
            <p>{problem.message}</p>
            <SlotOffers offers={problem.offers} onPick={(f) => setChoice(slotKey(f))} label="選べる枠" />
          </div>
        </div>
      )}
      <div className="row">
        <button className="primary" type="submit" disabled={sending || reason.trim() === '' || choice === ''}>{sending ? '変更しています…' : '変更を確定する'}</button>
        <button className="secondary" type="button" onClick={onClose}>やめる</button>
      </div>
    </form>
  );
}

function CancelForm({ booking, onClose }: { booking: Booking; onClose: () => void }) {
  const { done, fail } = useDispatch();
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [sending, setSending] = useState(false);
  const cancel = async () => {
    setSending(true);
    try {
      await dispatchApi.cancel(booking.id, reason);
      await done(`${booking.resident.name}様の ${formatJapaneseDate(booking.date)} の予約を取り消しました。お知らせの電話をコールバック一覧に入れました。`, { kind: 'week' });
    } catch (err) {
      fail(err);
      setConfirming(false);
    } finally {
      setSending(false);
    }
  };
  return (
    <form className="card cancel" onSubmit={(e) => { e.preventDefault(); setConfirming(true); }} aria-label="予約の取消">
      <h3>予約を取り消す</h3>
      <label htmlFor="cancel-reason">取消の理由（必須）</label>
      <textarea id="cancel-reason" name="reason" rows={2} maxLength={200} value={reason} disabled={confirming} onChange={(e) => setReason(e.target.value)} />
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-label="取消の確認">
          <p><strong>{booking.resident.name}様</strong>の {formatJapaneseDate(booking.date)} の予約を取り消します。よろしいですか？</p>
          <div className="row">
            <button className="danger filled" type="button" disabled={sending} onClick={() => void cancel()}>はい、取り消す</button>
            <button className="secondary" type="button" onClick={() => setConfirming(false)}>いいえ、戻る</button>
          </div>
        </div>
      ) : (
        <div className="row">
          <button className="danger" type="submit" disabled={reason.trim() === ''}>取消を確定する</button>
          <button className="secondary" type="button" onClick={onClose}>やめる</button>
        </div>
      )}
    </form>
  );
}

export function BookingDetail({ id }: { id: string }) {
  const { rules, show, fail, bookings } = useDispatch();
  const [booking, setBooking] = useState<Booking | null>(null);
  const [mode, setMode] = useState<'none' | 'change' | 'cancel'>('none');
  // Re-read when the calendar's list changes (a change elsewhere, or this one's own).
  const listed = bookings.map((b) => `${b.id}@${b.updatedAt}`).join();
  useEffect(() => {
    let live = true;
    dispatchApi.get(id).then((r) => live && setBooking(r.booking), fail);
    return () => {
      live = false;
    };
  }, [id, listed, fail]);
  if (!booking || !rules) return <p className="empty">読み込んでいます…</p>;
  const r = booking.resident;
  const booked = booking.status === 'booked';
  return (
    <section className="card booking-detail" aria-label="予約の内容" data-booking-id={booking.id}>
      <div className="row space">
        <h2>
          {formatJapaneseDate(booking.date)} {slotLabel[booking.slot]} {rules.slots[booking.slot].start}〜　{rules.areas[booking.area].label}
        </h2>
        <button className="secondary" onClick={() => show({ kind: 'week' })}>カレンダーに戻る</button>
      </div>
      <p>
        <span className={booked ? 'badge ok' : 'badge bad'}>{bookingStatusLabel[booking.status]}</span>
        <span className="muted">　受付：{bookingChannelLabel[booking.channel]}・{new Date(booking.createdAt).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'short' })}</span>
      </p>
      <dl className="facts wide">
        <dt>氏名</dt><dd><strong className="person">{r.name}</strong>（{r.kana}）</dd>
        <dt>電話番号</dt><dd className="phone">{formatPhone(r.phone)}</dd>
        <dt>生年月日</dt><dd>{r.birthDate}</dd>
        <dt>住所</dt><dd>{r.address}（{booking.district}）</dd>
        <dt>訪問の理由</dt>
        <dd>{booking.eligibility.reasons.map((x) => eligibilityReasonLabel[x]).join('・')}{booking.eligibility.note ? `（${booking.eligibility.note}）` : ''}</dd>
        <dt>電波</dt><dd>docomo・SoftBank：{yesNoUnknownLabel[booking.coverage]}</dd>
        <dt>駐車場所</dt><dd>{yesNoUnknownLabel[booking.parking]}</dd>
        <dt>希望</dt><dd><ul className="plain">{booking.services.map((s, i) => <li key={i}>{describeService(s)}</li>)}</ul></dd>
        <dt>備考</dt><dd>{booking.notes ?? 'なし'}</dd>
      </dl>
      {booked && mode === 'none' && (
        <div className="row">
          <button className="primary" onClick={() => setMode('change')}>変更</button>
          <button className="danger" onClick={() => setMode('cancel')}>取消</button>
        </div>
      )}
      {booked && mode === 'change' && <ChangeForm booking={booking} onClose={() => setMode('none')} />}
      {booked && mode === 'cancel' && <CancelForm booking={booking} onClose={() => setMode('none')} />}
    </section>
  );
}
