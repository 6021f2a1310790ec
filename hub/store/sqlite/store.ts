// The hub store on better-sqlite3. better-sqlite3 is synchronous and has one connection, so
// transactions are serialized through a promise chain: no other transaction's statements can land
// between this one's BEGIN and COMMIT, even when the caller awaits inside it.
import type { RequestStep } from '../../../protocol/domain';
import { auditRowHash, GENESIS_HASH, verifyChain } from '../../../common/audit-chain';
import type {
  AppliedMessageRow, AuditEntry, AuditRow, DeadLetterRow, DecisionRow, DocumentRow, HubStore, HubTx, InboxRow, OperatorRow,
  PrintJobRow, QuestionRow, ReprintRequestRow, ReprintStatus, RequestEventRow, RequestFilter, RequestRow, SessionRow,
  VehicleCertificateRow, VehicleRow,
} from '../types';
import type { ConsultationRow, InsuranceLinkRow, LinkChallengeRow } from '../types';
import { openHubDatabase, type Db } from './db';

const vehicleCols = 'id, enrolled_at AS enrolledAt, enrolled_by AS enrolledBy, revoked_at AS revokedAt, revoked_by AS revokedBy, inbox_acked_seq AS inboxAckedSeq';
const certCols = 'fingerprint, vehicle_id AS vehicleId, serial, not_after AS notAfter, issued_at AS issuedAt, revoked_at AS revokedAt';
const operatorCols = 'id, display_name AS displayName, role, password_hash AS passwordHash, active, created_at AS createdAt';
const sessionCols = 'token_hash AS tokenHash, operator_id AS operatorId, csrf_token AS csrfToken, created_at AS createdAt, last_seen_at AS lastSeenAt, expires_at AS expiresAt';
const requestCols =
  'id, vehicle_id AS vehicleId, number, day, kind, copies, fee_yen AS feeYen, step, input, identity, staff_id AS staffId, sent_at AS sentAt, received_at AS receivedAt, updated_at AS updatedAt';
const printJobCols =
  'id, request_id AS requestId, vehicle_id AS vehicleId, document_id AS documentId, copies, sha256, signature, reprint_of AS reprintOf, inbox_seq AS inboxSeq, issued_at AS issuedAt, issued_by AS issuedBy';
const reprintCols =
  'id, vehicle_id AS vehicleId, job_id AS jobId, request_id AS requestId, reason, staff_id AS staffId, requested_at AS requestedAt, received_at AS receivedAt, status, decided_by AS decidedBy, decided_at AS decidedAt, new_job_id AS newJobId';
const linkChallengeCols = 'id, vehicle_id AS vehicleId, challenge, created_at AS createdAt, expires_at AS expiresAt, used_at AS usedAt, outcome';
const insuranceLinkCols =
  'id, vehicle_id AS vehicleId, staff_id AS staffId, certificate_serial AS certificateSerial, certificate_subject AS certificateSubject, insurer_number AS insurerNumber, symbol, number, branch, linked_at AS linkedAt';
const consultationCols =
  'id, vehicle_id AS vehicleId, staff_id AS staffId, department, consultant_id AS consultantId, called_at AS calledAt, connected_at AS connectedAt, ended_at AS endedAt, outcome, notes, notes_updated_at AS notesUpdatedAt';
const auditCols = 'seq, at, actor, action, request_id AS requestId, place, detail, prev_hash AS prevHash, hash';

class SqliteTx implements HubTx {
  /** Prepared once per SQL text: preparing costs more than running these small statements. */
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();
  private savepoints = 0;

  constructor(private readonly db: Db) {}

  private stmt(sql: string) {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const s = this.db.prepare(sql);
    // Bounded: the IN (?, …) lists come in many lengths, and those are rare calls.
    if (this.statements.size < 256) this.statements.set(sql, s);
    return s;
  }
  private get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }
  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }
  private run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp${++this.savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      if (this.db.inTransaction) {
        this.db.exec(`ROLLBACK TO ${name}`);
        this.db.exec(`RELEASE ${name}`);
      }
      throw e;
    } finally {
      this.savepoints--;
    }
  }

  async insertVehicle(v: Pick<VehicleRow, 'id' | 'enrolledAt' | 'enrolledBy'>) {
    this.run('INSERT INTO vehicles (id, enrolled_at, enrolled_by) VALUES (?, ?, ?)', v.id, v.enrolledAt, v.enrolledBy);
  }
  async getVehicle(id: string) {
    return this.get<VehicleRow>(`SELECT ${vehicleCols} FROM vehicles WHERE id = ?`, id);
  }
  async listVehicles() {
    return this.all<VehicleRow>(`SELECT ${vehicleCols} FROM vehicles ORDER BY id`);
  }
  async revokeVehicle(id: string, at: string, by: string) {
    this.run('UPDATE vehicles SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL', at, by, id);
    this.run('UPDATE vehicle_certificates SET revoked_at = ? WHERE vehicle_id = ? AND revoked_at IS NULL', at, id);
  }
  async insertVehicleCertificate(c: Omit<VehicleCertificateRow, 'revokedAt'>) {
    this.run(
      'INSERT INTO vehicle_certificates (fingerprint, vehicle_id, serial, not_after, issued_at) VALUES (?, ?, ?, ?, ?)',
      c.fingerprint, c.vehicleId, c.serial, c.notAfter, c.issuedAt,
    );
  }
  async getVehicleCertificate(fingerprint: string) {
    return this.get<VehicleCertificateRow>(`SELECT ${certCols} FROM vehicle_certificates WHERE fingerprint = ?`, fingerprint);
  }
  async setInboxAcked(vehicleId: string, seq: number) {
    this.run('UPDATE vehicles SET inbox_acked_seq = MAX(inbox_acked_seq, ?) WHERE id = ?', seq, vehicleId);
  }

  async insertOperator(o: OperatorRow) {
    this.run(
      'INSERT INTO operators (id, display_name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      o.id, o.displayName, o.role, o.passwordHash, o.active ? 1 : 0, o.createdAt,
    );
  }
  async getOperator(id: string) {
    const row = this.get<Omit<OperatorRow, 'active'> & { active: number }>(`SELECT ${operatorCols} FROM operators WHERE id = ?`, id);
    return row ? { ...row, active: row.active === 1 } : undefined;
  }
  async listOperators() {
    return this.all<Omit<OperatorRow, 'active'> & { active: number }>(`SELECT ${operatorCols} FROM operators ORDER BY id`).map((r) => ({ ...r, active: r.active === 1 }));
  }

  async insertSession(s: SessionRow) {
    this.run(
      'INSERT INTO sessions (token_hash, operator_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      s.tokenHash, s.operatorId, s.csrfToken, s.createdAt, s.lastSeenAt, s.expiresAt,
    );
  }
  async getSession(tokenHash: string) {
    return this.get<SessionRow>(`SELECT ${sessionCols} FROM sessions WHERE token_hash = ?`, tokenHash);
  }
  async touchSession(tokenHash: string, lastSeenAt: string, expiresAt: string) {
    this.run('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?', lastSeenAt, expiresAt, tokenHash);
  }
  async deleteSession(tokenHash: string) {
    this.run('DELETE FROM sessions WHERE token_hash = ?', tokenHash);
  }

  async getAppliedMessage(vehicleId: string, key: string) {
    return this.get<AppliedMessageRow>(
      'SELECT vehicle_id AS vehicleId, idempotency_key AS idempotencyKey, message_type AS messageType, result, applied_at AS appliedAt FROM applied_messages WHERE vehicle_id = ? AND idempotency_key = ?',
      vehicleId, key,
    );
  }
  async insertAppliedMessage(m: AppliedMessageRow) {
    this.run(
      'INSERT INTO applied_messages (vehicle_id, idempotency_key, message_type, result, applied_at) VALUES (?, ?, ?, ?, ?)',
      m.vehicleId, m.idempotencyKey, m.messageType, m.result, m.appliedAt,
    );
  }

  async insertRequest(r: RequestRow) {
    this.run(
      `INSERT INTO requests (id, vehicle_id, number, day, kind, copies, fee_yen, step, input, identity, staff_id, sent_at, received_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.id, r.vehicleId, r.number, r.day, r.kind, r.copies, r.feeYen, r.step, r.input, r.identity, r.staffId, r.sentAt, r.receivedAt, r.updatedAt,
    );
  }
  async getRequest(id: string) {
    return this.get<RequestRow>(`SELECT ${requestCols} FROM requests WHERE id = ?`, id);
  }
  async setRequestStep(id: string, step: RequestStep, at: string) {
    this.run('UPDATE requests SET step = ?, updated_at = ? WHERE id = ?', step, at, id);
  }
  async listRequests(filter: RequestFilter) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.steps) {
      where.push(`step IN (${filter.steps.map(() => '?').join(', ') || "''"})`);
      params.push(...filter.steps);
    }
    if (filter.day) {
      where.push('day = ?');
      params.push(filter.day);
    }
    const sql = `SELECT ${requestCols} FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at, id LIMIT ?`;
    return this.all<RequestRow>(sql, ...params, filter.limit ?? 1000);
  }
  async insertRequestEvent(e: RequestEventRow) {
    this.run('INSERT INTO request_events (request_id, event, step, actor, at, reason) VALUES (?, ?, ?, ?, ?, ?)', e.requestId, e.event, e.step, e.actor, e.at, e.reason);
  }
  async listRequestEvents(requestIds: readonly string[]) {
    if (requestIds.length === 0) return [];
    const out: RequestEventRow[] = [];
    // SQLite caps bound parameters; 500 at a time stays well below it.
    for (let i = 0; i < requestIds.length; i += 500) {
      const chunk = requestIds.slice(i, i + 500);
      out.push(
        ...this.all<RequestEventRow>(
          `SELECT request_id AS requestId, event, step, actor, at, reason FROM request_events WHERE request_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY id`,
          ...chunk,
        ),
      );
    }
    return out;
  }

  async appendInbox(vehicleId: string, type: string, body: string, at: string) {
    const seq = (await this.latestInboxSeq(vehicleId)) + 1;
    this.run('INSERT INTO inbox (vehicle_id, seq, type, body, created_at) VALUES (?, ?, ?, ?, ?)', vehicleId, seq, type, body, at);
    return seq;
  }
  async listInbox(vehicleId: string, afterSeq: number, limit: number) {
    return this.all<InboxRow>(
      'SELECT vehicle_id AS vehicleId, seq, type, body, created_at AS createdAt FROM inbox WHERE vehicle_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      vehicleId, afterSeq, limit,
    );
  }
  async latestInboxSeq(vehicleId: string) {
    return this.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM inbox WHERE vehicle_id = ?', vehicleId)?.seq ?? 0;
  }

  async insertDecision(d: DecisionRow) {
    this.run('INSERT INTO decisions (request_id, decision, reason, operator_id, decided_at) VALUES (?, ?, ?, ?, ?)', d.requestId, d.decision, d.reason, d.operatorId, d.decidedAt);
  }
  async getDecision(requestId: string) {
    return this.get<DecisionRow>(
      'SELECT request_id AS requestId, decision, reason, operator_id AS operatorId, decided_at AS decidedAt FROM decisions WHERE request_id = ?',
      requestId,
    );
  }
  async insertQuestion(q: QuestionRow) {
    this.run('INSERT INTO questions (id, request_id, text, operator_id, asked_at) VALUES (?, ?, ?, ?, ?)', q.id, q.requestId, q.text, q.operatorId, q.askedAt);
  }
  async listQuestions(requestId: string) {
    return this.all<QuestionRow>(
      'SELECT id, request_id AS requestId, text, operator_id AS operatorId, asked_at AS askedAt FROM questions WHERE request_id = ? ORDER BY asked_at, id',
      requestId,
    );
  }

  async insertDocument(d: DocumentRow) {
    this.run(
      'INSERT INTO documents (id, request_id, kind, serial, verification_code, pdf, sha256, issued_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      d.id, d.requestId, d.kind, d.serial, d.verificationCode, Buffer.from(d.pdf), d.sha256, d.issuedAt, d.issuedBy,
    );
  }
  async getDocumentForRequest(requestId: string) {
    return this.get<DocumentRow>(
      'SELECT id, request_id AS requestId, kind, serial, verification_code AS verificationCode, pdf, sha256, issued_at AS issuedAt, issued_by AS issuedBy FROM documents WHERE request_id = ?',
      requestId,
    );
  }
  async insertPrintJob(j: PrintJobRow) {
    this.run(
      `INSERT INTO print_jobs (id, request_id, vehicle_id, document_id, copies, sha256, signature, reprint_of, inbox_seq, issued_at, issued_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      j.id, j.requestId, j.vehicleId, j.documentId, j.copies, j.sha256, j.signature, j.reprintOf, j.inboxSeq, j.issuedAt, j.issuedBy,
    );
  }
  async getPrintJob(id: string) {
    return this.get<PrintJobRow>(`SELECT ${printJobCols} FROM print_jobs WHERE id = ?`, id);
  }
  async listPrintJobs(requestId: string) {
    return this.all<PrintJobRow>(`SELECT ${printJobCols} FROM print_jobs WHERE request_id = ? ORDER BY issued_at, id`, requestId);
  }

  async insertReprintRequest(r: ReprintRequestRow) {
    this.run(
      `INSERT INTO reprint_requests (id, vehicle_id, job_id, request_id, reason, staff_id, requested_at, received_at, status, decided_by, decided_at, new_job_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.id, r.vehicleId, r.jobId, r.requestId, r.reason, r.staffId, r.requestedAt, r.receivedAt, r.status, r.decidedBy, r.decidedAt, r.newJobId,
    );
  }
  async getReprintRequest(vehicleId: string, id: string) {
    return this.get<ReprintRequestRow>(`SELECT ${reprintCols} FROM reprint_requests WHERE vehicle_id = ? AND id = ?`, vehicleId, id);
  }
  async getReprintRequestForJob(jobId: string) {
    return this.get<ReprintRequestRow>(`SELECT ${reprintCols} FROM reprint_requests WHERE job_id = ?`, jobId);
  }
  async decideReprintRequest(vehicleId: string, id: string, status: 'approved' | 'rejected', by: string, at: string, newJobId: string | null) {
    this.run(
      "UPDATE reprint_requests SET status = ?, decided_by = ?, decided_at = ?, new_job_id = ? WHERE vehicle_id = ? AND id = ? AND status = 'pending'",
      status, by, at, newJobId, vehicleId, id,
    );
  }
  async listReprintRequests(status: ReprintStatus | null) {
    return status
      ? this.all<ReprintRequestRow>(`SELECT ${reprintCols} FROM reprint_requests WHERE status = ? ORDER BY received_at`, status)
      : this.all<ReprintRequestRow>(`SELECT ${reprintCols} FROM reprint_requests ORDER BY received_at`);
  }

  async insertDeadLetter(d: Omit<DeadLetterRow, 'id'>) {
    const info = this.db
      .prepare('INSERT INTO dead_letters (vehicle_id, idempotency_key, code, problem, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.vehicleId, d.idempotencyKey, d.code, d.problem, d.payload, d.receivedAt);
    return Number(info.lastInsertRowid);
  }
  async listDeadLetters(limit: number) {
    return this.all<DeadLetterRow>(
      'SELECT id, vehicle_id AS vehicleId, idempotency_key AS idempotencyKey, code, problem, payload, received_at AS receivedAt FROM dead_letters ORDER BY id DESC LIMIT ?',
      limit,
    );
  }

  async insertLinkChallenge(c: Omit<LinkChallengeRow, 'usedAt' | 'outcome'>) {
    this.run(
      'INSERT INTO insurance_link_challenges (id, vehicle_id, challenge, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      c.id, c.vehicleId, Buffer.from(c.challenge), c.createdAt, c.expiresAt,
    );
  }
  async getLinkChallenge(id: string) {
    return this.get<LinkChallengeRow>(`SELECT ${linkChallengeCols} FROM insurance_link_challenges WHERE id = ?`, id);
  }
  async useLinkChallenge(id: string, at: string, outcome: string) {
    return this.run('UPDATE insurance_link_challenges SET used_at = ?, outcome = ? WHERE id = ? AND used_at IS NULL', at, outcome, id) === 1;
  }
  async setLinkChallengeOutcome(id: string, outcome: string) {
    this.run('UPDATE insurance_link_challenges SET outcome = ? WHERE id = ? AND used_at IS NOT NULL', outcome, id);
  }
  async insertInsuranceLink(l: InsuranceLinkRow) {
    this.run(
      `INSERT INTO insurance_links (id, vehicle_id, staff_id, certificate_serial, certificate_subject, insurer_number, symbol, number, branch, linked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      l.id, l.vehicleId, l.staffId, l.certificateSerial, l.certificateSubject, l.insurerNumber, l.symbol, l.number, l.branch, l.linkedAt,
    );
  }
  async getInsuranceLink(id: string) {
    return this.get<InsuranceLinkRow>(`SELECT ${insuranceLinkCols} FROM insurance_links WHERE id = ?`, id);
  }

  async insertConsultation(c: Pick<ConsultationRow, 'id' | 'vehicleId' | 'staffId' | 'department' | 'calledAt'>) {
    this.run('INSERT INTO consultations (id, vehicle_id, staff_id, department, called_at) VALUES (?, ?, ?, ?, ?)', c.id, c.vehicleId, c.staffId, c.department, c.calledAt);
  }
  async setConsultationConnected(id: string, consultantId: string, at: string) {
    this.run('UPDATE consultations SET consultant_id = ?, connected_at = ? WHERE id = ? AND ended_at IS NULL', consultantId, at, id);
  }
  async endConsultation(id: string, outcome: string, at: string) {
    return this.run('UPDATE consultations SET outcome = ?, ended_at = ? WHERE id = ? AND ended_at IS NULL', outcome, at, id) === 1;
  }
  async interruptOpenConsultations(at: string) {
    return this.run("UPDATE consultations SET outcome = 'interrupted', ended_at = ? WHERE ended_at IS NULL", at);
  }
  async setConsultationNotes(id: string, notes: string, at: string) {
    this.run('UPDATE consultations SET notes = ?, notes_updated_at = ? WHERE id = ?', notes, at, id);
  }
  async getConsultation(id: string) {
    return this.get<ConsultationRow>(`SELECT ${consultationCols} FROM consultations WHERE id = ?`, id);
  }
  async listConsultations(filter: { consultantId?: string; since?: string; limit: number }) {
    return this.all<ConsultationRow>(
      `SELECT ${consultationCols} FROM consultations
       WHERE (? IS NULL OR consultant_id = ?) AND (? IS NULL OR called_at >= ?)
       ORDER BY called_at DESC LIMIT ?`,
      filter.consultantId ?? null, filter.consultantId ?? null, filter.since ?? null, filter.since ?? null, filter.limit,
    );
  }

  async appendAudit(entry: AuditEntry, at: string) {
    const prev = this.get<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
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
    this.run(
      'INSERT INTO audit_log (seq, at, actor, action, request_id, place, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      row.seq, row.at, row.actor, row.action, row.requestId, row.place, row.detail, prevHash, auditRowHash(prevHash, row),
    );
  }
  async listAudit(filter: { requestId?: string; action?: string; limit?: number }) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.requestId) {
      where.push('request_id = ?');
      params.push(filter.requestId);
    }
    if (filter.action) {
      where.push('action = ?');
      params.push(filter.action);
    }
    return this.all<AuditRow>(`SELECT ${auditCols} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`, ...params, filter.limit ?? 10_000);
  }
  async verifyAudit() {
    return verifyChain(this.db.prepare(`SELECT ${auditCols} FROM audit_log ORDER BY seq`).iterate() as Iterable<AuditRow>);
  }
}

export class SqliteHubStore implements HubStore {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly tx: SqliteTx;
  private closed = false;

  constructor(readonly db: Db) {
    this.tx = new SqliteTx(db);
  }

  static open(file: string): SqliteHubStore {
    return new SqliteHubStore(openHubDatabase(file));
  }

  transaction<T>(fn: (tx: HubTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('hub store is closed');
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.tx);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.tail;
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
