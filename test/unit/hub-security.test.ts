import { describe, expect, it } from 'vitest';
import { checkCsrf, requireRole } from '../../hub/server/operator-auth';
import { hashPassword, verifyPassword } from '../../hub/server/passwords';

describe('hub security helpers', () => {
  it('hashes passwords with scrypt and a salt, and verifies only the right one', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterx', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('checks the CSRF token and the role', () => {
    const s = { operatorId: 'op', displayName: '職員', role: 'consultant' as const, csrfToken: 'abc' };
    expect(() => checkCsrf(s, 'abc')).not.toThrow();
    expect(() => checkCsrf(s, undefined)).toThrow(/再読み込み/);
    expect(() => checkCsrf(s, 'abd')).toThrow();
    expect(() => requireRole(s, ['operator', 'admin'])).toThrow(/証明書担当・管理者/);
    expect(() => requireRole(s, ['consultant'])).not.toThrow();
  });
});
