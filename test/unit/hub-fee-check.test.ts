// City hall charges by its own fee table: a relayed request whose fee differs from the table's is set
// aside with FEE_MISMATCH (alone, the rest of its batch applied), whichever path the batch takes; the
// vehicle and the hub compute the fee with the one rule in protocol/fees.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { loadFeeTable } from '../../common/fee-table-file';
import { VehicleSync } from '../../hub/server/vehicle-sync';
import type { KyselyHubStore } from '../../hub/store/store';
import { feeFor } from '../../protocol/fees';
import { feesFile } from '../support/fixtures';
import { submitMessage } from '../support/hub';
import { openTestStore, testStore, vehicleSyncFor } from '../support/hub-store';

const fees = loadFeeTable(feesFile);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function syncWithFees(): Promise<{ store: KyselyHubStore; sync: VehicleSync }> {
  const opened = await openTestStore(testStore);
  cleanups.push(() => opened.close());
  const store = opened.store;
  await store.transaction((tx) => tx.insertVehicle({ id: 'car-1', enrolledAt: 't', enrolledBy: 'admin' }));
  const { sync, close } = vehicleSyncFor(store, { fees });
  cleanups.push(close);
  return { store, sync };
}

describe(`the hub checks each relayed fee against its own table (${testStore})`, () => {
  it('sets aside a request with a fee of the vehicle’s own making, and applies the others of the batch', async () => {
    const { store, sync } = await syncWithFees();
    const right = submitMessage({ requestId: 'req-fee-right', input: { kind: 'juminhyo', copies: 2 } });
    right.feeYen = feeFor(fees, 'juminhyo', 2);
    const free = { ...submitMessage({ requestId: 'req-fee-zero', input: { kind: 'juminhyo', copies: 2 } }), feeYen: 0 };
    const { results } = await sync.deliver('car-1', { messages: [right, free] });
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected']);
    expect(results[1]).toMatchObject({ code: 'FEE_MISMATCH', message: expect.stringMatching(/手数料表と合いません/) });
    const rows = await store.transaction(async (tx) => ({ requests: await tx.getRequests(['req-fee-right', 'req-fee-zero']), dead: await tx.listDeadLetters(10) }));
    expect(rows.requests.map((r) => [r.id, r.feeYen])).toEqual([['req-fee-right', 600]]);
    expect(rows.dead.map((d) => d.code)).toEqual(['FEE_MISMATCH']);
  });

  it('refuses a wrong fee sent alone too', async () => {
    const { sync } = await syncWithFees();
    const wrong = { ...submitMessage({ requestId: 'req-fee-one', input: { kind: 'juminhyo', copies: 1 } }), feeYen: 1 };
    expect((await sync.deliver('car-1', { messages: [wrong] })).results[0]).toMatchObject({ status: 'rejected', code: 'FEE_MISMATCH' });
  });
});
