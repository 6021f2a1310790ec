// The week calendar of one area: rows are the slots, columns Monday to Sunday. A free cell opens the
// booking form on its day and slot; a booked one the booking; a closed one says why.
import { useEffect } from 'react';
import type { Booking } from '../../../protocol/bookings';
import { slotLabel, visitOutcomeLabel } from '../../../protocol/labels';
import { addDays, cityClosingReason, formatJapaneseDate, nationalHolidayName, type AvailabilityDay } from '../../../protocol/visit-calendar';
import { AREA_IDS, SLOT_IDS, type AreaId, type SlotId, type VisitRules } from '../../../protocol/visit-rules';
import { useDispatch } from './store';

/** Why a day has no visit: a holiday's or closing day's name, else it is not this area's visit day. */
function noVisitReason(rules: VisitRules, date: string): { label: string; detail: string; holiday: boolean } {
  const closing = cityClosingReason(rules, date);
  if (closing) return { label: '休日', detail: closing, holiday: true };
  const holiday = nationalHolidayName(date);
  if (holiday) return { label: '休日', detail: holiday, holiday: true };
  return { label: '訪問日ではない', detail: '', holiday: false };
}

function Legend() {
  return (
    <p className="legend" aria-label="表示の見方">
      <span className="key free">空き</span>押すと予約を入れます
      <span className="key booked">予約済み</span>押すと内容・変更・取消
      <span className="key closed">受付終了</span>締切を過ぎました
      <span className="key closed">受付前</span>まだ受け付けていません
      <span className="keys"><kbd>PageUp</kbd>・<kbd>PageDown</kbd> で前後の週、<kbd>Home</kbd> で今週</span>
    </p>
  );
}

/** Which vehicle goes out on a visit day: chosen here, pulled by that vehicle before it leaves. */
function AssignControl({ date, past }: { date: string; past: boolean }) {
  const { assignments, vehicles, assignDay } = useDispatch();
  const current = assignments[date] ?? '';
  const label = `${formatJapaneseDate(date)} の車両`;
  if (past) return <span className="assign">{current ? `車両 ${current}` : '車両なし'}</span>;
  return (
    <label className="assign">
      <span className="sr-only">{label}</span>
      <select aria-label={label} value={current} onChange={(e) => void assignDay(date, e.target.value === '' ? null : e.target.value)}>
        <option value="">車両を選ぶ</option>
        {[...new Set([...vehicles, ...(current ? [current] : [])])].map((v) => <option key={v} value={v}>車両 {v}</option>)}
      </select>
    </label>
  );
}

function Cell({ day, slot, booking, now }: { day: AvailabilityDay; slot: SlotId; booking: Booking | undefined; now: Date }) {
  const { show, area, outcomes } = useDispatch();
  const s = day.slots.find((x) => x.slot === slot);
  const when = `${formatJapaneseDate(day.date)} ${s?.start ?? ''}`;
  if (!s) return null;
  if (s.status === 'booked') {
    const outcome = booking ? outcomes[booking.id] : undefined;
    return (
      <button
        className={outcome ? `cell booked outcome-${outcome}` : 'cell booked'}
        // The name says every word the cell shows, in its order (WCAG 2.5.3), after the day and time.
        aria-label={`${when} 予約済み${booking ? ` ${booking.resident.name} ${booking.district}` : ''}${outcome ? ` 訪問${visitOutcomeLabel[outcome]}` : ''}`}
        disabled={!booking}
        onClick={() => booking && show({ kind: 'detail', id: booking.id })}
      >
        <span className="state">予約済み</span>
        {booking && <><strong className="who">{booking.resident.name}</strong><span className="where">{booking.district}</span></>}
        {outcome && <span className="outcome">訪問{visitOutcomeLabel[outcome]}</span>}
      </button>
    );
  }
  if (s.status === 'free') {
    return (
      <button className="cell free" aria-label={`${when} 空き 予約を入れる`} onClick={() => show({ kind: 'form', preset: { date: day.date, slot, area } })}>
        <span className="state">空き</span>
        <span className="where">予約を入れる</span>
      </button>
    );
  }
  const passed = day.deadline !== null && now >= new Date(day.deadline);
  return (
    <div className="cell closed" aria-label={`${when} ${passed ? '受付終了' : '受付前'}`}>
      <span className="state">{passed ? '受付終了' : '受付前'}</span>
    </div>
  );
}

export function WeekCalendar() {
  const { rules, area, weekStart, today, days, bookings, setArea, shiftWeek, thisWeek, hubNow } = useDispatch();
  // Weeks move from the keyboard too, unless a field has the keys.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLElement && e.target.closest('input, textarea, select')) return;
      const move = { PageUp: () => shiftWeek(-1), PageDown: () => shiftWeek(1), Home: thisWeek }[e.key];
      if (!move || e.altKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      move();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shiftWeek, thisWeek]);
  if (!rules) return <p className="empty">読み込んでいます…</p>;
  const dates = Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
  const byDate = new Map((days ?? []).map((d) => [d.date, d]));
  const now = hubNow();
  const bookingAt = (date: string, slot: SlotId) => bookings.find((b) => b.date === date && b.slot === slot);
  const startOf = (slot: SlotId) => days?.find((d) => d.visitDay)?.slots.find((s) => s.slot === slot)?.start ?? rules.slots[slot].start;
  const areaLabel = (a: AreaId) => rules.areas[a].label;
  return (
    <section aria-label="予約カレンダー">
      <div className="row space calendar-bar">
        <div className="tabs" role="tablist" aria-label="地域">
          {AREA_IDS.map((a) => (
            <button key={a} role="tab" aria-selected={area === a} className={area === a ? 'tab on' : 'tab'} onClick={() => setArea(a)}>
              {areaLabel(a)}
            </button>
          ))}
        </div>
        <h2 className="week-title">{formatJapaneseDate(dates[0]!)} 〜 {formatJapaneseDate(dates[6]!)}</h2>
        <div className="row">
          <button className="secondary" onClick={() => shiftWeek(-1)} aria-label="前の週">◀ 前の週</button>
          <button className="secondary" onClick={thisWeek}>今週</button>
          <button className="secondary" onClick={() => shiftWeek(1)} aria-label="次の週">次の週 ▶</button>
        </div>
      </div>
      <p className="muted area-districts">{areaLabel(area)}の地区：{rules.areas[area].districts.join('・')}</p>
      <table className="week" data-testid="week">
        <thead>
          <tr>
            <th className="slot-head" scope="col">時間帯</th>
            {dates.map((date) => {
              const day = byDate.get(date);
              return (
                <th key={date} scope="col" className={`${date === today ? 'today' : ''} ${day?.visitDay ? 'visit' : 'no-visit'}`} data-date={date}>
                  <span className="date">{formatJapaneseDate(date)}</span>
                  {date === today && <span className="today-mark">きょう</span>}
                  {day?.visitDay && day.deadline && (
                    day.deadline.slice(0, 10) === today && now < new Date(day.deadline)
                      ? <span className="deadline due">本日 {day.deadline.slice(11, 16)} 締切</span>
                      : <span className="deadline">締切 {formatJapaneseDate(day.deadline.slice(0, 10))} {day.deadline.slice(11, 16)}</span>
                  )}
                  {day?.visitDay && <AssignControl date={date} past={date < today} />}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {SLOT_IDS.map((slot, row) => (
            <tr key={slot}>
              <th scope="row" className="slot-head">
                {slotLabel[slot]}<br /><span className="time">{startOf(slot)}〜</span>
              </th>
              {dates.map((date) => {
                const day = byDate.get(date);
                if (!day) return <td key={date} className="loading">…</td>;
                if (!day.visitDay) {
                  if (row > 0) return null;
                  const why = noVisitReason(rules, date);
                  return (
                    <td key={date} rowSpan={SLOT_IDS.length} className={why.holiday ? 'no-visit holiday' : 'no-visit'}>
                      <span className="state">{why.label}</span>
                      {why.detail && <span className="where">{why.detail}</span>}
                    </td>
                  );
                }
                return (
                  <td key={date} className={date === today ? 'today' : undefined}>
                    <Cell day={day} slot={slot} booking={bookingAt(date, slot)} now={now} />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <Legend />
    </section>
  );
}
