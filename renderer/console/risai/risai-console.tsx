// The tax department's console (税務担当・資産税課): the り災証明書 applications the vehicles took, by
// disaster, status and district; one application with its photos; its status moved along the one
// transition table (protocol/disaster.ts), 判定 with its grade; the counts per disaster and district.
import { warekiWithSeireki } from '../../../protocol/wareki';
import { useEffect, useState } from 'react';
import {
  applicantRelationLabel, certificateDeliveryLabel, damageGradeLabel, damageGrades, earthquakePartLabel, floodLevelLabel, notOnVehicleMessage, printsOnVehicle,
  propertyUseLabel, RISAI_API,
  risaiStatuses, risaiStatusLabel, risaiTransitions, structureLabel, surveyWishLabel,
  type DamageGrade, type Disaster, type RisaiApplicationDetail, type RisaiApplicationSummary, type RisaiCounts, type RisaiStatus,
} from '../../../protocol/disaster';
import { operatorRoleLabel } from '../../../protocol/roles';
import { ApiError, callHub, watchHub, withId } from '../api';
import { Banner } from '../banner';
import { useConsole } from '../store';

const date = (iso: string) => new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function Detail({ id, onMoved }: { id: string; onMoved: () => void }) {
  const [detail, setDetail] = useState<RisaiApplicationDetail | null>(null);
  const [grade, setGrade] = useState<DamageGrade>();
  const [error, setError] = useState<string | null>(null);
  const [vehicleId, setVehicleId] = useState('');
  const load = async () => {
    const d = await callHub<RisaiApplicationDetail>('GET', withId(RISAI_API.console.application, { id }));
    setDetail(d);
    setVehicleId((v) => v || d.vehicleId);
  };
  useEffect(() => {
    void load().catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [id]);
  if (!detail) return error ? <div className="banner error" role="alert">{error}</div> : <p className="empty">読み込んでいます…</p>;
  const move = async (to: RisaiStatus) => {
    setError(null);
    try {
      await callHub('POST', withId(RISAI_API.console.status, { id }), { to, grade: to === 'judged' ? (grade ?? null) : null });
      await load();
      onMoved();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  // The issued certificate to a vehicle's printer, for handover at a later visit (once).
  const send = async () => {
    setError(null);
    try {
      await callHub('POST', withId(RISAI_API.console.sendToVehicle, { id }), { vehicleId: vehicleId.trim() });
      await load();
      onMoved();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  const { input } = detail;
  const damage = [
    input.damage.flooding ? `${floodLevelLabel[input.damage.flooding.level]} ${input.damage.flooding.depthCm}cm` : null,
    input.damage.earthquakeParts.length > 0 ? `壊れた部分：${input.damage.earthquakeParts.map((p) => earthquakePartLabel[p]).join('・')}` : null,
    input.damage.description || null,
  ].filter(Boolean);
  return (
    <article className="card risai-detail" data-testid="risai-detail">
      <header className="row space">
        <h2><span className="num">{detail.number}</span> {detail.disasterName}</h2>
        <span className="badge ok">{risaiStatusLabel[detail.status]}{detail.grade ? `：${damageGradeLabel[detail.grade]}` : ''}</span>
      </header>
      <dl className="facts">
        <dt>申請者</dt><dd>{input.applicant.name}（{input.applicant.kana}）{warekiWithSeireki(input.applicant.birthDate)}・{input.applicant.phone}</dd>
        <dt>住所</dt><dd>{input.applicant.address}</dd>
        <dt>建物との関係</dt><dd>{applicantRelationLabel[input.relation]}</dd>
        <dt>建物</dt><dd>{input.property.address}（{input.property.district}）{propertyUseLabel[input.property.use]}・{structureLabel[input.property.structure]}</dd>
        <dt>被害</dt><dd>{damage.join('／')}</dd>
        <dt>調査</dt><dd>{surveyWishLabel[input.survey]}</dd>
        <dt>受け取り</dt><dd>{certificateDeliveryLabel[input.delivery]}</dd>
        <dt>経過</dt><dd>{detail.history.map((h) => `${date(h.at)} ${risaiStatusLabel[h.status]}${h.grade ? `（${damageGradeLabel[h.grade]}）` : ''} ${h.actor}`).join(' → ')}</dd>
      </dl>
      <div className="risai-photos">
        {detail.photoList.map((p, i) => (
          <figure key={p.id}>
            {p.complete ? <img src={withId(RISAI_API.console.photo, { id, photoId: p.id })} alt={`被害の写真 ${i + 1}`} /> : <p className="empty">受信中</p>}
            <figcaption>写真 {i + 1}・{date(p.takenAt)}</figcaption>
          </figure>
        ))}
      </div>
      {error && <div className="banner error" role="alert">{error}</div>}
      {risaiTransitions[detail.status].includes('judged') && (
        <fieldset>
          <legend>判定</legend>
          <div className="choices" role="radiogroup">
            {damageGrades.map((g) => (
              <button type="button" key={g} role="radio" aria-checked={grade === g} className={grade === g ? 'choice on' : 'choice'} onClick={() => setGrade(g)}>{damageGradeLabel[g]}</button>
            ))}
          </div>
        </fieldset>
      )}
      <div className="row">
        {detail.grade && (
          <a className="button secondary" href={withId(RISAI_API.console.certificate, { id })} target="_blank" rel="noreferrer">り災証明書（PDF）を開く</a>
        )}
        {risaiTransitions[detail.status].map((to) => (
          <button key={to} type="button" className="primary" onClick={() => void move(to)}>「{risaiStatusLabel[to]}」に進める</button>
        ))}
      </div>
      {detail.status === 'issued' && (
        detail.printedOn ? (
          <p className="banner" data-testid="risai-sent">
            車両 {detail.printedOn} のプリンターへ送りました。{detail.handedOverAt ? `${date(detail.handedOverAt)} に交付済み。` : '次の訪問で交付します（交付待ち）。'}
          </p>
        ) : !printsOnVehicle(input.delivery) ? (
          <p className="banner" data-testid="risai-not-vehicle">{notOnVehicleMessage(input.delivery)}</p>
        ) : (
          <div className="row">
            <label>
              印刷する車両
              <input value={vehicleId} onChange={(e) => setVehicleId(e.target.value)} maxLength={32} />
            </label>
            <button type="button" className="primary" onClick={() => void send()}>車両のプリンターへ送る（交付用）</button>
          </div>
        )
      )}
    </article>
  );
}

export function RisaiConsole() {
  const { session, signOut } = useConsole();
  const [disasters, setDisasters] = useState<Disaster[]>([]);
  const [filter, setFilter] = useState<{ disasterId?: string; status?: RisaiStatus; area?: string }>({});
  const [list, setList] = useState<RisaiApplicationSummary[]>([]);
  const [counts, setCounts] = useState<RisaiCounts | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]).toString();
      const [d, l, c] = await Promise.all([
        callHub<Disaster[]>('GET', RISAI_API.console.disasters),
        callHub<RisaiApplicationSummary[]>('GET', `${RISAI_API.console.applications}${q ? `?${q}` : ''}`),
        callHub<RisaiCounts>('GET', RISAI_API.console.counts),
      ]);
      setDisasters(d);
      setList(l);
      setCounts(c);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  useEffect(() => {
    void load();
    return watchHub(() => void load(), () => undefined);
  }, [filter]);
  if (!session) return null;
  return (
    <>
      <header className="top">
        <strong className="brand">お出かけ市役所 り災証明書</strong>
        <span className="who">{session.displayName}（{operatorRoleLabel[session.role]}）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main className="records">
        <Banner error={error} notice={null} dismiss={() => setError(null)} />
        <section className="card row risai-filter">
          <label>災害
            <select name="disasterId" value={filter.disasterId ?? ''} onChange={(e) => setFilter({ ...filter, disasterId: e.target.value || undefined })}>
              <option value="">すべて</option>
              {disasters.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select>
          </label>
          <label>状態
            <select name="status" value={filter.status ?? ''} onChange={(e) => setFilter({ ...filter, status: (e.target.value || undefined) as RisaiStatus | undefined })}>
              <option value="">すべて</option>
              {risaiStatuses.map((s) => <option key={s} value={s}>{risaiStatusLabel[s]}</option>)}
            </select>
          </label>
          <label>地区
            <input name="area" value={filter.area ?? ''} onChange={(e) => setFilter({ ...filter, area: e.target.value || undefined })} />
          </label>
        </section>
        {list.length === 0 ? <p className="empty">該当する申請はありません。</p> : (
          <table className="requests risai-list" data-testid="risai-list">
            <thead><tr><th>受付番号</th><th>災害</th><th>地区</th><th>調査</th><th>写真</th><th>状態</th><th>受信</th></tr></thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.id} data-risai-id={a.id} className={open === a.id ? 'on' : ''} onClick={() => setOpen(a.id)}>
                  <td className="num">{a.number}</td>
                  <td>{a.disasterName}</td>
                  <td>{a.area}</td>
                  <td>{surveyWishLabel[a.survey]}</td>
                  <td>{a.photos}枚</td>
                  <td>{risaiStatusLabel[a.status]}{a.grade ? `：${damageGradeLabel[a.grade]}` : ''}</td>
                  <td>{date(a.receivedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {open && <Detail key={open} id={open} onMoved={() => void load()} />}
        {counts && counts.rows.length > 0 && (
          <section className="card">
            <h2>件数（災害・地区・状態別）</h2>
            <table className="requests counts" data-testid="risai-counts">
              <thead><tr><th>災害</th><th>地区</th><th>状態</th><th>判定</th><th>件数</th></tr></thead>
              <tbody>
                {counts.rows.map((r) => (
                  <tr key={`${r.disasterId}-${r.area}-${r.status}-${r.grade ?? ''}`}>
                    <td>{r.disasterName}</td><td>{r.area}</td><td>{risaiStatusLabel[r.status]}</td><td>{r.grade ? damageGradeLabel[r.grade] : '—'}</td><td className="num">{r.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </main>
    </>
  );
}
