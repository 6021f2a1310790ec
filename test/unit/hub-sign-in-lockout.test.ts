// Sign-in lockout at the hub: guessing from one address locks that id out from that address only, so
// an attacker who knows an operator's id cannot lock the operator out of their own desk; and a flood of
// made-up ids cannot grow the failure counters without bound.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { OperatorAuth } from '../../hub/server/operator-auth';
import { hashPassword } from '../../hub/server/passwords';
import type { KyselyHubStore } from '../../hub/store/store';
import { openTestStore, testStore } from '../support/hub-store';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function setUp(maxFailureEntries?: number) {
  const opened = await openTestStore(testStore);
  close = opened.close;
  const store: KyselyHubStore = opened.store;
  await store.transaction(async (tx) =>
    tx.insertOperator({ id: 'OP100', displayName: '窓口 太郎', role: 'operator', passwordHash: await hashPassword('the-real-password'), active: true, createdAt: '2026-11-01T00:00:00.000Z' }),
  );
  const clock = new ManualClock(new Date('2026-11-25T01:00:00Z'));
  return { auth: new OperatorAuth({ store, clock, ...(maxFailureEntries ? { maxFailureEntries } : {}) }), clock };
}

describe(`sign-in lockout (${testStore})`, () => {
  it('locks an id out from the address that guessed, not from the operator’s own desk', async () => {
    const { auth, clock } = await setUp();
    const attacker = 'hub:203.0.113.9';
    for (let i = 0; i < 5; i++) await expect(auth.signIn('OP100', 'a-wrong-guess', attacker)).rejects.toMatchObject({ code: 'SIGN_IN_FAILED' });
    // Even the right password is refused from the guessing address while it is locked out…
    await expect(auth.signIn('OP100', 'the-real-password', attacker)).rejects.toMatchObject({ code: 'SIGN_IN_LOCKED_OUT' });
    // …but the operator at their desk signs in.
    await expect(auth.signIn('OP100', 'the-real-password', 'hub:10.0.0.15')).resolves.toMatchObject({ session: { operatorId: 'OP100' } });
    // After five minutes the guessing address may try again.
    clock.advance(5 * 60_000 + 1);
    await expect(auth.signIn('OP100', 'the-real-password', attacker)).resolves.toMatchObject({ session: { operatorId: 'OP100' } });
  });

  it('keeps at most the bounded number of failure counters under a flood of made-up ids', async () => {
    const { auth } = await setUp(10);
    for (let i = 0; i < 25; i++) await expect(auth.signIn(`NOBODY${i}`, 'x', 'hub:203.0.113.9')).rejects.toMatchObject({ code: 'SIGN_IN_FAILED' });
    expect(auth.failureEntries).toBe(10);
  });
});
