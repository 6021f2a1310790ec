// 監査ログ: who did what, when, to which request — searched by request, the person a request is
// about, who acted, the action and the day, newest first, fifty to a page.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AuditRowView } from '../../../protocol/console-api';
import { useConsole } from '../store';
import { adminApi, type AuditSearchParams } from './api';

const empty = { requestId: '', person: '', actor: '', action: '', day: '' };

const at = (iso: string) => new Date(iso).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function AuditLog() {
  const { report } = useConsole();
  const [draft, setDraft] = useState(empty);
  const [search, setSearch] = useState<AuditSearchParams>({});
  /** The `before` of each page read so far (page 0: none). */
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<AuditRowView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);

  const load = useCallback(async (params: AuditSearchParams, before: string | undefined) => {
    try {
      const view = await adminApi.audit({ ...params, before });
      setRows(view.rows);
      setNext(view.nextCursor);
    } catch (e) {
      report(e);
    }
  }, [report]);
  useEffect(() => {
    void load(search, pages[page]);
  }, [load, search, page]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setPages([undefined]);
    setPage(0);
    setSearch(Object.fromEntries(Object.entries(draft).map(([k, v]) => [k, v.trim() || undefined])));
  };
  const field = (key: keyof typeof empty) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }) });
  return (
    <section aria-label="監査ログ">
      <form className="filters" role="search" onSubmit={submit} aria-label="監査ログの検索">
        <label>受付ID<input {...field('requestId')} maxLength={64} /></label>
        <label>対象の方<input {...field('person')} placeholder="氏名・かなの一部" maxLength={40} /></label>
        <label>操作した人<input {...field('actor')} placeholder="職員番号・車両" maxLength={64} /></label>
        <label>操作<input {...field('action')} placeholder="request.approved" maxLength={64} /></label>
        <label>日付<input type="date" {...field('day')} /></label>
        <div className="filter-buttons">
          <button className="primary" type="submit">検索</button>
          <button className="secondary" type="button" onClick={() => { setDraft(empty); setPages([undefined]); setPage(0); setSearch({}); }}>条件を消す</button>
        </div>
      </form>
      <p className="muted">検索も監査ログに記録されます（氏名で探したことは残り、探した氏名は残りません）。</p>
      {rows === null ? <p className="empty">読み込んでいます…</p> : rows.length === 0 ? <p className="empty card">この条件の記録はありません。</p> : (
        <table className="requests dense admin-table audit">
          <thead><tr><th>番号</th><th>日時</th><th>操作した人</th><th>操作</th><th>受付</th><th>場所</th><th>詳細</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.seq} data-audit-seq={r.seq}>
                <td>{r.seq}</td>
                <td>{at(r.at)}</td>
                <td>{r.actor}</td>
                <td className="code">{r.action}</td>
                <td className="id-cell">{r.requestId ?? ''}</td>
                <td>{r.place}</td>
                <td className="detail-cell">{r.detail === '{}' ? '' : r.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row pager">
        <button className="secondary small" disabled={page === 0} onClick={() => setPage(page - 1)}>← 新しい記録</button>
        <span className="muted">{page + 1}ページ目</span>
        <button
          className="secondary small"
          disabled={!next}
          onClick={() => {
            setPages([...pages.slice(0, page + 1), next ?? undefined]);
            setPage(page + 1);
          }}
        >
          古い記録 →
        </button>
      </div>
    </section>
  );
}
