// Questions from city-hall operators about a request: stored as the sync receives them, read and
// marked seen by staff, dropped with the request's personal data. The text is sealed at rest: it may
// name the resident.
import type { HubQuestion } from '../../protocol/ipc';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { FieldCipher } from './crypto';
import type { Db } from './db';

export interface HubQuestionsOptions {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
}

const sealContext = (seq: number) => `question:${seq}`;

export class HubQuestions {
  private readonly db: Db;
  private readonly cipher: FieldCipher;
  private readonly audit: AuditLog;
  private readonly clock: Clock;

  constructor(options: HubQuestionsOptions) {
    this.db = options.db;
    this.cipher = options.cipher;
    this.audit = options.audit;
    this.clock = options.clock;
  }

  /** A question from the hub's inbox; call inside the transaction that applies the inbox message. */
  record(q: { seq: number; requestId: string; text: string; operatorId: string; askedAt: string }): void {
    this.db
      .prepare('INSERT INTO hub_questions (seq, request_id, text_sealed, operator_id, asked_at) VALUES (?, ?, ?, ?, ?)')
      .run(q.seq, q.requestId, this.cipher.seal(q.text, sealContext(q.seq)), q.operatorId, q.askedAt);
    this.audit.append({ actor: q.operatorId, action: 'hub.question', requestId: q.requestId });
  }

  /** City hall holds the handed-over request: its questions go with the rest of its personal data. */
  forgetRequest(requestId: string): void {
    this.db.prepare('DELETE FROM hub_questions WHERE request_id = ?').run(requestId);
  }

  /** Not yet marked seen, newest first. */
  unseen(): HubQuestion[] {
    return this.db
      .prepare<[], { seq: number; request_id: string; number: string; text_sealed: Buffer; asked_at: string }>(
        `SELECT q.seq, q.request_id, r.number, q.text_sealed, q.asked_at FROM hub_questions q JOIN requests r ON r.id = q.request_id
         WHERE q.seen_at IS NULL ORDER BY q.seq DESC`,
      )
      .all()
      .map((q) => ({ seq: q.seq, requestId: q.request_id, number: q.number, text: this.cipher.open(q.text_sealed, sealContext(q.seq)), askedAt: q.asked_at }));
  }

  markSeen(seq: number, staffId: string): HubQuestion[] {
    this.db.transaction(() => {
      this.db.prepare('UPDATE hub_questions SET seen_at = ? WHERE seq = ? AND seen_at IS NULL').run(this.clock.now().toISOString(), seq);
      this.audit.append({ actor: staffId, action: 'hub.question_seen', detail: { seq } });
    })();
    return this.unseen();
  }
}
