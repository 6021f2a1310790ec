// The fee table is data (fixtures/fees.json, later the city's ordinance table), never code.
import { readFileSync } from 'node:fs';
import { FeeTable } from '../../protocol/ipc';
import type { CertificateKind, PaymentMethod } from '../../protocol/domain';
import { CASHLESS_OFFLINE_MESSAGE } from '../../protocol/daily-close';
import { AppError } from './errors';

export function loadFeeTable(file: string): FeeTable {
  const parsed = FeeTable.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`fee table ${file} is invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

export function feeFor(table: FeeTable, kind: CertificateKind, copies: number): number {
  return table.perCopyYen[kind] * copies;
}

/**
 * Cashless needs a live connection (the payment terminal goes through the city's payment agent): with
 * city hall out of reach, a certificate fee or a goods sale is taken in cash. The one place this rule
 * lives; the fee screen and the sale screen show the same words.
 */
export function refuseCashlessOffline(method: PaymentMethod, online: boolean, path = 'method'): void {
  if (method !== 'cash' && !online) {
    throw new AppError('CASHLESS_OFFLINE', CASHLESS_OFFLINE_MESSAGE, [{ path, message: '市役所に接続できないため、キャッシュレス決済は使えません。' }]);
  }
}
