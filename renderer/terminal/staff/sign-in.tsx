// Sign-in, and the lock screen (the same form with the staff number kept).
import { useState, type FormEvent } from 'react';
import { useStaff } from '../staff-store';
import { Banner } from './ui';

export function SignIn({ locked }: { locked: boolean }) {
  const session = useStaff((s) => s.session);
  const signIn = useStaff((s) => s.signIn);
  const [staffId, setStaffId] = useState(locked ? (session?.staffId ?? '') : '');
  const [pin, setPin] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await signIn(staffId.trim(), pin);
    setPin('');
  };
  return (
    <main className="signin">
      <h1>お出かけ市役所 車載端末</h1>
      {locked ? <p className="lead">画面をロックしています。PINを入力すると再開します。</p> : <p className="lead">職員番号とPINでサインインしてください。</p>}
      <Banner />
      <form onSubmit={submit} className="card narrow">
        <label>
          職員番号
          <input name="staffId" value={staffId} onChange={(e) => setStaffId(e.target.value)} autoComplete="username" autoFocus={!locked} />
        </label>
        <label>
          PIN
          <input name="pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoComplete="current-password" autoFocus={locked} />
        </label>
        <button type="submit" className="primary big">
          {locked ? '再開する' : 'サインイン'}
        </button>
      </form>
    </main>
  );
}
