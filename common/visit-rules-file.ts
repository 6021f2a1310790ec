// Reads fixtures/visit-rules.json (or the city's own file) at start; a bad file stops the start with the
// field named, since a wrong calendar would accept or refuse bookings silently.
import { readFileSync } from 'node:fs';
import { AppError, fieldProblems } from '../protocol/errors';
import { VisitRules } from '../protocol/visit-rules';

export function loadVisitRules(file: string): VisitRules {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AppError('VISIT_RULES_INVALID', `訪問ルールのファイル ${file} を読めません（${(error as Error).message}）。JSON の書き方を確かめてください。`);
  }
  const parsed = VisitRules.safeParse(raw);
  if (!parsed.success) {
    // A missing field gets its own words; the schema's Japanese messages pass through as they are.
    const fields = fieldProblems(parsed.error).map((field, i) =>
      /received undefined/.test(parsed.error.issues[i]?.message ?? '') ? { ...field, message: `${field.path} がありません。書き足してください。` } : field,
    );
    const list = fields.map((f) => `${f.path || '全体'}: ${f.message}`).join(' / ');
    throw new AppError('VISIT_RULES_INVALID', `訪問ルールのファイル ${file} が正しくありません。${list}`, fields);
  }
  return parsed.data;
}
