// The bar above every screen: home, the link to city hall, who is signed in, the lock.
import { outingKindLabel } from '../../../protocol/records';
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

/** 運行中: which outing the work now counts for; a tap opens its tally screen. */
function OutingBadge() {
  const open = useStaff((s) => s.outingDesk?.open ?? null);
  const go = useStaff((s) => s.go);
  return (
    <button className={open ? 'outing-badge open' : 'outing-badge'} data-testid="outing-badge" onClick={() => void go({ name: open ? 'tally' : 'outing' })}>
      {open ? `運行中：${outingKindLabel[open.kind]}${open.place ? `（${open.place}）` : ''}` : '運行：未開始'}
    </button>
  );
}

export function Header() {
  const { session, lock, go } = useStaff();
  return (
    <header className="top">
      <button className="home" onClick={() => void go({ name: 'list' })}>
        お出かけ市役所
      </button>
      <OutingBadge />
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
