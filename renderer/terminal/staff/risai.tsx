// り災証明書の申請: staff take the application with the resident — the disaster from the list the
// vehicle keeps (works offline), the applicant, the building, the damage, the survey and how the
// certificate reaches them — and photos from the vehicle's camera, each downscaled here to the city's
// longest edge and JPEG quality before it goes to the core. Submitting queues it for city hall and
// prints the 受付票.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  applicantRelationLabel, certificateDeliveryLabel, disasterKindLabel, earthquakePartLabel, floodLevelLabel, propertyUseLabel, structureLabel, surveyWishLabel,
  type ApplicantRelation, type CertificateDelivery, type DisasterList, type EarthquakePart, type FloodLevel, type PhotoLimits, type PropertyUse,
  type RisaiVehicleView, type Structure, type SurveyWish,
} from '../../../protocol/disaster';
import { useStaff } from '../staff-store';
import { Banner, Choice, FieldError } from './ui';

const stateLabel: Record<RisaiVehicleView['state'], string> = { draft: '入力中', queued: '送信待ち', delivered: '写真を送信中', complete: '市役所に届きました' };
const certificateLabel: Record<RisaiVehicleView['certificate'], string | null> = {
  none: null, printing: '証明書 印刷中', awaiting_handover: '証明書 交付待ち', handed_over: '証明書 交付済み',
};

/** A camera frame as a JPEG within the city's limits: the longest edge scaled down, the quality lowered until it fits. */
async function frameAsJpeg(video: HTMLVideoElement, limits: PhotoLimits): Promise<Blob> {
  const scale = Math.min(1, limits.maxEdgePx / Math.max(video.videoWidth, video.videoHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
  canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  for (const quality of [0.85, 0.7, 0.55, 0.4]) {
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
    if (blob && blob.size <= limits.maxBytes) return blob;
  }
  throw new Error('写真を市の上限まで小さくできませんでした。');
}

async function base64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function Camera({ limits, onShot, disabled }: { limits: PhotoLimits; onShot: (jpeg: Blob) => Promise<void>; disabled: boolean }) {
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => () => stream?.getTracks().forEach((t) => t.stop()), [stream]);
  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
  }, [stream]);
  const open = async () => {
    setProblem(null);
    try {
      setStream(await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1920 }, height: { ideal: 1080 }, facingMode: 'environment' }, audio: false }));
    } catch {
      setProblem('カメラを使えません。カメラがつながっているか確かめてください。');
    }
  };
  const shoot = async () => {
    if (!video.current) return;
    try {
      await onShot(await frameAsJpeg(video.current, limits));
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="camera">
      {stream ? (
        <>
          <video ref={video} autoPlay playsInline muted data-testid="camera" />
          <button type="button" className="primary big" disabled={disabled} onClick={() => void shoot()}>
            撮影する
          </button>
        </>
      ) : (
        <button type="button" className="secondary big" onClick={() => void open()}>
          カメラを開く
        </button>
      )}
      {problem && <p className="field-error" role="alert">{problem}</p>}
    </div>
  );
}

export function Risai() {
  const run = useStaff((s) => s.run);
  const busy = useStaff((s) => s.busy);
  const [list, setList] = useState<DisasterList | null>(null);
  const [draft, setDraft] = useState<RisaiVehicleView | null>(null);
  const [recent, setRecent] = useState<RisaiVehicleView[]>([]);
  const [thumbs, setThumbs] = useState<Record<string, string>>({});
  const [disasterId, setDisasterId] = useState<string>();
  const [applicant, setApplicant] = useState({ name: '', kana: '', birthDate: '', address: '', phone: '' });
  const [relation, setRelation] = useState<ApplicantRelation>('owner');
  const [proxyLetter, setProxyLetter] = useState(false);
  const [property, setProperty] = useState({ address: '', district: '' });
  const [use, setUse] = useState<PropertyUse>('dwelling');
  const [structure, setStructure] = useState<Structure>('wood');
  const [flood, setFlood] = useState<FloodLevel | 'none'>('none');
  const [depth, setDepth] = useState('');
  const [parts, setParts] = useState<EarthquakePart[]>([]);
  const [description, setDescription] = useState('');
  const [survey, setSurvey] = useState<SurveyWish>('on_site');
  const [delivery, setDelivery] = useState<CertificateDelivery>('next_visit');
  const [done, setDone] = useState<RisaiVehicleView | null>(null);

  const reload = async () => {
    setList(await run('listDisasters', {}, { reload: true }));
    setRecent((await run('listRisai', {}, { reload: true })) ?? []);
  };
  useEffect(() => {
    void reload();
  }, []);
  const disaster = list?.disasters.find((d) => d.id === disasterId);

  const pull = async () => {
    const pulled = await run('pullDisasters', {});
    if (pulled) setList(pulled);
  };

  const input = () => ({
    disasterId: disasterId ?? '',
    applicant,
    relation,
    proxyLetter,
    property: { ...property, use, structure },
    damage: {
      flooding: flood === 'none' ? null : { level: flood, depthCm: Number.parseInt(depth.normalize('NFKC'), 10) },
      earthquakeParts: parts,
      description,
    },
    survey,
    delivery,
  });

  /** The application is kept (a draft) before the first photo, so photos belong to it from the start. */
  const ensureDraft = async (): Promise<RisaiVehicleView | null> => {
    if (draft) return draft;
    const created = await run('createRisai', input());
    if (created) setDraft(created);
    return created;
  };

  const addPhoto = async (jpeg: Blob) => {
    const app = await ensureDraft();
    if (!app) return;
    const jpegBase64 = await base64(jpeg);
    const view = await run('addRisaiPhoto', { applicationId: app.id, jpegBase64, takenAt: new Date().toISOString() });
    if (!view) return;
    const added = view.photos.at(-1)!;
    // A data: URL, as the screen's content policy allows for images.
    setThumbs((t) => ({ ...t, [added.id]: `data:image/jpeg;base64,${jpegBase64}` }));
    setDraft(view);
  };

  const removePhoto = async (photoId: string) => {
    if (!draft) return;
    const view = await run('removeRisaiPhoto', { applicationId: draft.id, photoId });
    if (view) setDraft(view);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const app = await ensureDraft();
    if (!app) return;
    const queued = await run('submitRisai', { applicationId: app.id });
    if (!queued) return;
    setDone(queued);
    void reload();
  };

  if (done) {
    return (
      <main>
        <h1>り災証明書の申請</h1>
        <div className="card" data-testid="risai-done">
          <h2>受付番号 {done.number} で受け付けました</h2>
          <p className="lead">受付票を印刷しています。市役所につながりしだい、写真とともに送ります。</p>
          <p>写真 {done.photos.length}枚</p>
        </div>
      </main>
    );
  }

  const text = (label: string, name: string, value: string, set: (v: string) => void, hint?: string) => (
    <label>
      {label}
      {hint && <small>{hint}</small>}
      <input name={name} value={value} onChange={(e) => { useStaff.getState().clearField(name); set(e.target.value); }} />
      <FieldError path={name} />
    </label>
  );

  return (
    <main>
      <div className="row space">
        <h1>り災証明書の申請</h1>
        <button type="button" className="secondary" onClick={() => void pull()}>災害の一覧を更新</button>
      </div>
      <Banner />
      <form onSubmit={submit} className="card">
        <fieldset>
          <legend>災害</legend>
          {list && list.disasters.length === 0 && <p className="empty">災害の一覧がありません。市役所につながったら「災害の一覧を更新」を押してください。</p>}
          <Choice
            name="disasterId"
            value={disasterId}
            options={(list?.disasters ?? []).map((d) => [d.id, `${d.name}（${disasterKindLabel[d.kind]}・${d.area}）`] as [string, string])}
            onChange={(v) => { setDisasterId(v); useStaff.getState().clearField('disasterId'); }}
            disabled={draft ? (list?.disasters ?? []).map((d) => d.id).filter((id) => id !== disasterId) : []}
          />
          <FieldError path="disasterId" />
        </fieldset>
        <fieldset>
          <legend>申請者</legend>
          <div className="grid2">
            {text('氏名', 'applicant.name', applicant.name, (name) => setApplicant({ ...applicant, name }))}
            {text('ふりがな', 'applicant.kana', applicant.kana, (kana) => setApplicant({ ...applicant, kana }))}
            {text('生年月日', 'applicant.birthDate', applicant.birthDate, (birthDate) => setApplicant({ ...applicant, birthDate }), '例: 昭和25年4月1日、S25.4.1、1950-04-01')}
            {text('電話番号', 'applicant.phone', applicant.phone, (phone) => setApplicant({ ...applicant, phone }), '例: 0246-22-1111')}
            {text('住所', 'applicant.address', applicant.address, (address) => setApplicant({ ...applicant, address }))}
          </div>
          <p className="group-label">建物との関係</p>
          <Choice name="relation" value={relation} options={Object.entries(applicantRelationLabel) as [ApplicantRelation, string][]} onChange={setRelation} />
          {relation === 'proxy' && (
            <label className="check">
              <input type="checkbox" name="proxyLetter" checked={proxyLetter} onChange={(e) => setProxyLetter(e.target.checked)} /> 委任状を確認した
            </label>
          )}
          <FieldError path="proxyLetter" />
        </fieldset>
        <fieldset>
          <legend>被害を受けた建物</legend>
          <div className="grid2">
            {text('所在地', 'property.address', property.address, (address) => setProperty({ ...property, address }))}
            {text('地区', 'property.district', property.district, (district) => setProperty({ ...property, district }), '例: 平、小名浜')}
          </div>
          <p className="group-label">用途</p>
          <Choice name="use" value={use} options={Object.entries(propertyUseLabel) as [PropertyUse, string][]} onChange={setUse} />
          <p className="group-label">構造</p>
          <Choice name="structure" value={structure} options={Object.entries(structureLabel) as [Structure, string][]} onChange={setStructure} />
        </fieldset>
        <fieldset>
          <legend>被害の様子</legend>
          <p className="group-label">浸水</p>
          <Choice name="flood" value={flood} options={[['none', '浸水なし'], ...(Object.entries(floodLevelLabel) as [FloodLevel, string][])]} onChange={setFlood} />
          {flood !== 'none' && text('浸水の深さ（cm）', 'damage.flooding.depthCm', depth, setDepth)}
          <p className="group-label">壊れた部分（地震など。いくつでも）</p>
          <div className="choices" data-name="earthquakeParts">
            {(Object.entries(earthquakePartLabel) as [EarthquakePart, string][]).map(([part, label]) => (
              <button
                type="button" key={part} role="checkbox" aria-checked={parts.includes(part)} className={parts.includes(part) ? 'choice on' : 'choice'}
                onClick={() => setParts(parts.includes(part) ? parts.filter((p) => p !== part) : [...parts, part])}
              >
                {label}
              </button>
            ))}
          </div>
          <label>
            説明
            <textarea name="damage.description" value={description} onChange={(e) => { useStaff.getState().clearField('damage.description'); setDescription(e.target.value); }} />
            <FieldError path="damage.description" />
          </label>
        </fieldset>
        <fieldset>
          <legend>調査</legend>
          <Choice
            name="survey" value={survey} options={Object.entries(surveyWishLabel) as [SurveyWish, string][]} onChange={setSurvey}
            disabled={disaster && !disaster.selfAssessment ? ['self_assessment'] : []}
          />
          <FieldError path="survey" />
        </fieldset>
        <fieldset>
          <legend>証明書の受け取り</legend>
          <Choice name="delivery" value={delivery} options={Object.entries(certificateDeliveryLabel) as [CertificateDelivery, string][]} onChange={setDelivery} />
        </fieldset>
        <fieldset>
          <legend>被害の写真 {draft ? `${draft.photos.length}枚` : ''}{list ? `（${list.limits.maxPhotos}枚まで）` : ''}</legend>
          {list && <Camera limits={list.limits} disabled={busy || (draft?.photos.length ?? 0) >= list.limits.maxPhotos} onShot={addPhoto} />}
          <FieldError path="photo" />
          <FieldError path="photos" />
          <div className="photos">
            {draft?.photos.map((p, i) => (
              <figure key={p.id} data-testid="risai-photo">
                {thumbs[p.id] && <img src={thumbs[p.id]} alt={`写真 ${i + 1}`} />}
                <figcaption>
                  写真 {i + 1}（{p.width}×{p.height}・{Math.ceil(p.bytes / 1024)} KB）
                  <button type="button" className="secondary" onClick={() => void removePhoto(p.id)}>外す</button>
                </figcaption>
              </figure>
            ))}
          </div>
        </fieldset>
        <button type="submit" className="primary big" disabled={busy}>
          申請を受け付ける（受付票を印刷）
        </button>
      </form>
      {recent.filter((r) => r.state !== 'draft').length > 0 && (
        <table className="requests" data-testid="risai-recent">
          <thead>
            <tr><th>受付番号</th><th>災害</th><th>写真</th><th>状態</th></tr>
          </thead>
          <tbody>
            {recent.filter((r) => r.state !== 'draft').map((r) => (
              <tr key={r.id} data-risai-number={r.number}>
                <td className="num">{r.number}</td>
                <td>{r.disasterName}</td>
                <td>{r.photos.length}枚</td>
                <td>
                  <div className="row">
                    <span>{certificateLabel[r.certificate] ?? stateLabel[r.state]}</span>
                    {r.certificate === 'awaiting_handover' && (
                      <button
                        type="button"
                        className="primary"
                        disabled={busy}
                        onClick={() => void run('handOverRisai', { applicationId: r.id }).then(() => reload())}
                      >
                        交付
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
