// The fee table is data (fixtures/fees.json, later the city's ordinance table), never code.
import { readFileSync } from 'node:fs';
import { FeeTable } from '../../protocol/ipc';
import type { CertificateKind } from '../../protocol/domain';

export function loadFeeTable(file: string): FeeTable {
  const parsed = FeeTable.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`fee table ${file} is invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

export function feeFor(table: FeeTable, kind: CertificateKind, copies: number): number {
  return table.perCopyYen[kind] * copies;
}
