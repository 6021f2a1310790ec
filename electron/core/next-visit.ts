// 次回訪問時の作業: what a resident asked for that this vehicle does on its next visit (e.g. linking
// the health insurance card when city hall was unreachable). Names and phones are sealed at rest like
// every personal field.
import { z } from 'zod';
import type { NextVisitTask } from '../../protocol/ipc';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { FieldCipher } from './crypto';
import type { Db } from './db';
import type { IdGenerator } from '../../common/ids';
import type { Outbox } from './outbox';

/** What the outbox keeps for a follow-up until city hall has it (sealed, like every outbox payload). */
export const FollowUpPayload = z.object({
  taskId: z.string(),
  kind: z.literal('insurance_link'),
  name: z.string(),
  phone: z.string(),
  staffId: z.string(),
  createdAt: z.string(),
});

export interface NextVisitTasksOptions {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
  /** Each task also goes to city hall, for the dispatcher's call-back list. */
  outbox: Outbox;
}

const sealContext = (id: string) => `next_visit:${id}`;

export class NextVisitTasks {
  private readonly db: Db;
  private readonly cipher: FieldCipher;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly newId: IdGenerator;
  private readonly outbox: Outbox;

  constructor(options: NextVisitTasksOptions) {
    this.db = options.db;
    this.cipher = options.cipher;
    this.audit = options.audit;
    this.clock = options.clock;
    this.newId = options.newId;
    this.outbox = options.outbox;
  }

  /** Oldest first. */
  list(): NextVisitTask[] {
    return this.db
      .prepare<[], { id: string; kind: 'insurance_link'; person_sealed: Buffer; created_at: string }>('SELECT id, kind, person_sealed, created_at FROM next_visit_tasks ORDER BY created_at, id')
      .all()
      .map((t) => ({ id: t.id, kind: t.kind, createdAt: t.created_at, ...(JSON.parse(this.cipher.open(t.person_sealed, sealContext(t.id))) as { name: string; phone: string }) }));
  }

  add(input: { kind: NextVisitTask['kind']; name: string; phone: string }, staffId: string): NextVisitTask[] {
    const id = this.newId();
    const at = this.clock.now().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO next_visit_tasks (id, kind, person_sealed, staff_id, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, input.kind, this.cipher.seal(JSON.stringify({ name: input.name, phone: input.phone }), sealContext(id)), staffId, at);
      this.outbox.enqueue(id, 'visit.follow_up', { taskId: id, kind: input.kind, name: input.name, phone: input.phone, staffId, createdAt: at });
      this.audit.append({ actor: staffId, action: 'next_visit.added', detail: { id, kind: input.kind } });
    })();
    return this.list();
  }

  /** Done (or no longer wanted): the task and its personal data go; finishing it twice does nothing. */
  finish(id: string, staffId: string): NextVisitTask[] {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM next_visit_tasks WHERE id = ?').run(id).changes === 1) {
        this.audit.append({ actor: staffId, action: 'next_visit.finished', detail: { id } });
      }
    })();
    return this.list();
  }
}
