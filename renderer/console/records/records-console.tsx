// The planning staff's console (企画担当): the records the city publishes and the vehicles' daily
// closes (日計表) with the month's fees. Its sections are tabs (SECTIONS).
import { useState, type ReactNode } from 'react';
import { operatorRoleLabel } from '../../../protocol/roles';
import { useConsole } from '../store';
import { ClosesPanel } from './closes';
import { ReportPage } from './report-page';

type SectionId = 'report' | 'closes';
const SECTIONS: { id: SectionId; label: string; render: () => ReactNode }[] = [
  { id: 'report', label: '実績表・グラフ', render: () => <ReportPage /> },
  { id: 'closes', label: '日計表・手数料', render: () => <ClosesPanel /> },
];

export function RecordsConsole() {
  const { session, signOut, setDesk } = useConsole();
  const [section, setSection] = useState<SectionId>('report');
  if (!session) return null;
  const shown = SECTIONS.find((s) => s.id === section) ?? SECTIONS[0]!;
  return (
    <>
      <header className="top">
        <h1 className="brand">お出かけ市役所 実績</h1>
        <nav className="tabs" aria-label="実績の画面">
          {SECTIONS.map((s) => (
            <button key={s.id} type="button" className={s.id === shown.id ? 'tab on' : 'tab'} aria-current={s.id === shown.id ? 'page' : undefined} onClick={() => setSection(s.id)}>{s.label}</button>
          ))}
        </nav>
        {session.role === 'admin' && <button className="secondary" onClick={() => setDesk('certificates')}>証明書発行へ</button>}
        <span className="who">{session.displayName}（{operatorRoleLabel[session.role]}）</span>
        <button className="secondary" onClick={() => void signOut()}>サインアウト</button>
      </header>
      <main className="records">{shown.render()}</main>
    </>
  );
}
