// Staff sign-in (ID + PIN, scrypt) and the session of the one staff member using the terminal.
// The terminal locks after 5 idle minutes and on demand; a locked terminal answers no staff call.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { SessionStatus } from '../../protocol/ipc';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { Db } from './db';
import { AuthError } from './errors';
import { StaffId } from '../../protocol/ids';
import { hashSecretSync, needsRehash, verifySecretSync } from '../../common/secret-hash';
import { isSealedText, openText, sealText, type FieldCipher } from './crypto';

export const IDLE_LOCK_MS = 5 * 60_000;
const MAX_FAILURES = 5;
const FAILURE_LOCKOUT_MS = 5 * 60_000;

export const hashPin = (pin: string): string => hashSecretSync(pin);
export const verifyPin = (pin: string, stored: string): boolean => verifySecretSync(pin, stored);

const StaffFile = z.object({
  staff: z.array(z.object({ id: StaffId, displayName: z.string().min(1).max(40), pin: z.string().regex(/^\d{6,12}$/, { error: '職員のPINは6けた以上の数字にしてください。' }) })),
});

interface Session {
  staffId: string;
  staffName: string;
  lastActivity: number;
  locked: boolean;
}

export interface StaffSessionsOptions {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  /** Seals the PIN hashes: a copy of the database alone gives nothing to guess six digits against. */
  cipher: FieldCipher;
}

const pinContext = (staffId: string) => `staff_pin:${staffId}`;

export class StaffSessions {
  private session: Session | null = null;
  private dummyHash: string | null = null;

  private readonly db: Db;
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly cipher: FieldCipher;

  constructor(options: StaffSessionsOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.audit = options.audit;
    this.cipher = options.cipher;
  }

  /** Adds the staff of a roster file that are not yet known (PINs are hashed on the way in). */
  seedFromFile(file: string): number {
    const roster = StaffFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    const insert = this.db.prepare('INSERT OR IGNORE INTO staff (id, display_name, pin_hash) VALUES (?, ?, ?)');
    const known = new Set(this.db.prepare<[], { id: string }>('SELECT id FROM staff').all().map((r) => r.id));
    let added = 0;
    this.db.transaction(() => {
      for (const s of roster.staff) {
        if (known.has(s.id)) continue;
        insert.run(s.id, s.displayName, sealText(this.cipher, hashPin(s.pin), pinContext(s.id)));
        added++;
      }
    })();
    return added;
  }

  status(): SessionStatus {
    this.applyIdleLock();
    const s = this.session;
    return { signedIn: s !== null, locked: s?.locked ?? false, staffId: s?.staffId ?? null, staffName: s?.staffName ?? null, idleLockMs: IDLE_LOCK_MS };
  }

  signIn(staffId: string, pin: string): SessionStatus {
    const now = this.clock.now().getTime();
    const failed = this.db.prepare<[string], { count: number; until_ms: number }>('SELECT count, until_ms FROM staff_sign_in_failures WHERE staff_id = ?').get(staffId);
    if (failed && failed.count >= MAX_FAILURES && now < failed.until_ms) {
      throw new AuthError('SIGN_IN_LOCKED_OUT', 'PINを続けて間違えたため、5分間サインインできません。時間をおいてからお試しください。');
    }
    const row = this.db.prepare<[string], { display_name: string; pin_hash: string }>('SELECT display_name, pin_hash FROM staff WHERE id = ? AND active = 1').get(staffId);
    // The same check runs for unknown ids, so the answer time does not tell which ids exist.
    const stored = row ? openText(this.cipher, row.pin_hash, pinContext(staffId)) : (this.dummyHash ??= hashPin('not-a-staff-pin'));
    const ok = verifyPin(pin, stored) && row !== undefined;
    this.db.transaction(() => this.audit.append({ actor: staffId, action: ok ? 'staff.sign_in' : 'staff.sign_in_failed' }))();
    if (!ok || !row) {
      const count = (failed && now < failed.until_ms ? failed.count : 0) + 1;
      // Counted for staff who exist: made-up ids have nothing to lock and would only fill the table.
      if (row) this.db
        .prepare('INSERT INTO staff_sign_in_failures (staff_id, count, until_ms) VALUES (?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET count = excluded.count, until_ms = excluded.until_ms')
        .run(staffId, count, now + FAILURE_LOCKOUT_MS);
      throw new AuthError('SIGN_IN_FAILED', '職員番号かPINが違います。もう一度入力してください。');
    }
    this.db.prepare('DELETE FROM staff_sign_in_failures WHERE staff_id = ?').run(staffId);
    // A hash from before sealing, or at an older cost, is replaced now that the PIN is known.
    if (!isSealedText(row.pin_hash) || needsRehash(stored)) {
      this.db.prepare('UPDATE staff SET pin_hash = ? WHERE id = ?').run(sealText(this.cipher, hashPin(pin), pinContext(staffId)), staffId);
    }
    this.session = { staffId, staffName: row.display_name, lastActivity: now, locked: false };
    return this.status();
  }

  signOut(): SessionStatus {
    if (this.session) this.db.transaction(() => this.audit.append({ actor: this.session!.staffId, action: 'staff.sign_out' }))();
    this.session = null;
    return this.status();
  }

  lock(reason: 'manual' | 'idle' = 'manual'): SessionStatus {
    if (this.session && !this.session.locked) {
      this.session.locked = true;
      this.db.transaction(() => this.audit.append({ actor: this.session!.staffId, action: 'staff.lock', detail: { reason } }))();
    }
    return this.status();
  }

  /** Marks activity on the staff screen; the idle lock counts from the last one. */
  touch(): void {
    this.applyIdleLock();
    if (this.session && !this.session.locked) this.session.lastActivity = this.clock.now().getTime();
  }

  /** The signed-in, unlocked staff member, or an error telling the screen to sign in. */
  requireActive(): string {
    this.applyIdleLock();
    if (!this.session) throw new AuthError('NOT_SIGNED_IN', 'サインインしてください。');
    if (this.session.locked) throw new AuthError('LOCKED', '画面がロックされています。PINを入力して再開してください。');
    this.session.lastActivity = this.clock.now().getTime();
    return this.session.staffId;
  }

  /** True when this call locked the session (the caller tells the screens). */
  applyIdleLock(): boolean {
    const s = this.session;
    if (s && !s.locked && this.clock.now().getTime() - s.lastActivity >= IDLE_LOCK_MS) {
      this.lock('idle');
      return true;
    }
    return false;
  }
}
