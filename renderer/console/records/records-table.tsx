// The city's records table (002 section IV) on screen: 区分 written once per kind as the printed table
// merges its cells, 地区定期巡回 by place with its 計, the other kinds, and the 合計 row.
import type { RecordsReport } from '../../../protocol/records';
import { tableLines } from '../../../protocol/records-table';

export function RecordsTable({ report, caption }: { report: RecordsReport; caption: string }) {
  const { header, lines } = tableLines(report, true);
  const spans = lines.map((l, i) => {
    if (i > 0 && lines[i - 1]!.kind === l.kind) return 0;
    let n = 1;
    while (lines[i + n]?.kind === l.kind) n++;
    return n;
  });
  return (
    <table className="records">
      <caption>{caption}</caption>
      <thead>
        <tr>{header.map((h, i) => <th key={h} scope="col" className={i >= 2 ? 'count' : undefined}>{h}</th>)}</tr>
      </thead>
      <tbody>
        {lines.map((l, i) => (
          <tr key={`${l.kind}-${l.place}-${i}`} className={l.total ? 'total' : undefined}>
            {spans[i]! > 0 && <th scope="rowgroup" rowSpan={spans[i]} className="kind" colSpan={l.kind === '合計' ? 2 : undefined}>{l.kind}</th>}
            {l.kind !== '合計' && <th scope="row" className="place">{l.place}</th>}
            {l.cells.map((c, j) => <td key={header[j + 2]} className="count">{c}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
