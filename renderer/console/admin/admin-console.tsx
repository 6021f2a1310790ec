// The admin's screens (管理): vehicles, operators, the disasters り災証明書 are taken for (the list only,
// never the applications), set-aside vehicle messages and the audit log.
import { useState } from 'react';
import { operatorRoleLabel } from '../../../protocol/roles';
import { Banner } from '../banner';
import { useConsole } from '../store';
import { AuditLog } from './audit-log';
import { DeadLetters } from './dead-letters';
import { Disasters } from './disasters';
import { Operators } from './operators';
import { Vehicles } from './vehicles';

const SECTIONS = [
  { id: 'vehicles', label: '車両', render: () => <Vehicles /> },
  { id: 'operators', label: '職員', render: () => <Operators /> },
  { id: 'disasters', label: '災害', render: () => <Disasters /> },
  { id: 'dead-letters', label: '保留メッセージ', render: () => <DeadLetters /> },
  { id: 'audit', label: '監査ログ', render: () => <AuditLog /> },
] as const;
type SectionId = (typeof SECTIONS)[number]['id'];

export function AdminConsole() {
  const { session, signOut, setDesk, error, notice, dismiss } = useConsole();
  const [section, setSection] = useState<SectionId>('vehicles');
  if (!session) return null;
  const shown = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0];
  return (
    <>
      <header className="top compact">
        <h1 className="brand"><small>お出かけ市役所</small>管理</h1>
        <nav className="tabs" aria-label="管理の画面">
          {SECTIONS.map((s) => (
            <button key={s.id} type="button" className={s.id === shown.id ? 'tab on' : 'tab'} aria-current={s.id === shown.id ? 'page' : undefined} onClick={() => { dismiss(); setSection(s.id); }}>{s.label}</button>
          ))}
        </nav>
        <button className="secondary" onClick={() => setDesk('certificates')}>証明書発行へ</button>
        <span className="who">{session.displayName}（{operatorRoleLabel[session.role]}）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main className="admin">
        <Banner error={error} notice={notice} dismiss={dismiss} />
        {shown.render()}
      </main>
    </>
  );
}
