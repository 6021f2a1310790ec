// The staff screen: sign in, today's requests, and one request step by step. Each screen is its own
// file under staff/; this entry picks the screen and starts the store.
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { connectFromPage } from './client';
import { Consultation, ConsultationStrip } from './consultation';
import { PrintAttention, Questions } from './staff/attention';
import { Header } from './staff/header';
import { InsuranceLink } from './staff/insurance-link';
import { NewRequest } from './staff/new-request';
import { Outing } from './staff/outing';
import { OutingClose } from './staff/outing-close';
import { OutingTally } from './staff/outing-tally';
import { ListView } from './staff/request-list';
import { RequestView } from './staff/request-view';
import { Risai } from './staff/risai';
import { SignIn } from './staff/sign-in';
import { Visits } from './staff/visits';
import { useStaff } from './staff-store';

function App() {
  const { connected, session, view, reportActivity } = useStaff();
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
  if (!connected || !session) return <main className="signin"><p className="lead">端末に接続しています…</p></main>;
  if (!session.signedIn) return <SignIn locked={false} />;
  if (session.locked) return <SignIn locked />;
  return (
    <>
      <Header />
      <PrintAttention />
      <Questions />
      <ConsultationStrip />
      {view.name === 'list' && <ListView />}
      {view.name === 'new' && <NewRequest />}
      {view.name === 'request' && <RequestView />}
      {view.name === 'link' && <InsuranceLink />}
      {view.name === 'consult' && <Consultation />}
      {view.name === 'visits' && <Visits />}
      {view.name === 'outing' && <Outing />}
      {view.name === 'tally' && <OutingTally />}
      {view.name === 'close' && <OutingClose />}
      {view.name === 'risai' && <Risai />}
    </>
  );
}

useStaff.getState().init(connectFromPage());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
