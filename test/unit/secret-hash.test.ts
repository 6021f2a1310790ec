// Passwords and PINs are hashed at OWASP's minimum scrypt cost, on the hub and on the vehicle; a hash
// stored at the old, lower cost still signs its operator in and is replaced by one at today's cost.
import { randomBytes, scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock';
import { hashSecret, hashSecretSync, needsRehash, SECRET_SCRYPT, verifySecret, verifySecretSync } from '../../common/secret-hash';
import { hashPin, verifyPin } from '../../electron/core/staff';
import { OperatorAuth } from '../../hub/server/operator-auth';
import type { KyselyHubStore } from '../../hub/store/store';
import { openTestStore, testStore } from '../support/hub-store';

/** A hash as the hub and the vehicle stored them before: N=2^15, r=8, p=1 (below OWASP's minimum). */
function oldCostHash(secret: string): string {
  const salt = randomBytes(16);
  return `scrypt$32768$8$1$${salt.toString('base64')}$${scryptSync(secret, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64')}`;
}

describe('the cost of a stored secret', () => {
  it('meets OWASP’s minimum: one of the cheat sheet’s equivalent scrypt settings', async () => {
    const owasp = [[2 ** 17, 8, 1], [2 ** 16, 8, 2], [2 ** 15, 8, 3], [2 ** 14, 8, 5], [2 ** 13, 8, 10]];
    expect(owasp).toContainEqual([SECRET_SCRYPT.N, SECRET_SCRYPT.r, SECRET_SCRYPT.p]);
    for (const stored of [await hashSecret('correct horse battery'), hashSecretSync('correct horse battery'), hashPin('482916')]) {
      expect(stored).toMatch(/^scrypt\$32768\$8\$3\$/);
      expect(needsRehash(stored)).toBe(false);
    }
  });

  it('verifies old-cost hashes and says they need a new one; refuses wrong secrets and malformed strings', async () => {
    const old = oldCostHash('482916');
    expect(needsRehash(old)).toBe(true);
    expect(verifyPin('482916', old)).toBe(true);
    expect(await verifySecret('482916', old)).toBe(true);
    expect(verifySecretSync('482917', old)).toBe(false);
    for (const bad of ['plain', 'scrypt$32768$8$1$c2FsdA==', 'scrypt$x$8$1$c2FsdA==$aGFzaA==', `${old}$extra`]) {
      expect(await verifySecret('482916', bad)).toBe(false);
      expect(needsRehash(bad)).toBe(true);
    }
  });
});

describe(`an operator signs in with an old-cost hash (${testStore})`, () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('is let in, and the stored hash is replaced by one at today’s cost', async () => {
    const opened = await openTestStore(testStore);
    close = opened.close;
    const store: KyselyHubStore = opened.store;
    const password = 'an-old-operator-password';
    await store.transaction((tx) => tx.insertOperator({ id: 'OLD01', displayName: '旧 ハッシュ', role: 'operator', passwordHash: oldCostHash(password), active: true, createdAt: '2026-01-05T00:00:00.000Z' }));
    const auth = new OperatorAuth({ store, clock: new ManualClock(new Date('2026-11-25T01:00:00Z')) });

    await auth.signIn('OLD01', password, 'test');
    const after = (await store.transaction((tx) => tx.getOperator('OLD01')))!.passwordHash;
    expect(after).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifySecret(password, after)).toBe(true);
    // The new hash signs in again and is left as it is.
    await auth.signIn('OLD01', password, 'test');
    expect((await store.transaction((tx) => tx.getOperator('OLD01')))!.passwordHash).toBe(after);
  });
});
