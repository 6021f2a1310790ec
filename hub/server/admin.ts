// What an admin does from the console: the vehicles (their traffic, revocation), the operators (add,
// role, deactivate, new password), the vehicle messages the hub set aside, and the audit log. Every
// change is audited in the transaction that makes it; reads of personal data are audited too.
import { randomInt } from 'node:crypto';
import {
  type AdminAuditView, type AdminDeadLettersView, type AdminOperatorsView, type AdminVehiclesView, type AuditQuery, type DeadLetterResolution,
} from '../../protocol/console';
import type { OperatorRole } from '../../protocol/roles';
import type { Clock } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import type { HubStore, HubTx } from '../store/types';
import { addOperator } from './data-dir';
import { hashPassword } from './passwords';
import type { PushHub } from './push';
import { hubSyncMessages } from './vehicle-sync';

/** Letters and digits that cannot be misread when read out or copied from the screen (no 0/O, 1/l/I). */
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const PASSWORD_LENGTH = 16;

/** A new operator password: 16 characters, about 93 bits. */
export function newOperatorPassword(): string {
  let out = '';
  for (let i = 0; i < PASSWORD_LENGTH; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** The instants a Tokyo calendar day spans, [from, to). */
function tokyoDayRange(day: string): { from: string; to: string } {
  const from = new Date(`${day}T00:00:00+09:00`);
  return { from: from.toISOString(), to: new Date(from.getTime() + 86_400_000).toISOString() };
}

const PERSON_REQUESTS = 500;

/** The operator an admin acts on, or the Japanese 404 that asks for a fresh list. */
async function existingOperator(tx: HubTx, id: string) {
  const op = await tx.getOperator(id);
  if (!op) throw notFound(`職員番号 ${id} は登録されていません。一覧を更新してください。`);
  return op;
}

export class AdminService {
  constructor(private readonly deps: { store: HubStore; clock: Clock; push: PushHub }) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  async vehicles(): Promise<AdminVehiclesView> {
    const { store, push } = this.deps;
    const { vehicles, traffic } = await store.transaction(async (tx) => ({ vehicles: await tx.listVehicles(), traffic: await tx.vehicleTraffic() }));
    const byId = new Map(traffic.map((t) => [t.vehicleId, t]));
    const connected = new Set(push.connectedVehicles());
    const seen = push.vehiclesLastSeen();
    return {
      vehicles: vehicles.map((v) => {
        const t = byId.get(v.id);
        return {
          id: v.id, enrolledAt: v.enrolledAt, enrolledBy: v.enrolledBy, revokedAt: v.revokedAt, revokedBy: v.revokedBy,
          connected: connected.has(v.id), lastSeenAt: seen.get(v.id) ?? null, lastSyncAt: t?.lastAppliedAt ?? null,
          unacknowledged: Math.max(0, (t?.latestInboxSeq ?? 0) - v.inboxAckedSeq),
        };
      }),
    };
  }

  /** Revokes a vehicle and every certificate it holds; its sockets close on every hub process. */
  async revokeVehicle(vehicleId: string, confirm: string, actor: string, place: string): Promise<void> {
    const { store, push } = this.deps;
    if (confirm.trim() !== vehicleId) {
      throw badRequest('CONFIRMATION_MISMATCH', `確認のため、失効させる車両の番号「${vehicleId}」をそのまま入力してください。`, [{ path: 'confirm', message: '車両の番号が一致しません。' }]);
    }
    const at = this.now();
    await store.transaction(async (tx) => {
      const v = await tx.getVehicle(vehicleId);
      if (!v) throw notFound(`車両 ${vehicleId} は登録されていません。一覧を更新してください。`);
      if (v.revokedAt) throw conflict('ALREADY_REVOKED', `車両 ${vehicleId} はすでに失効しています。`);
      await tx.revokeVehicle(vehicleId, at, actor);
      await tx.appendAudit({ actor, action: 'vehicle.revoke', place, detail: { vehicleId } }, at);
    });
    push.vehicleRevoked(vehicleId);
  }

  async operators(): Promise<AdminOperatorsView> {
    const rows = await this.deps.store.transaction((tx) => tx.listOperators());
    return { operators: rows.map((o) => ({ id: o.id, displayName: o.displayName, role: o.role, active: o.active, createdAt: o.createdAt })) };
  }

  async addOperator(input: { id: string; displayName: string; role: OperatorRole; password: string }, actor: string): Promise<void> {
    await addOperator(this.deps.store, { ...input, actor }, this.deps.clock);
  }

  /** An admin cannot change their own role or switch themselves off: the hub must keep an admin who can sign in. */
  private notSelf(id: string, actor: string): void {
    if (id === actor) throw conflict('SELF_CHANGE', '自分自身の役割や有効・無効は変えられません。ほかの管理者に頼んでください。');
  }

  async setRole(id: string, role: OperatorRole, actor: string, place: string): Promise<void> {
    this.notSelf(id, actor);
    const at = this.now();
    await this.deps.store.transaction(async (tx) => {
      const op = await existingOperator(tx, id);
      if (op.role === role) return;
      await tx.setOperatorRole(id, role);
      await tx.appendAudit({ actor, action: 'operator.role', place, detail: { operatorId: id, from: op.role, to: role } }, at);
    });
  }

  /** Deactivating also ends the operator's sessions: they are signed out at their next click. */
  async setActive(id: string, active: boolean, actor: string, place: string): Promise<void> {
    this.notSelf(id, actor);
    const at = this.now();
    await this.deps.store.transaction(async (tx) => {
      const op = await existingOperator(tx, id);
      if (op.active === active) return;
      await tx.setOperatorActive(id, active);
      const sessions = active ? 0 : await tx.deleteSessionsOf(id);
      await tx.appendAudit({ actor, action: active ? 'operator.activate' : 'operator.deactivate', place, detail: { operatorId: id, sessionsEnded: sessions } }, at);
    });
  }

  /** A new password, shown to the admin once and never stored or logged in the clear; the operator's sessions end. */
  async resetPassword(id: string, actor: string, place: string): Promise<{ password: string }> {
    const password = newOperatorPassword();
    const hash = await hashPassword(password);
    const at = this.now();
    await this.deps.store.transaction(async (tx) => {
      await existingOperator(tx, id);
      await tx.setOperatorPasswordHash(id, hash);
      const sessions = await tx.deleteSessionsOf(id);
      await tx.appendAudit({ actor, action: 'operator.password_reset', place, detail: { operatorId: id, sessionsEnded: sessions } }, at);
    });
    return { password };
  }

  /** The set-aside messages; their payloads may hold personal data, so the read is audited. */
  async deadLetters(actor: string, place: string): Promise<AdminDeadLettersView> {
    const rows = await this.deps.store.transaction(async (tx) => {
      await tx.appendAudit({ actor, action: 'dead_letters.read', place }, this.now());
      return tx.listDeadLetters(200);
    });
    const reasons: Record<string, string> = hubSyncMessages;
    return { deadLetters: rows.map((r) => ({ ...r, reason: reasons[r.code] ?? `コード ${r.code}` })) };
  }

  /** A resolved message leaves the list (and its payload the hub); the audit log keeps what was done, as codes. */
  async resolveDeadLetter(id: number, resolution: DeadLetterResolution, actor: string, place: string): Promise<void> {
    const at = this.now();
    await this.deps.store.transaction(async (tx) => {
      const row = await tx.getDeadLetter(id);
      if (!row || !(await tx.deleteDeadLetter(id))) throw notFound('この保留メッセージはもう処理済みです。一覧を更新してください。');
      await tx.appendAudit(
        { actor, action: 'dead_letter.resolve', place, detail: { deadLetterId: id, vehicleId: row.vehicleId, code: row.code, key: row.idempotencyKey, resolution } },
        at,
      );
    });
  }

  /** The audit log, newest first; searching by a person's name is itself audited (without the name). */
  async audit(query: AuditQuery, actor: string, place: string): Promise<AdminAuditView> {
    const range = query.day ? tokyoDayRange(query.day) : {};
    return this.deps.store.transaction(async (tx) => {
      let requestIds: string[] | undefined = query.requestId ? [query.requestId] : undefined;
      if (query.person) {
        const byPerson = await tx.requestIdsBySubject(query.person, PERSON_REQUESTS);
        requestIds = requestIds ? requestIds.filter((id) => byPerson.includes(id)) : byPerson;
      }
      const rows = await tx.searchAudit({ requestIds, actor: query.actor, action: query.action, ...range, before: query.before, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      await tx.appendAudit(
        {
          actor, action: 'audit.read', place,
          detail: { byPerson: query.person !== undefined, requestId: query.requestId ?? null, actorSearched: query.actor ?? null, day: query.day ?? null, rows: page.length },
        },
        this.now(),
      );
      return {
        rows: page.map((r) => ({ seq: r.seq, at: r.at, actor: r.actor, action: r.action, requestId: r.requestId, place: r.place, detail: r.detail })),
        nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.seq) : null,
      };
    });
  }
}
