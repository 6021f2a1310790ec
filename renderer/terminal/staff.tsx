// The staff screen: sign in, today's requests, and one request step by step. Each screen is its own
// file under staff/; this picks the screen (staff-boot.ts, run first, has started the store). Only the
// sign-in screen is here: the screens behind it (staff-desk.tsx) load once it is up, so the sign-in
// form answers without waiting for the rest of the app.
import { lazy, StrictMode, Suspense, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { SignIn } from './staff/sign-in';
import { useStaff } from './staff-store';

const loadDesk = () => import('./staff-desk');
const StaffDesk = lazy(loadDesk);

function App() {
  const { connected, session, reportActivity } = useStaff();
  // Any touch or key on the staff screen counts as activity for the 5-minute idle lock.
  useEffect(() => {
    let last = 0;
    const touch = () => {
      const now = Date.now();
      if (now - last < 20_000) return;
      last = now;
      reportActivity();
    };
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
    };
  }, [reportActivity]);
  // Once the first screen is drawn, fetch the rest while staff type their number and PIN.
  const shown = connected && session !== null;
  useEffect(() => {
    if (!shown) return;
    const idle = requestIdleCallback(() => void loadDesk(), { timeout: 1_000 });
    return () => cancelIdleCallback(idle);
  }, [shown]);
  if (!connected || !session) return <main className="signin"><p className="lead">端末に接続しています…</p></main>;
  if (!session.signedIn) return <SignIn locked={false} />;
  if (session.locked) return <SignIn locked />;
  return (
    <Suspense fallback={<main className="signin"><p className="lead">画面を準備しています…</p></main>}>
      <StaffDesk />
    </Suspense>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
