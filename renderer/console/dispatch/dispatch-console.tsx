// The dispatcher's console (配車担当): the week calendar per area, the phone booking form, a booking's
// detail, and the call-back list. Re-read on focus, every 30 s and after each action, so bookings made
// by another dispatcher or arriving from LINE appear without a reload.
import { useEffect } from 'react';
import { operatorRoleLabel } from '../../../protocol/roles';
import { useConsole } from '../store';
import { BookingDetail } from './booking-detail';
import { BookingFormView } from './booking-form';
import { CallbackList } from './callbacks';
import { useDispatch } from './store';
import { WeekCalendar } from './week';
import { Banner } from '../banner';

const REFRESH_MS = 30_000;
const tabClass = (on: boolean) => (on ? 'tab on' : 'tab');

function Banners() {
  const { error, notice, dismiss } = useDispatch();
  return <Banner error={error} notice={notice} dismiss={dismiss} />;
}

export function DispatchConsole() {
  const { session, signOut, setDesk } = useConsole();
  const { view, show, callbacks, start, refresh, reset, area } = useDispatch();
  useEffect(() => {
    void start();
    const onFocus = () => void refresh();
    window.addEventListener('focus', onFocus);
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => {
      window.removeEventListener('focus', onFocus);
      clearInterval(timer);
      reset();
    };
  }, [start, refresh, reset]);
  if (!session) return null;
  const calling = callbacks?.length ?? 0;
  return (
    <>
      <header className="top">
        <h1 className="brand">お出かけ市役所 訪問予約</h1>
        <nav className="tabs">
          <button className={tabClass(view.kind === 'week' || view.kind === 'detail')} onClick={() => show({ kind: 'week' })}>予約カレンダー</button>
          <button className={tabClass(view.kind === 'form')} onClick={() => show({ kind: 'form', preset: { area } })}>＋ 電話予約</button>
          <button className={tabClass(view.kind === 'callbacks')} onClick={() => show({ kind: 'callbacks' })}>コールバック{calling > 0 ? `（${calling}）` : ''}</button>
        </nav>
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('certificates')}>証明書発行へ</button>}
        <span className="who">{session.displayName}（{operatorRoleLabel[session.role]}）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main className="dispatch">
        <Banners />
        {view.kind === 'week' && <WeekCalendar />}
        {view.kind === 'form' && <BookingFormView key={JSON.stringify(view.preset)} preset={view.preset} />}
        {view.kind === 'detail' && <BookingDetail id={view.id} />}
        {view.kind === 'callbacks' && <CallbackList />}
      </main>
    </>
  );
}
