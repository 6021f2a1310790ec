// Comma-separated text as RFC 4180 writes it (fields quoted when they hold a comma, a quote or a line
// break): read with each record's starting line, so a refusal can name the line a person sees.

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

/** Parses CSV text (a leading BOM is dropped); an unclosed quote is an error naming its line. */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  while (i < s.length) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { fields.push(field); field = ''; i++; continue; }
    if (c === '\r' && s[i + 1] === '\n') i++;
    if (c === '\n' || c === '\r') {
      endRecord();
      line++;
      start = line;
      i++;
      continue;
    }
    field += c;
    i++;
  }
  if (quoted) throw new Error(`${start}行目: 「"」が閉じられていません。`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

const needsQuotes = /[",\r\n]/;
/** One CSV text of rows, lines ended with CRLF as spreadsheet programs write them. */
export function formatCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((r) => r.map((v) => { const t = String(v); return needsQuotes.test(t) ? `"${t.replaceAll('"', '""')}"` : t; }).join(',')).join('\r\n') + '\r\n';
}
