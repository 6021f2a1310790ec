// The certificate fee: the city's table (data, never code) times the copies. The vehicle charges it and
// city hall checks the fee every relayed request carries against its own copy of the table, so a
// vehicle cannot set a fee of its own.
import type { CertificateKind } from './domain';
import type { FeeTable } from './ipc';

export function feeFor(table: FeeTable, kind: CertificateKind, copies: number): number {
  return table.perCopyYen[kind] * copies;
}
