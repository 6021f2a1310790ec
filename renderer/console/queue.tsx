// The queue: search and filters, a dense list paged by the hub, and the selected request beside it.
// The list never moves under the clerk: requests that arrive are counted (「新着 N件」) and brought in
// when asked; ↑↓ (or j/k) move through the list, Enter goes into the selected request, PageUp/PageDown
// turn pages.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { CertificateKind, RequestStep } from '../../protocol/domain';
import { certificateKindLabel, requestStepLabel } from '../../protocol/labels';
import { ReprintCard, RequestCard, time } from './request-card';
import { emptyFilters, QUEUE_PAGE, useConsole, type QueueFilters } from './store';

/** The list's short names for the certificates (the detail pane says them in full). */
const kindShort: Record<CertificateKind, string> = { juminhyo: '住民票', inkan: '印鑑証明', shotoku_kazei: '所得課税', nozei: '納税', kotei_shisan_hyoka: '資産評価' };
const registryShort = { found: '該当あり', not_found: '該当なし', ambiguous: '複数該当', unavailable: '照会不可' } as const;

function FilterBar() {
  const { filters, search } = useConsole();
  const [draft, setDraft] = useState<QueueFilters>(filters);
  useEffect(() => setDraft(filters), [filters]);
  const field = (key: keyof QueueFilters) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value }) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(draft);
  };
  return (
    <form className="filters" role="search" onSubmit={submit} aria-label="請求の検索">
      <label>受付番号<input {...field('number')} placeholder="A-012" maxLength={20} /></label>
      <label>車両<input {...field('vehicle')} placeholder="iwaki-car-1" maxLength={32} /></label>
      <label>受付日<input type="date" {...field('day')} /></label>
      <label>
        証明書
        <select {...field('kind')}>
          <option value="">すべて</option>
          {(Object.keys(certificateKindLabel) as CertificateKind[]).map((k) => <option key={k} value={k}>{certificateKindLabel[k]}</option>)}
        </select>
      </label>
      <label>
        段階
        <select {...field('step')}>
          <option value="relayed">承認待ち</option>
          <option value="all">すべて</option>
          {(Object.keys(requestStepLabel) as RequestStep[]).filter((s) => s !== 'relayed').map((s) => <option key={s} value={s}>{requestStepLabel[s]}</option>)}
        </select>
      </label>
      <div className="filter-buttons">
        <button className="primary" type="submit">検索</button>
        <button className="secondary" type="button" onClick={() => void search(emptyFilters)}>条件を消す</button>
      </div>
    </form>
  );
}

function QueueList() {
  const { queue, selected, select, shownPage: page, cursors, turnPage, fresh, takeFresh, filters } = useConsole();
  // The step column only when the search is not the waiting queue itself.
  const showStep = filters.step !== 'relayed';
  const listRef = useRef<HTMLDivElement>(null);
  const rows = queue?.requests ?? [];
  const at = selected ? rows.findIndex((r) => r.requestId === selected.requestId) : -1;
  // The selected row stays in view as the keys move through the list.
  useEffect(() => {
    listRef.current?.querySelector('tr[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [selected?.requestId]);
  if (!queue) return <p className="empty">読み込んでいます…</p>;
  const onKey = (e: KeyboardEvent) => {
    const move = (to: number) => {
      const row = rows[Math.max(0, Math.min(rows.length - 1, to))];
      if (row) select(row);
      e.preventDefault();
    };
    // A request that left the list is passed by where it stood: the next row is the one after it.
    const after = at >= 0 || !selected ? at + 1 : rows.findIndex((r) => r.receivedAt > selected.receivedAt || (r.receivedAt === selected.receivedAt && r.number > selected.number));
    const next = after === -1 ? rows.length : after;
    if (e.key === 'ArrowDown' || e.key === 'j') move(at >= 0 ? at + 1 : next);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(at >= 0 ? at - 1 : next - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(rows.length - 1);
    else if (e.key === 'Enter') {
      // Into the selected request: the certificate's pages (scrolled with the keys), else its first action.
      e.preventDefault();
      document.querySelector<HTMLElement>('.queue-detail .preview-pages, .queue-detail .actions button:not([disabled])')?.focus();
    } else if (e.key === 'PageDown') {
      e.preventDefault();
      void turnPage(1);
    } else if (e.key === 'PageUp') {
      e.preventDefault();
      void turnPage(-1);
    }
  };
  const first = page * QUEUE_PAGE + 1;
  return (
    <section className="queue-list" aria-label="請求の一覧">
      <div className="row space list-head">
        <h2 className="count" data-testid="queue-count">
          {queue.total === 0 ? '該当なし' : `${first}〜${first + rows.length - 1}件目／全${queue.total}件`}
        </h2>
        {fresh > 0 && (
          <button className="fresh" onClick={() => void takeFresh()} data-testid="queue-fresh">新着 {fresh}件 を表示</button>
        )}
      </div>
      {rows.length === 0 ? (
        <p className="empty card">この条件に合う請求はありません。</p>
      ) : (
        <div className="list-scroll" ref={listRef} tabIndex={0} onKeyDown={onKey} aria-label="請求の一覧（↑↓で選ぶ）" data-testid="queue-list">
          <table className="requests dense" role="grid" aria-rowcount={queue.total}>
            <thead>
              <tr><th>受付</th><th>受信</th><th>証明書</th><th>対象の方</th><th>車両</th><th>照合</th>{showStep && <th>段階</th>}</tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.requestId}
                  data-row-id={r.requestId}
                  aria-selected={r.requestId === selected?.requestId}
                  className={r.requestId === selected?.requestId ? 'on' : undefined}
                  onClick={() => select(r)}
                >
                  <td className="num-cell">{r.number}</td>
                  <td>{r.day.slice(5).replace('-', '/')} {time(r.receivedAt)}</td>
                  <td title={certificateKindLabel[r.kind]}>{kindShort[r.kind]} {r.copies}通</td>
                  <td className="name-cell">{r.subjectName}{r.questions.length > 0 ? <span className="asked">質問済</span> : null}</td>
                  <td>{r.vehicleId}</td>
                  <td className={`match ${r.registry.status}`}>{registryShort[r.registry.status]}</td>
                  {showStep && <td>{requestStepLabel[r.step]}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row pager">
        <button className="secondary small" disabled={page === 0} onClick={() => void turnPage(-1)}>← 前の{QUEUE_PAGE}件</button>
        <span className="muted">{page + 1}ページ目</span>
        <button className="secondary small" disabled={!cursors[page + 1]} onClick={() => void turnPage(1)}>次の{QUEUE_PAGE}件 →</button>
        <span className="muted keys">↑↓・j k：選ぶ　Enter：開く　PageUp／PageDown：ページ</span>
      </div>
    </section>
  );
}

export function Queue() {
  const { queue, selected, selectedGone } = useConsole();
  return (
    <>
      {queue && queue.reprints.length > 0 && (
        <section aria-label="再印刷の依頼">
          {queue.reprints.map((r) => <ReprintCard key={`${r.vehicleId}/${r.id}`} item={r} />)}
        </section>
      )}
      <FilterBar />
      <div className="queue-panes">
        <QueueList />
        <section className="queue-detail" aria-label="選んだ請求">
          {selected ? (
            <RequestCard item={selected} gone={selectedGone} />
          ) : (
            queue && queue.total === 0 && queue.requests.length === 0 && (
              <p className="empty card">いま承認を待っている請求はありません。車両から届くと、ここに自動で表示されます。</p>
            )
          )}
        </section>
      </div>
    </>
  );
}

