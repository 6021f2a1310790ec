// The hub store: one typed query code (Kysely) for SQLite (better-sqlite3) and PostgreSQL (pg).
//
// SQLite has one synchronous connection in one process: transactions are serialized (BEGIN IMMEDIATE,
// so a CLI on the same file waits instead of failing mid-way) and nothing can interleave.
// PostgreSQL may serve several hub processes at READ COMMITTED: what must never be given twice is
// serialized by a lock taken before it is read — the audit chain's head (an advisory lock), a
// vehicle's inbox counter (its vehicles row, FOR UPDATE), a vehicle's deliveries (an advisory lock
// taken before an idempotency key is looked up) — and primary keys stay the final arbiter: a whole
// transaction that loses a race on one of them, or on a deadlock or serialization check, runs again.
import { CompiledQuery, sql, type ExpressionBuilder, type Kysely, type QueryResult, type SqliteDatabase, type Transaction } from 'kysely';
import type { RequestStep } from '../../protocol/domain';
import { tokyoDate } from '../../protocol/visit-calendar';
import { auditRowHash, GENESIS_HASH, verifyChain } from '../../common/audit-chain';
import type { Dialect, HubDatabase } from './schema';
import { RisaiStore } from './risai-store';
import type {
  AppliedMessageRow, AuditEntry, CloseSummaryRow, DailyCloseLineRow, DailyCloseRow, AuditRow, BookingRow, NoticeRow, ConsultationRow, DeadLetterRow, DecisionRow, DocumentRow, HubStore, HubTx,
  VisitAssignmentRow, VisitOutcomeRow, ImportedRecordRow, OutingPersonServices, OutingRow, OutingSaleRow, RecordsFilter, RecordTotals,
  InsuranceLinkRow, IntakeKeyRow, LinkChallengeRow, OperatorRow, PrintJobRow, QuestionRow, ReprintRequestRow, ReprintStatus, RequestEventRow,
  RequestFilter, RequestRow, SessionRow, VehicleCertificateRow, VehicleRow, AuditSearch, RequestPageFilter, VehicleTrafficRow,
} from './types';

type Q = Kysely<HubDatabase> | Transaction<HubDatabase>;

const vehicleCols = ['id', 'enrolled_at as enrolledAt', 'enrolled_by as enrolledBy', 'revoked_at as revokedAt', 'revoked_by as revokedBy', 'inbox_acked_seq as inboxAckedSeq'] as const;
const certCols = ['fingerprint', 'vehicle_id as vehicleId', 'serial', 'not_after as notAfter', 'issued_at as issuedAt', 'revoked_at as revokedAt'] as const;
const operatorCols = ['id', 'display_name as displayName', 'role', 'password_hash as passwordHash', 'active', 'created_at as createdAt'] as const;
const sessionCols = ['token_hash as tokenHash', 'operator_id as operatorId', 'csrf_token as csrfToken', 'created_at as createdAt', 'last_seen_at as lastSeenAt', 'expires_at as expiresAt'] as const;
const requestCols = [
  'id', 'vehicle_id as vehicleId', 'number', 'day', 'kind', 'copies', 'fee_yen as feeYen', 'step', 'input', 'identity', 'staff_id as staffId',
  'sent_at as sentAt', 'received_at as receivedAt', 'updated_at as updatedAt',
] as const;
const requestEventCols = ['request_id as requestId', 'event', 'step', 'actor', 'at', 'reason'] as const;
const appliedCols = ['vehicle_id as vehicleId', 'idempotency_key as idempotencyKey', 'message_type as messageType', 'result', 'applied_at as appliedAt'] as const;
const inboxCols = ['vehicle_id as vehicleId', 'seq', 'type', 'body', 'created_at as createdAt'] as const;
const decisionCols = ['request_id as requestId', 'decision', 'reason', 'operator_id as operatorId', 'decided_at as decidedAt'] as const;
const questionCols = ['id', 'request_id as requestId', 'text', 'operator_id as operatorId', 'asked_at as askedAt'] as const;
const documentCols = ['id', 'request_id as requestId', 'kind', 'serial', 'verification_code as verificationCode', 'pdf', 'sha256', 'issued_at as issuedAt', 'issued_by as issuedBy'] as const;
const printJobCols = [
  'id', 'request_id as requestId', 'vehicle_id as vehicleId', 'document_id as documentId', 'copies', 'sha256', 'signature', 'reprint_of as reprintOf',
  'inbox_seq as inboxSeq', 'issued_at as issuedAt', 'issued_by as issuedBy',
] as const;
const reprintCols = [
  'id', 'vehicle_id as vehicleId', 'job_id as jobId', 'request_id as requestId', 'reason', 'staff_id as staffId', 'requested_at as requestedAt',
  'received_at as receivedAt', 'status', 'decided_by as decidedBy', 'decided_at as decidedAt', 'new_job_id as newJobId',
] as const;
const deadLetterCols = ['id', 'vehicle_id as vehicleId', 'idempotency_key as idempotencyKey', 'code', 'problem', 'payload', 'received_at as receivedAt'] as const;
const linkChallengeCols = ['id', 'vehicle_id as vehicleId', 'challenge', 'created_at as createdAt', 'expires_at as expiresAt', 'used_at as usedAt', 'outcome'] as const;
const insuranceLinkCols = [
  'id', 'vehicle_id as vehicleId', 'staff_id as staffId', 'certificate_serial as certificateSerial', 'certificate_subject as certificateSubject',
  'insurer_number as insurerNumber', 'symbol', 'number', 'branch', 'linked_at as linkedAt',
] as const;
const consultationCols = [
  'id', 'vehicle_id as vehicleId', 'staff_id as staffId', 'department', 'consultant_id as consultantId', 'called_at as calledAt',
  'connected_at as connectedAt', 'ended_at as endedAt', 'outcome', 'notes', 'notes_updated_at as notesUpdatedAt',
] as const;
const bookingCols = [
  'id', 'external_id as externalId', 'channel', 'area', 'district', 'visit_date as visitDate', 'slot', 'resident', 'eligibility', 'coverage',
  'parking', 'services', 'notes', 'status', 'cancel_reason as cancelReason', 'created_at as createdAt', 'created_by as createdBy',
  'updated_at as updatedAt', 'updated_by as updatedBy',
] as const;
const visitAssignmentCols = ['area', 'visit_date as visitDate', 'vehicle_id as vehicleId', 'assigned_at as assignedAt', 'assigned_by as assignedBy'] as const;
const visitOutcomeCols = [
  'booking_id as bookingId', 'vehicle_id as vehicleId', 'outcome', 'reason', 'staff_id as staffId', 'recorded_at as recordedAt', 'received_at as receivedAt',
] as const;
const noticeCols = [
  'seq', 'id', 'dedupe_key as dedupeKey', 'booking_id as bookingId', 'audience', 'kind', 'channel', 'external_id as externalId', 'message',
  'contact', 'created_at as createdAt', 'handled_at as handledAt', 'handled_by as handledBy',
] as const;
/** A unique key refused the write: SQLite's and PostgreSQL's words for it. */
const isUniqueViolation = (e: unknown) => {
  const code = (e as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};
const intakeKeyCols = ['id', 'name', 'secret', 'created_at as createdAt', 'created_by as createdBy', 'revoked_at as revokedAt', 'revoked_by as revokedBy'] as const;
const auditCols = ['seq', 'at', 'actor', 'action', 'request_id as requestId', 'place', 'detail', 'prev_hash as prevHash', 'hash'] as const;

/** A LIKE pattern's own characters taken literally (PostgreSQL's default escape is the backslash; SQLite is told so). */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Booleans are 0/1 in both dialects' tables; this is the one place they become booleans. */
const toOperator = (r: Omit<OperatorRow, 'active'> & { active: number }): OperatorRow => ({ ...r, active: r.active === 1 });
/** Counts come back as bigint (Kysely) or as int8 text (pg): the hub's counts fit a number. */
const count = (n: bigint | number | string | undefined): number => Number(n ?? 0);

/**
 * Rows per multi-row statement: a delivery batch (500 messages) fits one statement, and the widest row
 * (requests, 14 columns) stays far below PostgreSQL's 65,535 bound parameters.
 */
const ROWS_PER_STATEMENT = 500;
function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

/** PostgreSQL advisory-lock namespaces (the first of the two int4 keys). */
const LOCK_AUDIT_CHAIN = 0x0de1;
const LOCK_VEHICLE_DELIVERY = 0x0de2;

/**
 * Locks this transaction holds, by the savepoint depth that took them: a savepoint rolled back gives
 * its locks up (PostgreSQL releases what a rolled-back subtransaction acquired), a released one hands
 * them to its parent.
 */
class HeldLocks {
  private readonly held = new Map<string, number>();
  has(key: string): boolean {
    return this.held.has(key);
  }
  add(key: string, depth: number): void {
    this.held.set(key, depth);
  }
  released(depth: number): void {
    for (const [k, d] of this.held) if (d === depth) this.held.set(k, depth - 1);
  }
  rolledBack(depth: number): void {
    for (const [k, d] of this.held) if (d >= depth) this.held.delete(k);
  }
}


interface Template {
  compiled: CompiledQuery<unknown>;
  /** For each compiled parameter: the index of the value that fills it, or null to keep the compiled one. */
  slots: (number | null)[];
}

/**
 * Each fixed query built and compiled once per store: Kysely rebuilds and recompiles a query on every
 * call, which costs more than better-sqlite3 takes to run the hub's small statements. The template is
 * compiled with marker values, and each later call only binds its own values in their places.
 */
export class QueryTemplates {
  private readonly templates = new Map<string, Template>();
  constructor(private readonly db: Kysely<HubDatabase>) {}

  bind<P extends readonly unknown[], R>(name: string, values: P, build: (db: Kysely<HubDatabase>, p: P) => { compile(): CompiledQuery<R> }): CompiledQuery<R> {
    let t = this.templates.get(name);
    if (!t) {
      const markers = values.map((_, i) => `\u0000hub-value-${i}\u0000`);
      const compiled = build(this.db, markers as unknown as P).compile() as CompiledQuery<unknown>;
      t = { compiled, slots: compiled.parameters.map((p) => (typeof p === 'string' && markers.includes(p) ? markers.indexOf(p) : null)) };
      this.templates.set(name, t);
    }
    const { compiled, slots } = t;
    return { ...compiled, parameters: slots.map((slot, i) => (slot === null ? compiled.parameters[i] : values[slot])) } as CompiledQuery<R>;
  }
}

/** SQLite's connection as the store drives it directly. */
export interface SqliteAccess {
  database: SqliteDatabase;
  inTransaction(): boolean;
}

function runOnSqlite<R>(database: SqliteDatabase, query: CompiledQuery<R>): QueryResult<R> {
  const stmt = database.prepare(query.sql);
  if (stmt.reader) return { rows: stmt.all(query.parameters) as R[] };
  return { rows: [], numAffectedRows: BigInt(stmt.run(query.parameters).changes) };
}

const savepointSql = (verb: 'SAVEPOINT' | 'RELEASE SAVEPOINT' | 'ROLLBACK TO SAVEPOINT', depth: number) => CompiledQuery.raw(`${verb} sp${depth}`);

export class KyselyHubTx implements HubTx {
  private depth = 0;
  private readonly locks = new HeldLocks();
  /**
   * The chain head this transaction last wrote, and the savepoint depth it was written at: while the
   * transaction holds the chain (its lock on PostgreSQL, the one connection on SQLite) nobody else can
   * move it, so the next append need not read it back.
   */
  private auditHead: { seq: number; hash: string; depth: number } | null = null;

  constructor(
    private readonly q: Q,
    private readonly dialect: Dialect,
    private readonly templates: QueryTemplates,
    private readonly sqlite: SqliteAccess | null = null,
  ) {}

  /**
   * Runs a compiled query. On SQLite a fixed query goes straight to its prepared statement: the same
   * SQL and values Kysely would send, without the driver's per-query promise chain around a call that
   * is synchronous anyway.
   */
  private execute<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
    return this.sqlite ? Promise.resolve(runOnSqlite(this.sqlite.database, query)) : this.q.executeQuery(query);
  }

  /** Runs a fixed query by its template and returns its rows. */
  private async rows<P extends readonly unknown[], R>(name: string, values: P, build: (db: Kysely<HubDatabase>, p: P) => { compile(): CompiledQuery<R> }): Promise<R[]> {
    return (await this.execute(this.templates.bind(name, values, build))).rows;
  }
  private async first<P extends readonly unknown[], R>(name: string, values: P, build: (db: Kysely<HubDatabase>, p: P) => { compile(): CompiledQuery<R> }): Promise<R | undefined> {
    return (await this.rows(name, values, build))[0];
  }
  /** Runs a fixed write by its template and returns how many rows it changed. */
  private async write<P extends readonly unknown[]>(name: string, values: P, build: (db: Kysely<HubDatabase>, p: P) => { compile(): CompiledQuery<unknown> }): Promise<number> {
    return count((await this.execute(this.templates.bind(name, values, build))).numAffectedRows);
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const depth = ++this.depth;
    await this.execute(savepointSql('SAVEPOINT', depth));
    try {
      const result = await fn();
      await this.execute(savepointSql('RELEASE SAVEPOINT', depth));
      this.locks.released(depth);
      if (this.auditHead?.depth === depth) this.auditHead.depth = depth - 1;
      return result;
    } catch (e) {
      // SQLite ends the whole transaction itself on some errors (a full disk): then there is no savepoint.
      if (this.sqlite?.inTransaction() ?? true) {
        await this.execute(savepointSql('ROLLBACK TO SAVEPOINT', depth));
        await this.execute(savepointSql('RELEASE SAVEPOINT', depth));
      }
      this.locks.rolledBack(depth);
      if (this.auditHead && this.auditHead.depth >= depth) this.auditHead = null;
      throw e;
    } finally {
      this.depth--;
    }
  }

  risai(): RisaiStore {
    return new RisaiStore(this.q, this.dialect);
  }

  /** Takes a PostgreSQL transaction-scoped lock once per transaction (SQLite is serialized already). */
  private async advisoryLock(space: number, key: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    const id = `${space}:${key}`;
    if (this.locks.has(id)) return;
    await this.rows('advisoryLock', [space, key] as const, (db, [space, key]) => ({
      compile: () => sql`SELECT pg_advisory_xact_lock(${space}::int4, hashtext(${key}))`.compile(db),
    }));
    this.locks.add(id, this.depth);
  }

  async insertVehicle(v: Pick<VehicleRow, 'id' | 'enrolledAt' | 'enrolledBy'>) {
    await this.write('insertVehicle', [v.id, v.enrolledAt, v.enrolledBy] as const, (db, [id, at, by]) =>
      db.insertInto('vehicles').values({ id, enrolled_at: at, enrolled_by: by }));
  }
  async getVehicle(id: string) {
    return this.first('getVehicle', [id] as const, (db, [id]) => db.selectFrom('vehicles').select(vehicleCols).where('id', '=', id));
  }
  async listVehicles() {
    return this.q.selectFrom('vehicles').select(vehicleCols).orderBy('id').execute();
  }
  async vehicleTraffic() {
    const applied = await this.q.selectFrom('applied_messages').select(['vehicle_id as vehicleId', (eb) => eb.fn.max('applied_at').as('lastAppliedAt')]).groupBy('vehicle_id').execute();
    const inbox = await this.q.selectFrom('inbox').select(['vehicle_id as vehicleId', (eb) => eb.fn.max('seq').as('latestSeq')]).groupBy('vehicle_id').execute();
    const byVehicle = new Map<string, VehicleTrafficRow>();
    const row = (id: string) => byVehicle.get(id) ?? { vehicleId: id, lastAppliedAt: null, latestInboxSeq: 0 };
    for (const a of applied) byVehicle.set(a.vehicleId, { ...row(a.vehicleId), lastAppliedAt: a.lastAppliedAt ?? null });
    for (const i of inbox) byVehicle.set(i.vehicleId, { ...row(i.vehicleId), latestInboxSeq: count(i.latestSeq as number | string | bigint | undefined) });
    return [...byVehicle.values()];
  }
  async revokeVehicle(id: string, at: string, by: string) {
    await this.write('revokeVehicle', [id, at, by] as const, (db, [id, at, by]) =>
      db.updateTable('vehicles').set({ revoked_at: at, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null));
    await this.write('revokeVehicleCertificates', [id, at] as const, (db, [id, at]) =>
      db.updateTable('vehicle_certificates').set({ revoked_at: at }).where('vehicle_id', '=', id).where('revoked_at', 'is', null));
  }
  async revokeVehicleCertificate(fingerprint: string, at: string) {
    const r = await this.q.updateTable('vehicle_certificates').set({ revoked_at: at }).where('fingerprint', '=', fingerprint).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async revokeOtherVehicleCertificates(vehicleId: string, keep: string, at: string) {
    const rows = await this.q
      .updateTable('vehicle_certificates')
      .set({ revoked_at: at })
      .where('vehicle_id', '=', vehicleId)
      .where('fingerprint', '<>', keep)
      .where('revoked_at', 'is', null)
      .returning('fingerprint')
      .execute();
    return rows.map((r) => r.fingerprint);
  }
  async insertVehicleCertificate(c: Omit<VehicleCertificateRow, 'revokedAt'>) {
    await this.q
      .insertInto('vehicle_certificates')
      .values({ fingerprint: c.fingerprint, vehicle_id: c.vehicleId, serial: c.serial, not_after: c.notAfter, issued_at: c.issuedAt })
      .execute();
  }
  async getVehicleCertificate(fingerprint: string) {
    return this.first('getVehicleCertificate', [fingerprint] as const, (db, [fp]) => db.selectFrom('vehicle_certificates').select(certCols).where('fingerprint', '=', fp));
  }
  async setInboxAcked(vehicleId: string, seq: number) {
    // Never backwards: an old acknowledgement arriving late leaves the newer one.
    await this.write('setInboxAcked', [vehicleId, seq] as const, (db, [id, seq]) =>
      db.updateTable('vehicles').set({ inbox_acked_seq: seq }).where('id', '=', id).where('inbox_acked_seq', '<', seq));
  }

  async insertOperator(o: OperatorRow) {
    await this.q
      .insertInto('operators')
      .values({ id: o.id, display_name: o.displayName, role: o.role, password_hash: o.passwordHash, active: o.active ? 1 : 0, created_at: o.createdAt })
      .execute();
  }
  async setOperatorPasswordHash(id: string, passwordHash: string) {
    await this.q.updateTable('operators').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }
  async getOperator(id: string) {
    const row = await this.first('getOperator', [id] as const, (db, [id]) => db.selectFrom('operators').select(operatorCols).where('id', '=', id));
    return row ? toOperator(row) : undefined;
  }
  async listOperators() {
    return (await this.q.selectFrom('operators').select(operatorCols).orderBy('id').execute()).map(toOperator);
  }
  async setOperatorRole(id: string, role: OperatorRow['role']) {
    await this.q.updateTable('operators').set({ role }).where('id', '=', id).execute();
  }
  async setOperatorActive(id: string, active: boolean) {
    await this.q.updateTable('operators').set({ active: active ? 1 : 0 }).where('id', '=', id).execute();
  }
  async deleteSessionsOf(operatorId: string) {
    const r = await this.q.deleteFrom('sessions').where('operator_id', '=', operatorId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async insertSession(s: SessionRow) {
    await this.q
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, operator_id: s.operatorId, csrf_token: s.csrfToken, created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt })
      .execute();
  }
  async getSession(tokenHash: string) {
    return this.first('getSession', [tokenHash] as const, (db, [h]) => db.selectFrom('sessions').select(sessionCols).where('token_hash', '=', h));
  }
  async touchSession(tokenHash: string, lastSeenAt: string, expiresAt: string) {
    await this.write('touchSession', [tokenHash, lastSeenAt, expiresAt] as const, (db, [h, seen, expires]) =>
      db.updateTable('sessions').set({ last_seen_at: seen, expires_at: expires }).where('token_hash', '=', h));
  }
  async deleteSession(tokenHash: string) {
    await this.q.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async getAppliedMessage(vehicleId: string, key: string) {
    // A delivery looks its key up before applying it: holding the vehicle's delivery lock from here
    // to commit makes a second process with the same batch wait, then find the key applied.
    await this.advisoryLock(LOCK_VEHICLE_DELIVERY, vehicleId);
    return this.first('getAppliedMessage', [vehicleId, key] as const, (db, [v, k]) =>
      db.selectFrom('applied_messages').select(appliedCols).where('vehicle_id', '=', v).where('idempotency_key', '=', k));
  }
  // The batch methods below: on PostgreSQL each statement is a round trip, so a batch is one statement
  // per table; on SQLite there is no round trip, and the single-row statements (prepared once) are
  // cheaper than a statement of a new length each time.
  async getAppliedMessages(vehicleId: string, keys: readonly string[]) {
    if (this.sqlite) {
      const out: AppliedMessageRow[] = [];
      for (const key of new Set(keys)) {
        const row = await this.getAppliedMessage(vehicleId, key);
        if (row) out.push(row);
      }
      return out;
    }
    await this.advisoryLock(LOCK_VEHICLE_DELIVERY, vehicleId);
    const out: AppliedMessageRow[] = [];
    for (const chunk of chunks([...new Set(keys)])) {
      out.push(...(await this.q.selectFrom('applied_messages').select(appliedCols).where('vehicle_id', '=', vehicleId).where('idempotency_key', 'in', chunk).execute()));
    }
    return out;
  }
  async insertAppliedMessages(rows: readonly AppliedMessageRow[]) {
    if (this.sqlite) {
      for (const m of rows) await this.insertAppliedMessage(m);
      return;
    }
    for (const chunk of chunks(rows)) {
      await this.q
        .insertInto('applied_messages')
        .values(chunk.map((m) => ({ vehicle_id: m.vehicleId, idempotency_key: m.idempotencyKey, message_type: m.messageType, result: m.result, applied_at: m.appliedAt })))
        .execute();
    }
  }
  async getRequests(ids: readonly string[]) {
    if (this.sqlite) {
      const out: RequestRow[] = [];
      for (const id of new Set(ids)) {
        const row = await this.getRequest(id);
        if (row) out.push(row);
      }
      return out;
    }
    const out: RequestRow[] = [];
    for (const chunk of chunks([...new Set(ids)])) out.push(...(await this.q.selectFrom('requests').select(requestCols).where('id', 'in', chunk).execute()));
    return out;
  }
  async insertRequests(rows: readonly RequestRow[]) {
    if (this.sqlite) {
      for (const r of rows) await this.insertRequest(r);
      return;
    }
    for (const chunk of chunks(rows)) {
      await this.q
        .insertInto('requests')
        .values(chunk.map((r) => ({
          id: r.id, vehicle_id: r.vehicleId, number: r.number, day: r.day, kind: r.kind, copies: r.copies, fee_yen: r.feeYen, step: r.step, input: r.input,
          identity: r.identity, staff_id: r.staffId, sent_at: r.sentAt, received_at: r.receivedAt, updated_at: r.updatedAt,
        })))
        .execute();
    }
  }
  async setRequestSteps(changes: readonly { id: string; step: RequestStep; at: string }[]) {
    if (this.sqlite) {
      for (const c of changes) await this.setRequestStep(c.id, c.step, c.at);
      return;
    }
    for (const chunk of chunks(changes)) {
      const values = sql.join(chunk.map((c) => sql`(${c.id}, ${c.step}, ${c.at})`));
      await sql`WITH v(id, step, at) AS (VALUES ${values}) UPDATE requests SET step = v.step, updated_at = v.at FROM v WHERE requests.id = v.id`.execute(this.q);
    }
  }
  async insertRequestEvents(rows: readonly RequestEventRow[]) {
    if (this.sqlite) {
      for (const e of rows) await this.insertRequestEvent(e);
      return;
    }
    // One statement numbers its rows in VALUES order, so the events keep the order they happened in.
    for (const chunk of chunks(rows)) {
      await this.q
        .insertInto('request_events')
        .values(chunk.map((e) => ({ request_id: e.requestId, event: e.event, step: e.step, actor: e.actor, at: e.at, reason: e.reason })))
        .execute();
    }
  }

  async insertAppliedMessage(m: AppliedMessageRow) {
    await this.write('insertAppliedMessage', [m.vehicleId, m.idempotencyKey, m.messageType, m.result, m.appliedAt] as const, (db, [v, k, type, result, at]) =>
      db.insertInto('applied_messages').values({ vehicle_id: v, idempotency_key: k, message_type: type, result, applied_at: at }));
  }

  async insertRequest(r: RequestRow) {
    const values = [r.id, r.vehicleId, r.number, r.day, r.kind, r.copies, r.feeYen, r.step, r.input, r.identity, r.staffId, r.sentAt, r.receivedAt, r.updatedAt] as const;
    await this.write('insertRequest', values, (db, [id, vehicleId, number, day, kind, copies, feeYen, step, input, identity, staffId, sentAt, receivedAt, updatedAt]) =>
      db.insertInto('requests').values({
        id, vehicle_id: vehicleId, number, day, kind, copies, fee_yen: feeYen, step, input, identity, staff_id: staffId, sent_at: sentAt, received_at: receivedAt,
        updated_at: updatedAt,
      }));
  }
  async getRequest(id: string) {
    return this.first('getRequest', [id] as const, (db, [id]) => db.selectFrom('requests').select(requestCols).where('id', '=', id));
  }
  async setRequestStep(id: string, step: RequestStep, at: string) {
    await this.write('setRequestStep', [id, step, at] as const, (db, [id, step, at]) => db.updateTable('requests').set({ step, updated_at: at }).where('id', '=', id));
  }
  async listRequests(filter: RequestFilter) {
    let query = this.q.selectFrom('requests').select(requestCols);
    if (filter.steps) {
      if (filter.steps.length === 0) return [];
      query = query.where('step', 'in', filter.steps);
    }
    if (filter.day) query = query.where('day', '=', filter.day);
    return query.orderBy('received_at').orderBy('id').limit(filter.limit ?? 1000).execute();
  }
  private requestSearch(filter: Omit<RequestPageFilter, 'after' | 'limit'>) {
    let query = this.q.selectFrom('requests');
    if (filter.steps) query = query.where('step', 'in', filter.steps.length > 0 ? filter.steps : ['-' as RequestStep]);
    if (filter.vehicleId) query = query.where('vehicle_id', '=', filter.vehicleId);
    if (filter.day) query = query.where('day', '=', filter.day);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.numberPrefix) query = query.where('number', 'like', `${likeEscaped(filter.numberPrefix)}%`);
    if (filter.receivedAfter) query = query.where('received_at', '>', filter.receivedAfter);
    return query;
  }
  async listRequestPage(filter: RequestPageFilter) {
    let query = this.requestSearch(filter).select(requestCols);
    const after = filter.after;
    if (after) {
      query = query.where((eb) => eb.or([
        eb('received_at', '>', after.receivedAt),
        eb.and([eb('received_at', '=', after.receivedAt), eb.or([eb('number', '>', after.number), eb.and([eb('number', '=', after.number), eb('id', '>', after.id)])])]),
      ]));
    }
    // A batch arrives at one instant: within it, the vehicle's own 受付番号 order.
    return query.orderBy('received_at').orderBy('number').orderBy('id').limit(filter.limit).execute();
  }
  async countRequests(filter: Omit<RequestPageFilter, 'after' | 'limit'>) {
    const r = await this.requestSearch(filter).select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return count(r?.n as number | string | bigint | undefined);
  }
  async requestIdsBySubject(text: string, limit: number) {
    // Spaces are left out on both sides: 「磐城髙子」 finds 「磐城 髙子」.
    const bare = text.replace(/[\s\u3000]/g, '');
    if (bare === '') return [];
    const pattern = `%${likeEscaped(bare)}%`;
    // The subject's name and kana only (not the address or the requester), in each dialect's JSON words.
    const rows =
      this.dialect === 'postgres'
        ? await sql<{ id: string }>`SELECT id FROM requests WHERE REPLACE(REPLACE(input::jsonb #>> '{subject,name}', ' ', ''), '　', '') LIKE ${pattern} OR REPLACE(REPLACE(input::jsonb #>> '{subject,kana}', ' ', ''), '　', '') LIKE ${pattern} ORDER BY received_at DESC LIMIT ${limit}`.execute(this.q)
        : await sql<{ id: string }>`SELECT id FROM requests WHERE REPLACE(REPLACE(json_extract(input, '$.subject.name'), ' ', ''), '　', '') LIKE ${pattern} ESCAPE '\\' OR REPLACE(REPLACE(json_extract(input, '$.subject.kana'), ' ', ''), '　', '') LIKE ${pattern} ESCAPE '\\' ORDER BY received_at DESC LIMIT ${limit}`.execute(this.q);
    return rows.rows.map((r) => r.id);
  }
  async insertRequestEvent(e: RequestEventRow) {
    await this.write('insertRequestEvent', [e.requestId, e.event, e.step, e.actor, e.at, e.reason] as const, (db, [requestId, event, step, actor, at, reason]) =>
      db.insertInto('request_events').values({ request_id: requestId, event, step, actor, at, reason }));
  }
  async listRequestEvents(requestIds: readonly string[]) {
    const out: RequestEventRow[] = [];
    // Both drivers cap bound parameters; 500 at a time stays well below either cap.
    for (let i = 0; i < requestIds.length; i += 500) {
      const chunk = requestIds.slice(i, i + 500);
      out.push(...(await this.q.selectFrom('request_events').select(requestEventCols).where('request_id', 'in', chunk).orderBy('id').execute()));
    }
    return out;
  }

  async appendInbox(vehicleId: string, type: string, body: string, at: string) {
    if (this.dialect === 'postgres' && !this.locks.has(`inbox:${vehicleId}`)) {
      // The vehicle's row is its inbox counter's lock: a second process waits here, then reads the
      // number the first committed (READ COMMITTED takes a fresh snapshot per statement).
      await this.rows('lockVehicleInbox', [vehicleId] as const, (db, [id]) => db.selectFrom('vehicles').select('id').where('id', '=', id).forUpdate());
      this.locks.add(`inbox:${vehicleId}`, this.depth);
    }
    const seq = (await this.latestInboxSeq(vehicleId)) + 1;
    await this.write('insertInbox', [vehicleId, seq, type, body, at] as const, (db, [vehicleId, seq, type, body, at]) =>
      db.insertInto('inbox').values({ vehicle_id: vehicleId, seq, type, body, created_at: at }));
    return seq;
  }
  async listInbox(vehicleId: string, afterSeq: number, limit: number) {
    return this.rows('listInbox', [vehicleId, afterSeq, limit] as const, (db, [v, after, limit]) =>
      db.selectFrom('inbox').select(inboxCols).where('vehicle_id', '=', v).where('seq', '>', after).orderBy('seq').limit(limit));
  }
  async dropDocumentPdfs(requestIds: readonly string[]) {
    if (requestIds.length === 0) return [];
    const rows = await this.q
      .updateTable('documents')
      .set({ pdf: Buffer.alloc(0) })
      .where('request_id', 'in', [...requestIds])
      .where(sql<boolean>`length(pdf) > 0`)
      .returning('request_id')
      .execute();
    return rows.map((r) => r.request_id);
  }
  async setInboxBody(vehicleId: string, seq: number, body: string) {
    await this.q.updateTable('inbox').set({ body }).where('vehicle_id', '=', vehicleId).where('seq', '=', seq).execute();
  }
  async latestInboxSeq(vehicleId: string) {
    const row = await this.first('latestInboxSeq', [vehicleId] as const, (db, [v]) =>
      db.selectFrom('inbox').select((eb) => eb.fn.max('seq').as('seq')).where('vehicle_id', '=', v));
    return count(row?.seq ?? 0);
  }

  async insertDecision(d: DecisionRow) {
    await this.write('insertDecision', [d.requestId, d.decision, d.reason, d.operatorId, d.decidedAt] as const, (db, [requestId, decision, reason, operatorId, at]) =>
      db.insertInto('decisions').values({ request_id: requestId, decision, reason, operator_id: operatorId, decided_at: at }));
  }
  async getDecision(requestId: string) {
    return this.first('getDecision', [requestId] as const, (db, [id]) => db.selectFrom('decisions').select(decisionCols).where('request_id', '=', id));
  }
  async insertQuestion(q: QuestionRow) {
    await this.q.insertInto('questions').values({ id: q.id, request_id: q.requestId, text: q.text, operator_id: q.operatorId, asked_at: q.askedAt }).execute();
  }
  async listQuestions(requestId: string) {
    return this.q.selectFrom('questions').select(questionCols).where('request_id', '=', requestId).orderBy('asked_at').orderBy('id').execute();
  }

  async insertDocument(d: DocumentRow) {
    await this.q
      .insertInto('documents')
      .values({
        id: d.id, request_id: d.requestId, kind: d.kind, serial: d.serial, verification_code: d.verificationCode, pdf: Buffer.from(d.pdf),
        sha256: d.sha256, issued_at: d.issuedAt, issued_by: d.issuedBy,
      })
      .execute();
  }
  async getDocumentForRequest(requestId: string) {
    return this.q.selectFrom('documents').select(documentCols).where('request_id', '=', requestId).executeTakeFirst();
  }
  async insertPrintJob(j: PrintJobRow) {
    await this.q
      .insertInto('print_jobs')
      .values({
        id: j.id, request_id: j.requestId, vehicle_id: j.vehicleId, document_id: j.documentId, copies: j.copies, sha256: j.sha256, signature: j.signature,
        reprint_of: j.reprintOf, inbox_seq: j.inboxSeq, issued_at: j.issuedAt, issued_by: j.issuedBy,
      })
      .execute();
  }
  async getPrintJob(id: string) {
    return this.first('getPrintJob', [id] as const, (db, [id]) => db.selectFrom('print_jobs').select(printJobCols).where('id', '=', id));
  }
  async listPrintJobs(requestId: string) {
    return this.q.selectFrom('print_jobs').select(printJobCols).where('request_id', '=', requestId).orderBy('issued_at').orderBy('id').execute();
  }

  async insertReprintRequest(r: ReprintRequestRow) {
    await this.q
      .insertInto('reprint_requests')
      .values({
        id: r.id, vehicle_id: r.vehicleId, job_id: r.jobId, request_id: r.requestId, reason: r.reason, staff_id: r.staffId, requested_at: r.requestedAt,
        received_at: r.receivedAt, status: r.status, decided_by: r.decidedBy, decided_at: r.decidedAt, new_job_id: r.newJobId,
      })
      .execute();
  }
  async getReprintRequest(vehicleId: string, id: string) {
    return this.q.selectFrom('reprint_requests').select(reprintCols).where('vehicle_id', '=', vehicleId).where('id', '=', id).executeTakeFirst();
  }
  async getReprintRequestForJob(jobId: string) {
    return this.first('getReprintRequestForJob', [jobId] as const, (db, [id]) => db.selectFrom('reprint_requests').select(reprintCols).where('job_id', '=', id));
  }
  async decideReprintRequest(vehicleId: string, id: string, status: 'approved' | 'rejected', by: string, at: string, newJobId: string | null) {
    await this.q
      .updateTable('reprint_requests')
      .set({ status, decided_by: by, decided_at: at, new_job_id: newJobId })
      .where('vehicle_id', '=', vehicleId)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }
  async listReprintRequests(status: ReprintStatus | null) {
    let query = this.q.selectFrom('reprint_requests').select(reprintCols);
    if (status) query = query.where('status', '=', status);
    return query.orderBy('received_at').execute();
  }

  async insertDeadLetter(d: Omit<DeadLetterRow, 'id'>) {
    const row = await this.first('insertDeadLetter', [d.vehicleId, d.idempotencyKey, d.code, d.problem, d.payload, d.receivedAt] as const, (db, [v, key, code, problem, payload, at]) =>
      db.insertInto('dead_letters').values({ vehicle_id: v, idempotency_key: key, code, problem, payload, received_at: at }).returning('id'));
    return count(row?.id);
  }
  async listDeadLetters(limit: number) {
    return this.q.selectFrom('dead_letters').select(deadLetterCols).orderBy('id', 'desc').limit(limit).execute();
  }
  async getDeadLetter(id: number) {
    return this.q.selectFrom('dead_letters').select(deadLetterCols).where('id', '=', id).executeTakeFirst();
  }
  async deleteDeadLetter(id: number) {
    const r = await this.q.deleteFrom('dead_letters').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async insertLinkChallenge(c: Omit<LinkChallengeRow, 'usedAt' | 'outcome'>) {
    await this.q
      .insertInto('insurance_link_challenges')
      .values({ id: c.id, vehicle_id: c.vehicleId, challenge: Buffer.from(c.challenge), created_at: c.createdAt, expires_at: c.expiresAt })
      .execute();
  }
  async getLinkChallenge(id: string) {
    return this.q.selectFrom('insurance_link_challenges').select(linkChallengeCols).where('id', '=', id).executeTakeFirst();
  }
  async useLinkChallenge(id: string, at: string, outcome: string) {
    const r = await this.q.updateTable('insurance_link_challenges').set({ used_at: at, outcome }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return count(r.numUpdatedRows) === 1;
  }
  async setLinkChallengeOutcome(id: string, outcome: string) {
    await this.q.updateTable('insurance_link_challenges').set({ outcome }).where('id', '=', id).where('used_at', 'is not', null).execute();
  }
  async insertInsuranceLink(l: InsuranceLinkRow) {
    await this.q
      .insertInto('insurance_links')
      .values({
        id: l.id, vehicle_id: l.vehicleId, staff_id: l.staffId, certificate_serial: l.certificateSerial, certificate_subject: l.certificateSubject,
        insurer_number: l.insurerNumber, symbol: l.symbol, number: l.number, branch: l.branch, linked_at: l.linkedAt,
      })
      .execute();
  }
  async getInsuranceLink(id: string) {
    return this.q.selectFrom('insurance_links').select(insuranceLinkCols).where('id', '=', id).executeTakeFirst();
  }

  async insertConsultation(c: Pick<ConsultationRow, 'id' | 'vehicleId' | 'staffId' | 'department' | 'calledAt'>) {
    await this.q.insertInto('consultations').values({ id: c.id, vehicle_id: c.vehicleId, staff_id: c.staffId, department: c.department, called_at: c.calledAt }).execute();
  }
  async setConsultationConnected(id: string, consultantId: string, at: string) {
    await this.q.updateTable('consultations').set({ consultant_id: consultantId, connected_at: at }).where('id', '=', id).where('ended_at', 'is', null).execute();
  }
  async endConsultation(id: string, outcome: string, at: string) {
    const r = await this.q.updateTable('consultations').set({ outcome, ended_at: at }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
    return count(r.numUpdatedRows) === 1;
  }
  async interruptOpenConsultations(at: string) {
    const r = await this.q.updateTable('consultations').set({ outcome: 'interrupted', ended_at: at }).where('ended_at', 'is', null).executeTakeFirst();
    return count(r.numUpdatedRows);
  }
  async setConsultationNotes(id: string, notes: string, at: string) {
    await this.q.updateTable('consultations').set({ notes, notes_updated_at: at }).where('id', '=', id).execute();
  }
  async getConsultation(id: string) {
    return this.q.selectFrom('consultations').select(consultationCols).where('id', '=', id).executeTakeFirst();
  }
  async listConsultations(filter: { consultantId?: string; since?: string; limit: number }) {
    let query = this.q.selectFrom('consultations').select(consultationCols);
    if (filter.consultantId !== undefined) query = query.where('consultant_id', '=', filter.consultantId);
    if (filter.since !== undefined) query = query.where('called_at', '>=', filter.since);
    return query.orderBy('called_at', 'desc').limit(filter.limit).execute();
  }

  async insertBooking(b: Omit<BookingRow, 'status' | 'cancelReason' | 'updatedAt' | 'updatedBy'>) {
    // ON CONFLICT DO NOTHING, not a caught unique violation: on PostgreSQL a failed statement would abort
    // the whole transaction, and a lost slot is the resident's answer (SLOT_TAKEN), not a race to re-run.
    const r = await this.q
      .insertInto('bookings')
      .values({
        id: b.id, external_id: b.externalId, channel: b.channel, area: b.area, district: b.district, visit_date: b.visitDate, slot: b.slot,
        resident: b.resident, eligibility: b.eligibility, coverage: b.coverage, parking: b.parking, services: b.services, notes: b.notes,
        status: 'booked', cancel_reason: null, created_at: b.createdAt, created_by: b.createdBy, updated_at: b.createdAt, updated_by: b.createdBy,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return count(r.numInsertedOrUpdatedRows) === 1;
  }
  async getBooking(id: string) {
    return this.q.selectFrom('bookings').select(bookingCols).where('id', '=', id).executeTakeFirst();
  }
  async getBookingByExternalId(channel: string, externalId: string) {
    return this.q.selectFrom('bookings').select(bookingCols).where('channel', '=', channel).where('external_id', '=', externalId).executeTakeFirst();
  }
  async listBookedSlots(area: string, from: string, to: string) {
    return this.q
      .selectFrom('bookings')
      .select(['visit_date as visitDate', 'slot'])
      .where('area', '=', area)
      .where('visit_date', '>=', from)
      .where('visit_date', '<=', to)
      .where('status', '=', 'booked')
      .orderBy('visit_date')
      .orderBy('slot')
      .execute();
  }
  async cancelBooking(id: string, reason: string, by: string, at: string) {
    const r = await this.q
      .updateTable('bookings')
      .set({ status: 'cancelled', cancel_reason: reason, updated_at: at, updated_by: by })
      .where('id', '=', id)
      .where('status', '=', 'booked')
      .executeTakeFirst();
    return count(r.numUpdatedRows) === 1;
  }

  async upsertVisitAssignment(a: VisitAssignmentRow) {
    await this.q
      .insertInto('visit_assignments')
      .values({ area: a.area, visit_date: a.visitDate, vehicle_id: a.vehicleId, assigned_at: a.assignedAt, assigned_by: a.assignedBy })
      .onConflict((oc) => oc.columns(['area', 'visit_date']).doUpdateSet({ vehicle_id: a.vehicleId, assigned_at: a.assignedAt, assigned_by: a.assignedBy }))
      .execute();
  }
  async getVisitAssignment(area: string, visitDate: string) {
    return this.q.selectFrom('visit_assignments').select(visitAssignmentCols).where('area', '=', area).where('visit_date', '=', visitDate).executeTakeFirst();
  }
  async deleteVisitAssignment(area: string, visitDate: string) {
    const r = await this.q.deleteFrom('visit_assignments').where('area', '=', area).where('visit_date', '=', visitDate).executeTakeFirst();
    return count(r.numDeletedRows) === 1;
  }
  async listVisitAssignments(filter: { from: string; to?: string; vehicleId?: string }) {
    let query = this.q.selectFrom('visit_assignments').select(visitAssignmentCols).where('visit_date', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('visit_date', '<=', filter.to);
    if (filter.vehicleId !== undefined) query = query.where('vehicle_id', '=', filter.vehicleId);
    return query.orderBy('visit_date').orderBy('area').execute();
  }
  async insertVisitOutcome(o: VisitOutcomeRow) {
    // ON CONFLICT DO NOTHING: a second outcome for a booking is an answer (the first stays), not an aborted transaction.
    const r = await this.q
      .insertInto('visit_outcomes')
      .values({
        booking_id: o.bookingId, vehicle_id: o.vehicleId, outcome: o.outcome, reason: o.reason, staff_id: o.staffId, recorded_at: o.recordedAt, received_at: o.receivedAt,
      })
      .onConflict((oc) => oc.column('booking_id').doNothing())
      .executeTakeFirst();
    return count(r.numInsertedOrUpdatedRows) === 1;
  }
  async getVisitOutcomes(bookingIds: readonly string[]) {
    if (bookingIds.length === 0) return [];
    return this.q.selectFrom('visit_outcomes').select(visitOutcomeCols).where('booking_id', 'in', [...bookingIds]).execute();
  }

  async listBookings(filter: { area?: string; from: string; to: string }) {
    let q = this.q.selectFrom('bookings').select(bookingCols).where('visit_date', '>=', filter.from).where('visit_date', '<=', filter.to).where('status', '=', 'booked');
    if (filter.area) q = q.where('area', '=', filter.area);
    return q.orderBy('visit_date').orderBy('slot').orderBy('area').execute();
  }
  async moveBooking(id: string, to: { visitDate: string; slot: string }, by: string, at: string) {
    // In a savepoint: the slot's partial unique index refuses a taken slot with an error, and on
    // PostgreSQL an error outside a savepoint would end the whole transaction.
    try {
      return await this.savepoint(async () => {
        const r = await this.q
          .updateTable('bookings')
          .set({ visit_date: to.visitDate, slot: to.slot, updated_at: at, updated_by: by })
          .where('id', '=', id)
          .where('status', '=', 'booked')
          .executeTakeFirst();
        return count(r.numUpdatedRows) === 1;
      });
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async insertNotice(n: Omit<NoticeRow, 'seq' | 'handledAt' | 'handledBy'>) {
    const r = await this.q
      .insertInto('booking_notices')
      .values({
        id: n.id, dedupe_key: n.dedupeKey, booking_id: n.bookingId, audience: n.audience, kind: n.kind, channel: n.channel, external_id: n.externalId,
        message: n.message, contact: n.contact, created_at: n.createdAt, handled_at: null, handled_by: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .executeTakeFirst();
    return count(r.numInsertedOrUpdatedRows) === 1;
  }
  async listOpenNotices(audience: NoticeRow['audience'], limit: number, afterSeq = 0) {
    const rows = await this.q
      .selectFrom('booking_notices')
      .select(noticeCols)
      .where('audience', '=', audience)
      .where('handled_at', 'is', null)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ ...r, audience: r.audience as NoticeRow['audience'] }));
  }
  async handleNotices(audience: NoticeRow['audience'], ids: readonly string[], by: string, at: string) {
    if (ids.length === 0) return [];
    const rows = await this.q
      .updateTable('booking_notices')
      .set({ handled_at: at, handled_by: by })
      .where('audience', '=', audience)
      .where('id', 'in', [...ids])
      .where('handled_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async insertIntakeKey(k: Omit<IntakeKeyRow, 'revokedAt' | 'revokedBy'>) {
    await this.q
      .insertInto('intake_keys')
      .values({ id: k.id, name: k.name, secret: k.secret, created_at: k.createdAt, created_by: k.createdBy })
      .execute();
  }
  async getIntakeKey(id: string) {
    return this.first('getIntakeKey', [id] as const, (db, [id]) => db.selectFrom('intake_keys').select(intakeKeyCols).where('id', '=', id));
  }
  async revokeIntakeKey(id: string, at: string, by: string) {
    const r = await this.q
      .updateTable('intake_keys')
      .set({ revoked_at: at, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return count(r.numUpdatedRows) === 1;
  }

  async insertOuting(o: OutingRow, people: readonly OutingPersonServices[], sales: readonly OutingSaleRow[]) {
    // ON CONFLICT DO NOTHING: a second record of an outing is an answer (the first stays), not an aborted transaction.
    const r = await this.q
      .insertInto('outings')
      .values({
        id: o.id, vehicle_id: o.vehicleId, source: 'vehicle', date: o.date, fiscal_year: o.fiscalYear, month: o.month, kind: o.kind, place: o.place,
        staff: o.staff, started_at: o.startedAt, ended_at: o.endedAt, explained: o.explained, received_at: o.receivedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    if (count(r.numInsertedOrUpdatedRows) !== 1) return false;
    const serviceRows = people.flatMap((p) =>
      p.services.map((service, i) => ({
        outing_id: o.id, person_no: p.personNo, service, department: service === 'consultation' ? p.department : null,
        month: o.month, kind: o.kind, place: o.place ?? '', counts_person: i === 0 ? 1 : 0,
      })),
    );
    for (const part of chunks(serviceRows)) await this.q.insertInto('outing_services').values(part).execute();
    const saleRows = sales.map((s, i) => ({ outing_id: o.id, line_no: i + 1, item: s.item, unit_yen: s.unitYen, quantity: s.quantity }));
    for (const part of chunks(saleRows)) await this.q.insertInto('outing_sales').values(part).execute();
    return true;
  }
  async insertDailyClose(c: DailyCloseRow, lines: readonly DailyCloseLineRow[]) {
    await this.q.insertInto('daily_closes').values({
      outing_id: c.outingId, vehicle_id: c.vehicleId, date: c.date, month: c.month, closed_at: c.closedAt, closed_by: c.closedBy, fees_yen: c.feesYen,
      goods_yen: c.goodsYen, refunds_yen: c.refundsYen, expected_yen: c.expectedYen, counted_yen: c.countedYen, difference_yen: c.differenceYen,
      reason: c.reason, counted: c.counted, cashless: c.cashless, received_at: c.receivedAt,
    }).execute();
    const rows = lines.map((l) => ({
      outing_id: c.outingId, line_no: l.lineNo, month: c.month, kind: l.kind, item: l.item, quantity: l.quantity, method: l.method, amount_yen: l.amountYen,
    }));
    for (const part of chunks(rows)) await this.q.insertInto('daily_close_lines').values(part).execute();
  }
  async listDailyCloses(month: string): Promise<DailyCloseRow[]> {
    const rows = await this.q
      .selectFrom('daily_closes')
      .select([
        'outing_id as outingId', 'vehicle_id as vehicleId', 'date', 'month', 'closed_at as closedAt', 'closed_by as closedBy', 'fees_yen as feesYen',
        'goods_yen as goodsYen', 'refunds_yen as refundsYen', 'expected_yen as expectedYen', 'counted_yen as countedYen', 'difference_yen as differenceYen',
        'reason', 'counted', 'cashless', 'received_at as receivedAt',
      ])
      .where('month', '=', month)
      .orderBy('date').orderBy('closed_at').orderBy('outing_id')
      .execute();
    // PostgreSQL's INTEGER comes back as a number, SQLite's too; the amounts are checked numbers either way.
    return rows.map((r) => ({ ...r, feesYen: Number(r.feesYen), goodsYen: Number(r.goodsYen), refundsYen: Number(r.refundsYen), expectedYen: Number(r.expectedYen), countedYen: Number(r.countedYen), differenceYen: Number(r.differenceYen) }));
  }
  async closeSummary(month: string): Promise<CloseSummaryRow[]> {
    const rows = await this.q
      .selectFrom('daily_close_lines')
      .select((eb) => ['kind', 'item', 'method', eb.fn.countAll().as('count'), eb.fn.sum('quantity').as('quantity'), eb.fn.sum('amount_yen').as('amount')])
      .where('month', '=', month)
      .groupBy(['kind', 'item', 'method'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, item: r.item, method: r.method, count: count(r.count), quantity: count(r.quantity as string | number | bigint), amountYen: count(r.amount as string | number | bigint) }));
  }
  async hasImportedRecord(key: { fiscalYear: number; month: string | null; kind: string; place: string }) {
    let query = this.q.selectFrom('imported_records').select('id').where('fiscal_year', '=', key.fiscalYear).where('kind', '=', key.kind).where('place', '=', key.place);
    query = key.month === null ? query.where('month', 'is', null) : query.where('month', '=', key.month);
    return (await query.executeTakeFirst()) !== undefined;
  }
  async insertImportedRecords(rows: readonly ImportedRecordRow[]) {
    const values = rows.map((r) => ({
      fiscal_year: r.fiscalYear, month: r.month, kind: r.kind, place: r.place, outings: r.outings, certificate: r.certificate, mynumber_card: r.mynumberCard,
      garbage_ticket: r.garbageTicket, consultation: r.consultation, frailty: r.frailty, smartphone: r.smartphone, people: r.people, explained: r.explained,
      line_no: r.lineNo, file_sha256: r.fileSha256, imported_at: r.importedAt, imported_by: r.importedBy,
    }));
    for (const part of chunks(values)) await this.q.insertInto('imported_records').values(part).execute();
  }
  async recordTotals(filter: RecordsFilter): Promise<RecordTotals> {
    const { from, to, wholeFiscalYear } = filter;
    const n = (v: unknown) => Number(v ?? 0);
    const nOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    // Each a GROUP BY over the month index: the rows never leave the database, only their sums.
    const outings = await this.q
      .selectFrom('outings')
      .select((eb) => ['kind', eb.fn.coalesce('place', sql.lit('')).as('place'), eb.fn.countAll().as('outings'), eb.fn.sum('explained').as('explained')])
      .where('source', '=', 'vehicle').where('month', '>=', from).where('month', '<=', to)
      .groupBy(['kind', 'place'])
      .execute();
    // One pass over the person-services, in the order of their index (month, kind, place, service):
    // the rows of the table and the monthly series are both sums of its few hundred groups.
    const grouped = await this.q
      .selectFrom('outing_services')
      .select((eb) => ['month', 'kind', 'place', 'service', eb.fn.countAll().as('served'), eb.fn.sum('counts_person').as('people')])
      .where('month', '>=', from).where('month', '<=', to)
      .groupBy(['month', 'kind', 'place', 'service'])
      .execute();
    const services = new Map<string, { kind: string; place: string; service: string; served: number; people: number }>();
    const monthlyServices = new Map<string, { month: string; service: string; served: number; people: number }>();
    for (const r of grouped) {
      const byRow = services.get(`${r.kind}\u0000${r.place}\u0000${r.service}`) ?? { kind: r.kind, place: r.place, service: r.service, served: 0, people: 0 };
      byRow.served += n(r.served);
      byRow.people += n(r.people);
      services.set(`${r.kind}\u0000${r.place}\u0000${r.service}`, byRow);
      const byMonth = monthlyServices.get(`${r.month}\u0000${r.service}`) ?? { month: r.month, service: r.service, served: 0, people: 0 };
      byMonth.served += n(r.served);
      byMonth.people += n(r.people);
      monthlyServices.set(`${r.month}\u0000${r.service}`, byMonth);
    }
    const importedCounts = (eb: ExpressionBuilder<HubDatabase, 'imported_records'>) => [
      eb.fn.sum('outings').as('outings'), eb.fn.sum('certificate').as('certificate'), eb.fn.sum('mynumber_card').as('mynumber_card'),
      eb.fn.sum('garbage_ticket').as('garbage_ticket'), eb.fn.sum('consultation').as('consultation'), eb.fn.sum('frailty').as('frailty'),
      eb.fn.sum('smartphone').as('smartphone'), eb.fn.sum('people').as('people'),
    ] as const;
    const imported = await this.q
      .selectFrom('imported_records')
      .select((eb) => ['kind', 'place', ...importedCounts(eb), eb.fn.sum('explained').as('explained'), eb.fn.min('line_no').as('first_line')])
      .where((eb) => {
        const inRange = eb.and([eb('month', '>=', from), eb('month', '<=', to)]);
        return wholeFiscalYear === null ? inRange : eb.or([inRange, eb.and([eb('month', 'is', null), eb('fiscal_year', '=', wholeFiscalYear)])]);
      })
      .groupBy(['kind', 'place'])
      .execute();
    const monthlyOutings = await this.q
      .selectFrom('outings')
      .select((eb) => ['month', 'kind', eb.fn.coalesce('place', sql.lit('')).as('place'), eb.fn.countAll().as('outings')])
      .where('source', '=', 'vehicle').where('month', '>=', from).where('month', '<=', to)
      .groupBy(['month', 'kind', 'place'])
      .execute();
    const monthlyImported = await this.q
      .selectFrom('imported_records')
      .select((eb) => ['month', 'kind', 'place', ...importedCounts(eb)])
      .where('month', '>=', from).where('month', '<=', to)
      .groupBy(['month', 'kind', 'place'])
      .execute();
    // り災証明書 applications by the Tokyo month they were taken in: the vehicle's own clock and offset,
    // so the month is read here; the rows are bounded by when the hub received them (never before taken).
    const risaiRows = await this.q
      .selectFrom('risai_applications as a')
      .innerJoin('risai_disasters as d', 'd.id', 'a.disaster_id')
      .select(['d.name as disaster', 'a.district as area', 'a.taken_at'])
      .where('a.received_at', '>=', new Date(Date.parse(`${from}-01T00:00:00+09:00`)).toISOString())
      .execute();
    const risai = new Map<string, { disaster: string; area: string; applications: number }>();
    for (const r of risaiRows) {
      const month = tokyoDate(new Date(r.taken_at)).slice(0, 7);
      if (month < from || month > to) continue;
      const key = `${r.disaster}\u0000${r.area}`;
      const row = risai.get(key) ?? { disaster: r.disaster, area: r.area, applications: 0 };
      row.applications++;
      risai.set(key, row);
    }
    const importedRow = (r: Record<string, unknown>) => ({
      outings: n(r.outings), people: nOrNull(r.people), certificate: nOrNull(r.certificate), mynumber_card: nOrNull(r.mynumber_card),
      garbage_ticket: nOrNull(r.garbage_ticket), consultation: nOrNull(r.consultation), frailty: nOrNull(r.frailty), smartphone: nOrNull(r.smartphone),
    });
    return {
      outings: outings.map((r) => ({ kind: r.kind, place: String(r.place), outings: n(r.outings), explained: n(r.explained) })),
      services: [...services.values()],
      imported: imported.map((r) => ({ kind: r.kind, place: r.place, firstLine: n(r.first_line), ...importedRow(r), explained: nOrNull(r.explained) })),
      monthlyServices: [...monthlyServices.values()],
      monthlyOutings: monthlyOutings.map((r) => ({ month: String(r.month), kind: r.kind, place: String(r.place), outings: n(r.outings) })),
      monthlyImported: monthlyImported.map((r) => ({ month: String(r.month), kind: r.kind, place: r.place, ...importedRow(r) })),
      risai: [...risai.values()],
    };
  }

  async appendAudit(entry: AuditEntry, at: string) {
    // The chain has one head: appends from every process line up behind this lock until commit, so
    // each reads the head the previous one committed.
    await this.advisoryLock(LOCK_AUDIT_CHAIN, 'audit_log');
    // LIMIT as a literal: bound as a parameter, SQLite reads the head several times slower.
    const prev = this.auditHead ?? (await this.first('auditHead', [] as const, (db) => db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(sql.lit(1))));
    const row = {
      seq: (prev?.seq ?? 0) + 1,
      at,
      actor: entry.actor,
      action: entry.action,
      requestId: entry.requestId ?? null,
      place: entry.place,
      detail: JSON.stringify(entry.detail ?? {}),
    };
    const prevHash = prev?.hash ?? GENESIS_HASH;
    const hash = auditRowHash(prevHash, row);
    const values = [row.seq, row.at, row.actor, row.action, row.requestId, row.place, row.detail, prevHash, hash] as const;
    await this.write('insertAudit', values, (db, [seq, at, actor, action, requestId, place, detail, prevHash, hash]) =>
      db.insertInto('audit_log').values({ seq, at, actor, action, request_id: requestId, place, detail, prev_hash: prevHash, hash }));
    this.auditHead = { seq: row.seq, hash, depth: this.depth };
  }
  async appendAudits(entries: readonly { entry: AuditEntry; at: string }[]) {
    if (entries.length === 0) return;
    if (this.sqlite) {
      for (const { entry, at } of entries) await this.appendAudit(entry, at);
      return;
    }
    await this.advisoryLock(LOCK_AUDIT_CHAIN, 'audit_log');
    let prev = this.auditHead ?? (await this.first('auditHead', [] as const, (db) => db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(sql.lit(1))));
    // Hashed here, under the chain's lock, each on the one before: the rows go in as one statement.
    const rows = entries.map(({ entry, at }) => {
      const row = {
        seq: (prev?.seq ?? 0) + 1, at, actor: entry.actor, action: entry.action, requestId: entry.requestId ?? null, place: entry.place,
        detail: JSON.stringify(entry.detail ?? {}),
      };
      const prevHash = prev?.hash ?? GENESIS_HASH;
      const hash = auditRowHash(prevHash, row);
      prev = { seq: row.seq, hash };
      return { seq: row.seq, at, actor: row.actor, action: row.action, request_id: row.requestId, place: row.place, detail: row.detail, prev_hash: prevHash, hash };
    });
    for (const chunk of chunks(rows)) await this.q.insertInto('audit_log').values(chunk).execute();
    const last = rows[rows.length - 1]!;
    this.auditHead = { seq: last.seq, hash: last.hash, depth: this.depth };
  }
  async listAudit(filter: { requestId?: string; action?: string; limit?: number }) {
    let query = this.q.selectFrom('audit_log').select(auditCols);
    if (filter.requestId) query = query.where('request_id', '=', filter.requestId);
    if (filter.action) query = query.where('action', '=', filter.action);
    return query.orderBy('seq').limit(filter.limit ?? 10_000).execute();
  }
  async searchAudit(filter: AuditSearch) {
    let query = this.q.selectFrom('audit_log').select(auditCols);
    if (filter.requestIds) query = query.where('request_id', 'in', filter.requestIds.length > 0 ? filter.requestIds : ['']);
    if (filter.actor) query = query.where('actor', '=', filter.actor);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.from) query = query.where('at', '>=', filter.from);
    if (filter.to) query = query.where('at', '<', filter.to);
    if (filter.before) query = query.where('seq', '<', filter.before);
    return query.orderBy('seq', 'desc').limit(filter.limit).execute();
  }
  async latestAudit() {
    return this.q.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  }
  async insertAuditCheckpoint(c: { seq: number; hash: string; at: string; signature: string }) {
    await this.q.insertInto('audit_checkpoints').values(c).onConflict((oc) => oc.column('seq').doNothing()).execute();
  }
  async latestAuditCheckpoint() {
    return this.q.selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
  }
  async listAuditCheckpoints() {
    return this.q.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
  }
  async auditHashAt(seq: number) {
    return (await this.q.selectFrom('audit_log').select('hash').where('seq', '=', seq).executeTakeFirst())?.hash ?? null;
  }
  async verifyAudit() {
    const rows: AuditRow[] = [];
    // Read in pages so one statement never holds the whole log in the driver's buffer at once.
    for (let after = 0; ; ) {
      const page = await this.q.selectFrom('audit_log').select(auditCols).where('seq', '>', after).orderBy('seq').limit(5000).execute();
      rows.push(...page);
      if (page.length < 5000) break;
      after = page[page.length - 1]!.seq;
    }
    return verifyChain(rows);
  }
}

/** PostgreSQL errors after which the whole transaction is run again. */
const RETRY_CODES = new Set(['40001', '40P01']);
/** Unique keys that arbitrate races between processes: losing one means "run again and see the winner". */
const ARBITER_CONSTRAINTS = new Set(['applied_messages_pkey', 'inbox_pkey', 'audit_log_pkey']);
const MAX_ATTEMPTS = 5;

function shouldRetry(e: unknown): boolean {
  const err = e as { code?: unknown; constraint?: unknown };
  if (typeof err?.code !== 'string') return false;
  return RETRY_CODES.has(err.code) || (err.code === '23505' && typeof err.constraint === 'string' && ARBITER_CONSTRAINTS.has(err.constraint));
}

const BEGIN_IMMEDIATE = CompiledQuery.raw('BEGIN IMMEDIATE');
const COMMIT = CompiledQuery.raw('COMMIT');
const ROLLBACK = CompiledQuery.raw('ROLLBACK');

export interface KyselyHubStoreOptions {
  db: Kysely<HubDatabase>;
  dialect: Dialect;
  /** SQLite only: its connection, for fixed queries run without the driver's promise chain. */
  sqlite?: SqliteAccess;
}

export class KyselyHubStore implements HubStore {
  readonly db: Kysely<HubDatabase>;
  readonly dialect: Dialect;
  private readonly sqlite: SqliteAccess | null;
  private readonly templates: QueryTemplates;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: KyselyHubStoreOptions) {
    this.db = options.db;
    this.dialect = options.dialect;
    this.sqlite = options.sqlite ?? null;
    if (this.dialect === 'sqlite' && !this.sqlite) throw new Error('a SQLite hub store needs its connection');
    this.templates = new QueryTemplates(options.db);
  }

  transaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    return this.dialect === 'sqlite' ? this.sqliteTransaction(fn) : this.postgresTransaction(fn);
  }

  private sqliteTransaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('hub store is closed');
      return this.db.connection().execute(async (conn) => {
        const sqlite = this.sqlite!;
        runOnSqlite(sqlite.database, BEGIN_IMMEDIATE);
        try {
          const result = await fn(new KyselyHubTx(conn, 'sqlite', this.templates, sqlite));
          runOnSqlite(sqlite.database, COMMIT);
          return result;
        } catch (e) {
          if (sqlite.inTransaction()) runOnSqlite(sqlite.database, ROLLBACK);
          throw e;
        }
      });
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async postgresTransaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('hub store is closed');
    const work = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.db.transaction().execute((trx) => fn(new KyselyHubTx(trx, 'postgres', this.templates)));
        } catch (e) {
          if (attempt >= MAX_ATTEMPTS || !shouldRetry(e)) throw e;
          // A short, jittered pause so two processes that collided do not collide again in step.
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
        }
      }
    })();
    this.tail = Promise.allSettled([this.tail, work]);
    return work;
  }

  async close(): Promise<void> {
    await this.tail;
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}
