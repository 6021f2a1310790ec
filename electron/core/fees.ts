// The fee table is data (fixtures/fees.json, later the city's ordinance table), never code; the fee
// rule is protocol/fees.ts, which city hall applies too.
import type { PaymentMethod } from '../../protocol/domain';
import { CASHLESS_OFFLINE_MESSAGE } from '../../protocol/daily-close';
import { AppError } from './errors';

export { loadFeeTable } from '../../common/fee-table-file';
export { feeFor } from '../../protocol/fees';

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
