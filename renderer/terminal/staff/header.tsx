// The bar above every screen: home, the link to city hall, who is signed in, the lock.
import { useStaff } from '../staff-store';
import { time } from './format';

function RelayIndicator() {
  const relay = useStaff((s) => s.relay);
  if (!relay) return null;
  return (
    <div className={`relay ${relay.online ? 'online' : 'offline'}`} data-testid="relay-status">
      <span className="dot" aria-hidden />
      {relay.online ? '市役所と接続中' : 'オフライン'}
      <span className="count">送信待ち {relay.waiting}件</span>
      <span className="last">最終送信 {relay.lastSyncAt ? time(relay.lastSyncAt) : 'まだありません'}</span>
      {relay.setAside > 0 && <span className="aside">市役所が受け付けなかった連絡 {relay.setAside}件（管理者に連絡）</span>}
    </div>
  );
}

export function Header() {
  const { session, lock, go } = useStaff();
  return (
    <header className="top">
      <button className="home" onClick={() => void go({ name: 'list' })}>
        お出かけ市役所
      </button>
      <RelayIndicator />
      <span className="who">{session?.staffName}</span>
      <button
        className="secondary"
        onClick={() => void lock()}
      >
        ロック
      </button>
    </header>
  );
}
