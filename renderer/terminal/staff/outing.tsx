// 運行: start an outing (kind, place, staff on board) and end it. The date is the vehicle's Tokyo
// date; the place of 地区定期巡回 comes from the city's list, other kinds may name any place. Works
// with no network: the record waits for city hall in the outbox.
import { useState } from 'react';
import { OUTING_KINDS, outingKindLabel, recordServiceLabel, RECORD_SERVICES, type OutingKind } from '../../../protocol/records';
import type { OutingView } from '../../../protocol/outings';
import { useStaff } from '../staff-store';
import { time, yen } from './format';
import { Banner, Choice, FieldError } from './ui';

function dateLabel(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return `${y}年${m}月${d}日`;
}

/** The column names of the city's table, shortened only where a count card is too narrow. */
const countLabel = (s: (typeof RECORD_SERVICES)[number]) => (s === 'mynumber_card' ? 'マイナカード' : recordServiceLabel[s]);

/**
 * The counts of an outing: each service, 計 and 説明者数, as the city's table has them; on a り災 outing
 * (or any with an application) the people who applied for a り災証明書, who count in 計.
 */
export function OutingCounts({ outing }: { outing: OutingView }) {
  const c = outing.counts;
  return (
    <dl className="outing-counts" data-testid="outing-counts">
      {RECORD_SERVICES.map((s) => (
        <div key={s} className="count" data-service={s}>
          <dt>{countLabel(s)}</dt>
          <dd>{c.services[s]}<small>人</small></dd>
        </div>
      ))}
      {(outing.kind === 'disaster' || c.risai > 0) && (
        <div className="count" data-service="risai">
          <dt>り災申請</dt>
          <dd>{c.risai}<small>人</small></dd>
        </div>
      )}
      <div className="count total" data-service="total">
        <dt>計</dt>
        <dd>{c.people}<small>人</small></dd>
      </div>
      <div className="count explained" data-service="explained">
        <dt>説明者数</dt>
        <dd>{c.explained}<small>人</small></dd>
      </div>
    </dl>
  );
}

export function outingTitle(o: OutingView): string {
  return `${outingKindLabel[o.kind]}${o.place ? `（${o.place}）` : ''}`;
}

function StartForm() {
  const { outingDesk, session, startOuting, busy, clearField } = useStaff();
  const [kind, setKind] = useState<OutingKind | undefined>(undefined);
  const [place, setPlace] = useState('');
  const [staff, setStaff] = useState<string[]>(session?.staffId ? [session.staffId] : []);
  if (!outingDesk) return null;
  const toggle = (id: string) => {
    clearField('staff');
    setStaff((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  };
  return (
    <form
      className="outing-start"
      onSubmit={(e) => {
        e.preventDefault();
        void startOuting({ kind: kind as OutingKind, place: place.trim() === '' ? null : place.trim(), staff });
      }}
    >
      <p className="lead">運行日：{dateLabel(outingDesk.today)}</p>
      <h2>運行の種類</h2>
      <Choice
        name="kind"
        value={kind}
        options={OUTING_KINDS.map((k) => [k, outingKindLabel[k]])}
        onChange={(k) => {
          clearField('kind');
          setKind(k);
          if (k === 'patrol' && !outingDesk.places.includes(place)) setPlace('');
        }}
      />
      <FieldError path="kind" />
      <h2>場所</h2>
      {kind === 'patrol' ? (
        <Choice name="place" value={place || undefined} options={outingDesk.places.map((p) => [p, p])} onChange={(p) => (clearField('place'), setPlace(p))} />
      ) : (
        <input className="big-input" aria-label="場所" placeholder="例：いわき駅前、○○集会所" value={place} maxLength={40} onChange={(e) => (clearField('place'), setPlace(e.target.value))} />
      )}
      <FieldError path="place" />
      <h2>乗車職員</h2>
      <div className="choices" role="group" data-name="staff">
        {outingDesk.staff.map((s) => (
          <button type="button" key={s.id} role="checkbox" aria-checked={staff.includes(s.id)} className={staff.includes(s.id) ? 'choice on' : 'choice'} onClick={() => toggle(s.id)}>
            {s.name}
          </button>
        ))}
      </div>
      <FieldError path="staff" />
      <button type="submit" className="primary xl" disabled={busy}>
        運行を開始
      </button>
    </form>
  );
}

function OpenOuting({ outing }: { outing: OutingView }) {
  const { go } = useStaff();
  return (
    <section className="outing-open" data-testid="outing-open">
      <p className="lead">
        運行中：<strong>{outingTitle(outing)}</strong>　{time(outing.startedAt)} から　乗車：{outing.staff.map((s) => s.name).join('、')}
      </p>
      <OutingCounts outing={outing} />
      <p>ごみ処理券 {outing.counts.ticketsSold}枚（{yen(outing.counts.salesYen)}）</p>
      <div className="row">
        <button className="primary xl" onClick={() => void go({ name: 'tally' })}>
          集計・販売の画面へ
        </button>
        <button className="secondary xl" onClick={() => void go({ name: 'close' })}>
          締め（日計表）へ
        </button>
      </div>
      <p className="lead">運行を終了するときは、現金を数えて締めます（日計表を印刷し、実績と一緒に市役所へ1回だけ送ります）。</p>
    </section>
  );
}

export function Outing() {
  const { outingDesk } = useStaff();
  const open = outingDesk?.open ?? null;
  const last = outingDesk?.lastEnded ?? null;
  return (
    <main>
      <h1>運行</h1>
      <Banner />
      {!outingDesk ? <p className="lead">読み込んでいます…</p> : open ? <OpenOuting outing={open} /> : <StartForm />}
      {!open && last && (
        <section className="outing-last" data-testid="outing-last">
          <h2>
            本日終了した運行：{outingTitle(last)}　{time(last.startedAt)}〜{last.endedAt ? time(last.endedAt) : ''}
          </h2>
          <p className="lead">{last.recordPending ? '実績と日計は送信待ちです（市役所につながったときに送信します）。' : '実績と日計は市役所に届いています。'}</p>
          {last.close && (
            <p className="lead" data-testid="outing-last-close">
              日計：現金 計算 {yen(last.close.totals.cash.expectedYen)}・実査 {yen(last.close.totals.cash.countedYen)}・過不足 {yen(last.close.totals.cash.differenceYen)}
              {last.close.reason ? `（理由：${last.close.reason}）` : ''}
            </p>
          )}
          <OutingCounts outing={last} />
        </section>
      )}
    </main>
  );
}
