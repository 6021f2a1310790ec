// Operator sign-in and sessions. The session token lives in a Secure, HttpOnly, SameSite=Strict
// cookie and only its SHA-256 is stored; each session has its own CSRF token (synchronizer pattern)
// that every state-changing call must echo in a header.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleRole, ConsoleSession } from '../../protocol/console';
import type { Clock } from '../clock';
import { forbidden, unauthorized } from '../errors';
import type { HubStore } from '../store/types';
import { hashPassword, needsRehash, verifyPassword } from './passwords';
import { operatorRoleLabel } from '../../protocol/roles';

export const SESSION_COOKIE = '__Host-odekake_session';
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;
const MAX_FAILURES = 5;
const LOCKOUT_MS = 5 * 60_000;
/** Failure counters kept at most (oldest dropped first): a flood of made-up ids cannot grow memory. */
export const MAX_FAILURE_ENTRIES = 10_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Failed sign-ins per operator id *and* the address they came from: five from one address lock that
 * id out from that address for five minutes, so someone guessing from one place is stopped without
 * locking the real operator, who signs in from their own desk, out of their account. (How fast any one
 * address may try at all is the rate limit on the sign-in route.)
 */
class FailureCounts {
  private readonly entries = new Map<string, { count: number; until: number }>();
  constructor(private readonly max: number) {}
  private key(operatorId: string, from: string) {
    return `${operatorId}\u0000${from}`;
  }
  lockedOut(operatorId: string, from: string, now: number): boolean {
    const e = this.entries.get(this.key(operatorId, from));
    return e !== undefined && e.count >= MAX_FAILURES && now < e.until;
  }
  failed(operatorId: string, from: string, now: number): void {
    const key = this.key(operatorId, from);
    const e = this.entries.get(key);
    const count = (e && now < e.until ? e.count : 0) + 1;
    // Re-inserted so the map's order stays oldest-first.
    this.entries.delete(key);
    this.entries.set(key, { count, until: now + LOCKOUT_MS });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
  cleared(operatorId: string, from: string): void {
    this.entries.delete(this.key(operatorId, from));
  }
  get size(): number {
    return this.entries.size;
  }
}

export class OperatorAuth {
  private readonly failures: FailureCounts;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: { store: HubStore; clock: Clock; maxFailureEntries?: number }) {
    this.failures = new FailureCounts(deps.maxFailureEntries ?? MAX_FAILURE_ENTRIES);
  }

  /** How many (id, address) failure counters are held (bounded by MAX_FAILURE_ENTRIES). */
  get failureEntries(): number {
    return this.failures.size;
  }

  async signIn(operatorId: string, password: string, place: string): Promise<{ token: string; session: ConsoleSession }> {
    const { store, clock } = this.deps;
    const now = clock.now().getTime();
    if (this.failures.lockedOut(operatorId, place, now)) {
      throw unauthorized('SIGN_IN_LOCKED_OUT', 'パスワードを続けて間違えたため、5分間サインインできません。時間をおいてからお試しください。');
    }
    const op = await store.transaction((tx) => tx.getOperator(operatorId));
    // The same work runs for unknown ids, so the answer time does not tell which ids exist.
    const ok = (await verifyPassword(password, op?.passwordHash ?? (await (this.dummyHash ??= hashPassword('not-an-operator-password'))))) && !!op?.active;
    const at = clock.now().toISOString();
    if (!ok || !op) {
      this.failures.failed(operatorId, place, now);
      await store.transaction((tx) => tx.appendAudit({ actor: op ? operatorId : 'unknown', action: 'operator.sign_in_failed', place, detail: { operatorId: op ? operatorId : null } }, at));
      throw unauthorized('SIGN_IN_FAILED', '職員番号かパスワードが違います。もう一度入力してください。');
    }
    this.failures.cleared(operatorId, place);
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    // A hash from before the cost was raised is replaced now that the password is known to be right.
    const rehashed = needsRehash(op.passwordHash) ? await hashPassword(password) : null;
    await store.transaction(async (tx) => {
      if (rehashed) await tx.setOperatorPasswordHash(operatorId, rehashed);
      await tx.insertSession({ tokenHash: sha256(token), operatorId, csrfToken, createdAt: at, lastSeenAt: at, expiresAt: new Date(now + SESSION_IDLE_MS).toISOString() });
      await tx.appendAudit({ actor: operatorId, action: 'operator.sign_in', place, detail: { role: op.role } }, at);
    });
    return { token, session: { operatorId, displayName: op.displayName, role: op.role, csrfToken } };
  }

  /** The session behind a cookie token, refreshed; throws NOT_SIGNED_IN when absent or expired. */
  async session(token: string | undefined): Promise<ConsoleSession> {
    const { store, clock } = this.deps;
    const expired = unauthorized('NOT_SIGNED_IN', 'サインインしてください。（しばらく操作がなかったため、サインインが切れました）');
    if (!token || token.length > 100) throw expired;
    const now = clock.now();
    return store.transaction(async (tx) => {
      const s = await tx.getSession(sha256(token));
      if (!s) throw expired;
      if (new Date(s.expiresAt).getTime() <= now.getTime() || now.getTime() - new Date(s.createdAt).getTime() >= SESSION_MAX_MS) {
        await tx.deleteSession(s.tokenHash);
        throw expired;
      }
      const op = await tx.getOperator(s.operatorId);
      if (!op?.active) {
        await tx.deleteSession(s.tokenHash);
        throw expired;
      }
      await tx.touchSession(s.tokenHash, now.toISOString(), new Date(now.getTime() + SESSION_IDLE_MS).toISOString());
      return { operatorId: op.id, displayName: op.displayName, role: op.role, csrfToken: s.csrfToken };
    });
  }

  async signOut(token: string | undefined, place: string): Promise<void> {
    if (!token) return;
    const at = this.deps.clock.now().toISOString();
    await this.deps.store.transaction(async (tx) => {
      const s = await tx.getSession(sha256(token));
      if (!s) return;
      await tx.deleteSession(s.tokenHash);
      await tx.appendAudit({ actor: s.operatorId, action: 'operator.sign_out', place }, at);
    });
  }
}

export function checkCsrf(session: ConsoleSession, header: string | string[] | undefined): void {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !sameText(value, session.csrfToken)) {
    throw forbidden('CSRF_REJECTED', '画面の有効期限が切れました。ページを再読み込みしてから、もう一度操作してください。');
  }
}

export function requireRole(session: ConsoleSession, roles: readonly ConsoleRole[]): void {
  if (!roles.includes(session.role)) {
    throw forbidden('FORBIDDEN_ROLE', `この操作は${roles.map((r) => operatorRoleLabel[r]).join('・')}の職員だけができます。（あなたは${operatorRoleLabel[session.role]}です）`);
  }
}
