// Reads the fee table (fixtures/fees.json, later the city's ordinance table) at start, for the vehicle
// and for city hall; a bad file stops the start with the field named.
import { readFileSync } from 'node:fs';
import { FeeTable } from '../protocol/ipc';

export function loadFeeTable(file: string): FeeTable {
  const parsed = FeeTable.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`fee table ${file} is invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}
