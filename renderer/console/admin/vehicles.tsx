// 車両: every enrolled vehicle, whether it is connected, when it was last seen and last synced, what
// it has not yet picked up from its inbox; revoking one asks for its id typed again.
import { useState, type FormEvent } from 'react';
import type { AdminVehicle } from '../../../protocol/console-api';
import { useConsole } from '../store';
import { adminApi, dateTime } from './api';
import { useAdminList } from './use-admin-list';
import { ListHeading } from './list-heading';

const fetchVehicles = async () => (await adminApi.vehicles()).vehicles;

function RevokeForm({ vehicle, done }: { vehicle: AdminVehicle; done: () => void }) {
  const { tell, report } = useConsole();
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await adminApi.revokeVehicle(vehicle.id, confirm);
      tell(`車両 ${vehicle.id} を失効させました。この車両はもう市役所につながりません。`);
      done();
    } catch (err) {
      report(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="confirm-box" onSubmit={(e) => void submit(e)} aria-label={`車両 ${vehicle.id} の失効`}>
      <p><strong>車両 {vehicle.id} を失効させます。</strong>紛失・盗難のときに行います。元に戻せません（再び使うには新しい車両IDで登録します）。</p>
      <label>
        確認のため車両の番号を入力
        <input value={confirm} onChange={(e) => setConfirm(e.target.value)} autoFocus maxLength={32} />
      </label>
      <div className="row">
        <button className="danger filled" type="submit" disabled={busy || confirm.trim() !== vehicle.id}>失効させる</button>
        <button className="secondary" type="button" onClick={done}>やめる</button>
      </div>
    </form>
  );
}

export function Vehicles() {
  const { items: vehicles, load } = useAdminList<AdminVehicle>(fetchVehicles);
  const [revoking, setRevoking] = useState<string | null>(null);
  if (!vehicles) return <p className="empty">読み込んでいます…</p>;
  return (
    <section aria-label="車両">
      <ListHeading title={`車両（${vehicles.length}台）`} onReload={() => void load()} />
      <table className="requests dense admin-table">
        <thead>
          <tr><th>車両</th><th>状態</th><th>最後の接続</th><th>最後の同期</th><th>未受信</th><th>登録</th><th></th></tr>
        </thead>
        <tbody>
          {vehicles.map((v) => (
            <tr key={v.id} data-vehicle-id={v.id}>
              <td className="num-cell">{v.id}</td>
              <td>
                {v.revokedAt ? <span className="badge bad">失効（{dateTime(v.revokedAt)}・{v.revokedBy}）</span>
                  : v.connected ? <span className="badge ok">接続中</span> : <span className="badge warn">未接続</span>}
              </td>
              <td>{v.connected ? 'いま' : dateTime(v.lastSeenAt)}</td>
              <td>{dateTime(v.lastSyncAt)}</td>
              <td>{v.unacknowledged > 0 ? `${v.unacknowledged}件` : 'なし'}</td>
              <td>{dateTime(v.enrolledAt)}（{v.enrolledBy}）</td>
              <td>{!v.revokedAt && <button className="danger small" onClick={() => setRevoking(v.id)}>失効させる…</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">「最後の接続」はこのハブが起動してからの記録です。車両の登録は管理用のコマンド（odekake vehicle enroll）で行います。</p>
      {revoking && vehicles.find((v) => v.id === revoking) && (
        <RevokeForm vehicle={vehicles.find((v) => v.id === revoking)!} done={() => { setRevoking(null); void load(); }} />
      )}
    </section>
  );
}
