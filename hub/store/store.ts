// The hub store: one typed query code (Kysely) for SQLite (better-sqlite3) and PostgreSQL (pg).
//
// SQLite has one synchronous connection in one process: transactions are serialized (BEGIN IMMEDIATE,
// so a CLI on the same file waits instead of failing mid-way) and nothing can interleave.
// PostgreSQL may serve several hub processes at READ COMMITTED: what must never be given twice is
// serialized by a lock taken before it is read — the audit chain's head (an advisory lock), a
// vehicle's inbox counter (its vehicles row, FOR UPDATE), a vehicle's deliveries (an advisory lock
// taken before an idempotency key is looked up) — and primary keys stay the final arbiter: a whole
// transaction that loses a race on one of them, or on a deadlock or serialization check, runs again.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { RequestStep } from '../../protocol/domain';
import { auditRowHash, GENESIS_HASH, verifyChain } from './audit-chain';
import type { Dialect, HubDatabase } from './schema';
import type {
  AppliedMessageRow, AuditEntry, AuditRow, ConsultationRow, DeadLetterRow, DecisionRow, DocumentRow, HubStore, HubTx,
  InsuranceLinkRow, LinkChallengeRow, OperatorRow, PrintJobRow, QuestionRow, ReprintRequestRow, ReprintStatus, RequestEventRow,
  RequestFilter, RequestRow, SessionRow, VehicleCertificateRow, VehicleRow,
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
const auditCols = ['seq', 'at', 'actor', 'action', 'request_id as requestId', 'place', 'detail', 'prev_hash as prevHash', 'hash'] as const;

/** Booleans are 0/1 in both dialects' tables; this is the one place they become booleans. */
const toOperator = (r: Omit<OperatorRow, 'active'> & { active: number }): OperatorRow => ({ ...r, active: r.active === 1 });
/** Counts come back as bigint (Kysely) or as int8 text (pg): the hub's counts fit a number. */
const count = (n: bigint | number | string | undefined): number => Number(n ?? 0);

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

export class KyselyHubTx implements HubTx {
  private depth = 0;
  private readonly locks = new HeldLocks();

  constructor(
    private readonly q: Q,
    private readonly dialect: Dialect,
    /** False once SQLite itself ended the transaction (a disk error rolls it back whole). */
    private readonly inTransaction: () => boolean = () => true,
  ) {}

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const depth = ++this.depth;
    const name = `sp${depth}`;
    await sql.raw(`SAVEPOINT ${name}`).execute(this.q);
    try {
      const result = await fn();
      await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(this.q);
      this.locks.released(depth);
      return result;
    } catch (e) {
      if (this.inTransaction()) {
        await sql.raw(`ROLLBACK TO SAVEPOINT ${name}`).execute(this.q);
        await sql.raw(`RELEASE SAVEPOINT ${name}`).execute(this.q);
      }
      this.locks.rolledBack(depth);
      throw e;
    } finally {
      this.depth--;
    }
  }

  /** Takes a PostgreSQL transaction-scoped lock once per transaction (SQLite is serialized already). */
  private async advisoryLock(space: number, key: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    const id = `${space}:${key}`;
    if (this.locks.has(id)) return;
    await sql`SELECT pg_advisory_xact_lock(${space}::int4, hashtext(${key}))`.execute(this.q);
    this.locks.add(id, this.depth);
  }

  async insertVehicle(v: Pick<VehicleRow, 'id' | 'enrolledAt' | 'enrolledBy'>) {
    await this.q.insertInto('vehicles').values({ id: v.id, enrolled_at: v.enrolledAt, enrolled_by: v.enrolledBy }).execute();
  }
  async getVehicle(id: string) {
    return this.q.selectFrom('vehicles').select(vehicleCols).where('id', '=', id).executeTakeFirst();
  }
  async listVehicles() {
    return this.q.selectFrom('vehicles').select(vehicleCols).orderBy('id').execute();
  }
  async revokeVehicle(id: string, at: string, by: string) {
    await this.q.updateTable('vehicles').set({ revoked_at: at, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    await this.q.updateTable('vehicle_certificates').set({ revoked_at: at }).where('vehicle_id', '=', id).where('revoked_at', 'is', null).execute();
  }
  async insertVehicleCertificate(c: Omit<VehicleCertificateRow, 'revokedAt'>) {
    await this.q
      .insertInto('vehicle_certificates')
      .values({ fingerprint: c.fingerprint, vehicle_id: c.vehicleId, serial: c.serial, not_after: c.notAfter, issued_at: c.issuedAt })
      .execute();
  }
  async getVehicleCertificate(fingerprint: string) {
    return this.q.selectFrom('vehicle_certificates').select(certCols).where('fingerprint', '=', fingerprint).executeTakeFirst();
  }
  async setInboxAcked(vehicleId: string, seq: number) {
    // Never backwards: an old acknowledgement arriving late leaves the newer one.
    await this.q.updateTable('vehicles').set({ inbox_acked_seq: seq }).where('id', '=', vehicleId).where('inbox_acked_seq', '<', seq).execute();
  }

  async insertOperator(o: OperatorRow) {
    await this.q
      .insertInto('operators')
      .values({ id: o.id, display_name: o.displayName, role: o.role, password_hash: o.passwordHash, active: o.active ? 1 : 0, created_at: o.createdAt })
      .execute();
  }
  async getOperator(id: string) {
    const row = await this.q.selectFrom('operators').select(operatorCols).where('id', '=', id).executeTakeFirst();
    return row ? toOperator(row) : undefined;
  }
  async listOperators() {
    return (await this.q.selectFrom('operators').select(operatorCols).orderBy('id').execute()).map(toOperator);
  }

  async insertSession(s: SessionRow) {
    await this.q
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, operator_id: s.operatorId, csrf_token: s.csrfToken, created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt })
      .execute();
  }
  async getSession(tokenHash: string) {
    return this.q.selectFrom('sessions').select(sessionCols).where('token_hash', '=', tokenHash).executeTakeFirst();
  }
  async touchSession(tokenHash: string, lastSeenAt: string, expiresAt: string) {
    await this.q.updateTable('sessions').set({ last_seen_at: lastSeenAt, expires_at: expiresAt }).where('token_hash', '=', tokenHash).execute();
  }
  async deleteSession(tokenHash: string) {
    await this.q.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async getAppliedMessage(vehicleId: string, key: string) {
    // A delivery looks its key up before applying it: holding the vehicle's delivery lock from here
    // to commit makes a second process with the same batch wait, then find the key applied.
    await this.advisoryLock(LOCK_VEHICLE_DELIVERY, vehicleId);
    return this.q.selectFrom('applied_messages').select(appliedCols).where('vehicle_id', '=', vehicleId).where('idempotency_key', '=', key).executeTakeFirst();
  }
  async insertAppliedMessage(m: AppliedMessageRow) {
    await this.q
      .insertInto('applied_messages')
      .values({ vehicle_id: m.vehicleId, idempotency_key: m.idempotencyKey, message_type: m.messageType, result: m.result, applied_at: m.appliedAt })
      .execute();
  }

  async insertRequest(r: RequestRow) {
    await this.q
      .insertInto('requests')
      .values({
        id: r.id, vehicle_id: r.vehicleId, number: r.number, day: r.day, kind: r.kind, copies: r.copies, fee_yen: r.feeYen, step: r.step, input: r.input,
        identity: r.identity, staff_id: r.staffId, sent_at: r.sentAt, received_at: r.receivedAt, updated_at: r.updatedAt,
      })
      .execute();
  }
  async getRequest(id: string) {
    return this.q.selectFrom('requests').select(requestCols).where('id', '=', id).executeTakeFirst();
  }
  async setRequestStep(id: string, step: RequestStep, at: string) {
    await this.q.updateTable('requests').set({ step, updated_at: at }).where('id', '=', id).execute();
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
  async insertRequestEvent(e: RequestEventRow) {
    await this.q.insertInto('request_events').values({ request_id: e.requestId, event: e.event, step: e.step, actor: e.actor, at: e.at, reason: e.reason }).execute();
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
      await this.q.selectFrom('vehicles').select('id').where('id', '=', vehicleId).forUpdate().execute();
      this.locks.add(`inbox:${vehicleId}`, this.depth);
    }
    const seq = (await this.latestInboxSeq(vehicleId)) + 1;
    await this.q.insertInto('inbox').values({ vehicle_id: vehicleId, seq, type, body, created_at: at }).execute();
    return seq;
  }
  async listInbox(vehicleId: string, afterSeq: number, limit: number) {
    return this.q.selectFrom('inbox').select(inboxCols).where('vehicle_id', '=', vehicleId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  }
  async latestInboxSeq(vehicleId: string) {
    const row = await this.q.selectFrom('inbox').select((eb) => eb.fn.max('seq').as('seq')).where('vehicle_id', '=', vehicleId).executeTakeFirst();
    return count(row?.seq ?? 0);
  }

  async insertDecision(d: DecisionRow) {
    await this.q.insertInto('decisions').values({ request_id: d.requestId, decision: d.decision, reason: d.reason, operator_id: d.operatorId, decided_at: d.decidedAt }).execute();
  }
  async getDecision(requestId: string) {
    return this.q.selectFrom('decisions').select(decisionCols).where('request_id', '=', requestId).executeTakeFirst();
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
    return this.q.selectFrom('print_jobs').select(printJobCols).where('id', '=', id).executeTakeFirst();
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
    return this.q.selectFrom('reprint_requests').select(reprintCols).where('job_id', '=', jobId).executeTakeFirst();
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
    const row = await this.q
      .insertInto('dead_letters')
      .values({ vehicle_id: d.vehicleId, idempotency_key: d.idempotencyKey, code: d.code, problem: d.problem, payload: d.payload, received_at: d.receivedAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return count(row.id);
  }
  async listDeadLetters(limit: number) {
    return this.q.selectFrom('dead_letters').select(deadLetterCols).orderBy('id', 'desc').limit(limit).execute();
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

  async appendAudit(entry: AuditEntry, at: string) {
    // The chain has one head: appends from every process line up behind this lock until commit, so
    // each reads the head the previous one committed.
    await this.advisoryLock(LOCK_AUDIT_CHAIN, 'audit_log');
    const prev = await this.q.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
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
    await this.q
      .insertInto('audit_log')
      .values({
        seq: row.seq, at: row.at, actor: row.actor, action: row.action, request_id: row.requestId, place: row.place, detail: row.detail,
        prev_hash: prevHash, hash: auditRowHash(prevHash, row),
      })
      .execute();
  }
  async listAudit(filter: { requestId?: string; action?: string; limit?: number }) {
    let query = this.q.selectFrom('audit_log').select(auditCols);
    if (filter.requestId) query = query.where('request_id', '=', filter.requestId);
    if (filter.action) query = query.where('action', '=', filter.action);
    return query.orderBy('seq').limit(filter.limit ?? 10_000).execute();
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

export interface KyselyHubStoreOptions {
  db: Kysely<HubDatabase>;
  dialect: Dialect;
  /** SQLite only: whether the connection is inside a transaction (a disk error can end it early). */
  sqliteInTransaction?: () => boolean;
}

export class KyselyHubStore implements HubStore {
  readonly db: Kysely<HubDatabase>;
  readonly dialect: Dialect;
  private readonly sqliteInTransaction: () => boolean;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: KyselyHubStoreOptions) {
    this.db = options.db;
    this.dialect = options.dialect;
    this.sqliteInTransaction = options.sqliteInTransaction ?? (() => true);
  }

  transaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    return this.dialect === 'sqlite' ? this.sqliteTransaction(fn) : this.postgresTransaction(fn);
  }

  private sqliteTransaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('hub store is closed');
      return this.db.connection().execute(async (conn) => {
        await sql.raw('BEGIN IMMEDIATE').execute(conn);
        try {
          const result = await fn(new KyselyHubTx(conn, 'sqlite', this.sqliteInTransaction));
          await sql.raw('COMMIT').execute(conn);
          return result;
        } catch (e) {
          if (this.sqliteInTransaction()) await sql.raw('ROLLBACK').execute(conn);
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
          return await this.db.transaction().execute((trx) => fn(new KyselyHubTx(trx, 'postgres')));
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
