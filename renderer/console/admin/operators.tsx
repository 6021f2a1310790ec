// 職員: the operators who sign in to the console — add one, change a role, switch an account off or
// on, and give a new password (shown here once, to be handed over; the hub keeps only its hash).
import { useState, type FormEvent } from 'react';
import type { AdminOperator } from '../../../protocol/console-api';
import { operatorRoleLabel, operatorRoles, type OperatorRole } from '../../../protocol/roles';
import { useConsole } from '../store';
import { adminApi, dateTime } from './api';
import { useAdminList } from './use-admin-list';

const fetchOperators = async () => (await adminApi.operators()).operators;

function NewOperatorForm({ done }: { done: () => void }) {
  const { tell, report } = useConsole();
  const [form, setForm] = useState({ id: '', displayName: '', role: 'operator' as OperatorRole, password: '' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await adminApi.addOperator({ ...form, id: form.id.trim() });
      tell(`職員 ${form.displayName}（${form.id.trim()}）を登録しました。パスワードはご本人に直接お伝えください。`);
      setForm({ id: '', displayName: '', role: 'operator', password: '' });
      done();
    } catch (err) {
      report(err);
    }
  };
  return (
    <form className="card add-operator" onSubmit={(e) => void submit(e)} aria-label="職員の登録">
      <h3>職員を登録する</h3>
      <div className="form-grid">
        <label>職員番号<input value={form.id} onChange={(e) => setForm({ ...form, id: e.target.value })} maxLength={32} /></label>
        <label>氏名<input value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} maxLength={40} /></label>
        <label>
          役割
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as OperatorRole })}>
            {operatorRoles.map((r) => <option key={r} value={r}>{operatorRoleLabel[r]}</option>)}
          </select>
        </label>
        <label>最初のパスワード（12文字以上）<input type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} maxLength={200} /></label>
      </div>
      <button className="primary" type="submit">登録する</button>
    </form>
  );
}

function OperatorRow({ op, self, changed }: { op: AdminOperator; self: boolean; changed: () => void }) {
  const { tell, report } = useConsole();
  const [password, setPassword] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>, words: string) => {
    try {
      await fn();
      tell(words);
      changed();
    } catch (e) {
      report(e);
    }
  };
  const reset = async () => {
    try {
      setPassword((await adminApi.resetPassword(op.id)).password);
      tell(`${op.displayName}（${op.id}）のパスワードを新しくしました。サインイン中の画面はサインアウトされます。`);
    } catch (e) {
      report(e);
    }
  };
  return (
    <tr data-operator-id={op.id} className={op.active ? undefined : 'inactive'}>
      <td className="num-cell">{op.id}</td>
      <td>{op.displayName}{self ? '（あなた）' : ''}</td>
      <td>
        <select
          aria-label={`${op.id} の役割`}
          value={op.role}
          disabled={self}
          onChange={(e) => void run(() => adminApi.setRole(op.id, e.target.value as OperatorRole), `${op.displayName}（${op.id}）の役割を${operatorRoleLabel[e.target.value as OperatorRole]}にしました。`)}
        >
          {operatorRoles.map((r) => <option key={r} value={r}>{operatorRoleLabel[r]}</option>)}
        </select>
      </td>
      <td>{op.active ? <span className="badge ok">有効</span> : <span className="badge bad">無効</span>}</td>
      <td>{dateTime(op.createdAt)}</td>
      <td className="row-actions">
        {!self && (op.active
          ? <button className="danger small" onClick={() => void run(() => adminApi.setActive(op.id, false), `${op.displayName}（${op.id}）を無効にしました。サインインできなくなりました。`)}>無効にする</button>
          : <button className="secondary small" onClick={() => void run(() => adminApi.setActive(op.id, true), `${op.displayName}（${op.id}）を有効に戻しました。`)}>有効にする</button>)}
        <button className="secondary small" onClick={() => void reset()}>パスワードを再発行</button>
        {password && (
          <div className="once" role="status" data-testid="new-password">
            新しいパスワード：<code>{password}</code>
            <span className="muted">この画面を離れると二度と表示されません。ご本人に直接お伝えください。</span>
            <button className="secondary small" onClick={() => setPassword(null)}>伝えたので消す</button>
          </div>
        )}
      </td>
    </tr>
  );
}

export function Operators() {
  const { session } = useConsole();
  const { items: operators, load } = useAdminList<AdminOperator>(fetchOperators);
  if (!operators) return <p className="empty">読み込んでいます…</p>;
  return (
    <section aria-label="職員">
      <h2 className="section">職員（{operators.length}人）</h2>
      <table className="requests dense admin-table">
        <thead><tr><th>職員番号</th><th>氏名</th><th>役割</th><th>状態</th><th>登録</th><th>操作</th></tr></thead>
        <tbody>
          {operators.map((op) => <OperatorRow key={op.id} op={op} self={op.id === session?.operatorId} changed={() => void load()} />)}
        </tbody>
      </table>
      <NewOperatorForm done={() => void load()} />
    </section>
  );
}
