// 本日の訪問: the day's home visits in slot order, readable at arm's length by staff and by the resident
// at the door (large type, high contrast). Works from the vehicle's own store with no network.
import { useState } from 'react';
import { departmentLabel } from '../../../protocol/consultation-api';
import { certificateKindLabel, eligibilityReasonLabel, visitOutcomeLabel, visitStatusLabel, wantedServiceLabel, yesNoUnknownLabel } from '../../../protocol/labels';
import type { VisitOutcome, VisitView } from '../../../protocol/visits';
import { useStaff } from '../staff-store';
import { japaneseDate, time } from './format';
import { Banner, FieldError } from './ui';

const weekday = ['日', '月', '火', '水', '木', '金', '土'];

/** 2026-12-04 → 12月4日（金）. */
function dayLabel(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${m}月${d}日（${weekday[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}）`;
}

/** Phone numbers as residents write them: 0246-43-1234, 090-1234-5678. */
export function phoneLabel(phone: string): string {
  if (/^0[789]0\d{8}$/.test(phone)) return `${phone.slice(0, 3)}-${phone.slice(3, 7)}-${phone.slice(7)}`;
  if (/^0246\d{6}$/.test(phone)) return `${phone.slice(0, 4)}-${phone.slice(4, 6)}-${phone.slice(6)}`;
  return phone;
}

function SyncBanner() {
  const { visitDay, pullVisits, busy } = useStaff();
  const online = visitDay?.online ?? false;
  const pulled = visitDay?.lastPulledAt;
  return (
    <div className={`visits-sync ${online ? 'online' : 'offline'}`} data-testid="visits-sync" role="status">
      <span className="state">{online ? '市役所と接続中' : 'オフライン：端末に保存した予定を表示しています'}</span>
      <span className="pulled">
        予定の受信：{pulled ? `${new Date(pulled).toLocaleDateString('ja-JP', { month: 'long', day: 'numeric', timeZone: 'Asia/Tokyo' })} ${time(pulled)}` : 'まだ受け取っていません'}
      </span>
      <button className="secondary big" disabled={busy} onClick={() => void pullVisits()}>
        予定を更新
      </button>
    </div>
  );
}

function OutcomeForm({ visit }: { visit: VisitView }) {
  const { recordVisitOutcome, busy } = useStaff();
  const [choice, setChoice] = useState<VisitOutcome | null>(null);
  const [reason, setReason] = useState('');
  const outcomes: VisitOutcome[] = ['done', 'absent', 'postponed', 'cancelled'];
  return (
    <div className="outcome" data-testid="visit-outcome">
      <div className="row">
        {outcomes.map((o) => (
          <button
            key={o}
            className={choice === o ? `outcome-choice on ${o}` : `outcome-choice ${o}`}
            aria-pressed={choice === o}
            disabled={busy}
            onClick={() => (o === 'done' ? void recordVisitOutcome(visit.bookingId, 'done') : setChoice(o))}
          >
            {visitOutcomeLabel[o]}
          </button>
        ))}
      </div>
      {choice && choice !== 'done' && (
        <form
          className="reason"
          onSubmit={(e) => {
            e.preventDefault();
            void recordVisitOutcome(visit.bookingId, choice, reason).then((done) => done && setChoice(null));
          }}
        >
          <label>
            「{visitOutcomeLabel[choice]}」の理由<small>必須・配車担当が折り返しの電話で使います</small>
            <input name="outcomeReason" value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} />
          </label>
          <FieldError path="reason" />
          <button className="primary big" type="submit" disabled={busy}>
            「{visitOutcomeLabel[choice]}」を記録する
          </button>
        </form>
      )}
    </div>
  );
}

function VisitCard({ visit }: { visit: VisitView }) {
  const { openVisit, startConsultation, go, requests, busy } = useStaff();
  const b = visit.booking;
  const closed = visit.status !== 'planned' && visit.status !== 'open';
  const consultation = b?.services.find((s) => s.type === 'consultation');
  return (
    <article className={`visit ${visit.status}`} data-booking-id={visit.bookingId} data-testid="visit">
      <div className="row space">
        <span className="visit-time">{visit.start}〜</span>
        <span className={`visit-status ${visit.status}`}>{visitStatusLabel[visit.status]}</span>
      </div>
      {b ? (
        <>
          <p className="visit-name">
            {b.resident.name} 様 <span className="kana">（{b.resident.kana}）</span>
          </p>
          <p className="visit-address">{b.resident.address}</p>
          <p className="visit-phone">
            電話 <a href={`tel:${b.resident.phone}`}>{phoneLabel(b.resident.phone)}</a>
          </p>
          <dl className="visit-facts">
            <dt>地区</dt>
            <dd>{b.district}</dd>
            <dt>生年月日</dt>
            <dd>{japaneseDate(b.resident.birthDate)}</dd>
            <dt>ご希望</dt>
            <dd>
              <ul className="wants">
                {b.services.map((s, i) => (
                  <li key={i}>{wantedServiceLabel(s)}</li>
                ))}
              </ul>
            </dd>
            <dt>理由</dt>
            <dd>
              {b.eligibility.reasons.map((r) => eligibilityReasonLabel[r]).join('・')}
              {b.eligibility.note ? `（${b.eligibility.note}）` : ''}
            </dd>
            <dt>駐車場</dt>
            <dd className={b.parking === 'yes' ? '' : 'caution'}>{yesNoUnknownLabel[b.parking]}</dd>
            <dt>電波（ドコモ・ソフトバンク）</dt>
            <dd className={b.coverage === 'yes' ? '' : 'caution'}>{yesNoUnknownLabel[b.coverage]}</dd>
            {b.notes && (
              <>
                <dt>備考</dt>
                <dd>{b.notes}</dd>
              </>
            )}
          </dl>
        </>
      ) : (
        <p className="visit-purged">市役所に結果を送信済みのため、お名前などの個人情報は端末から削除しました。</p>
      )}
      {visit.status === 'planned' && (
        <button className="primary big" disabled={busy} onClick={() => void openVisit(visit.bookingId)}>
          訪問を開始
        </button>
      )}
      {visit.status === 'open' && (
        <div className="visit-work">
          {visit.requestIds.length > 0 && (
            <div className="row">
              {visit.requestIds.map((id) => {
                const r = requests.find((x) => x.id === id);
                return (
                  <button key={id} className="secondary big" onClick={() => void go({ name: 'request', id })}>
                    {r ? `受付 ${r.number}：${certificateKindLabel[r.kind]}` : '受付を開く'}
                  </button>
                );
              })}
            </div>
          )}
          {consultation?.type === 'consultation' && (
            <button
              className="secondary big"
              disabled={busy}
              onClick={() => void startConsultation(consultation.department).then(() => go({ name: 'consult' }))}
            >
              ビデオ相談を始める（{departmentLabel[consultation.department]}）
            </button>
          )}
        </div>
      )}
      {!closed && <OutcomeForm visit={visit} />}
      {closed && (
        <p className="visit-result">
          結果：<strong>{visitOutcomeLabel[visit.status as VisitOutcome]}</strong>
          {visit.outcomeReason ? `（${visit.outcomeReason}）` : ''}
          <span className={visit.outcomePending ? 'pending' : 'sent'}>{visit.outcomePending ? '市役所へ送信待ち' : '市役所に送信済み'}</span>
        </p>
      )}
    </article>
  );
}

export function Visits() {
  const visitDay = useStaff((s) => s.visitDay);
  const days = new Map<string, VisitView[]>();
  for (const v of visitDay?.visits ?? []) days.set(v.date, [...(days.get(v.date) ?? []), v]);
  return (
    <main className="visits">
      <h1>本日の訪問</h1>
      <SyncBanner />
      <Banner />
      {days.size === 0 && <p className="empty">この車両の訪問予定はありません。市役所につながったら「予定を更新」を押してください。</p>}
      {[...days].map(([date, visits]) => (
        <section key={date} aria-label={dayLabel(date)}>
          <h2 className="visit-day">
            {dayLabel(date)}
            {date === visitDay?.today ? '　本日' : ''}
          </h2>
          {visits.map((v) => (
            <VisitCard key={v.bookingId} visit={v} />
          ))}
        </section>
      ))}
    </main>
  );
}
