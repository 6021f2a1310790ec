// How long the vehicle keeps what it no longer needs. A handed-over request loses its personal data as
// soon as city hall has the handover (sync.ts). Here, the rest: a request cancelled or rejected on an
// earlier day, with nothing of it still waiting for city hall, loses its personal data and its
// questions; a certificate job that failed on an earlier day loses its document (a reprint comes from
// city hall as a new job). After every sweep the WAL is checkpointed and truncated,
// and with secure_delete on (common/sqlite.ts) the freed pages hold zeros, so copies of the files made
// afterwards hold no trace of what went.
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { Db } from './db';
import type { HubQuestions } from './hub-questions';
import type { RequestService } from './requests';
import { tokyoDate } from '../../protocol/visit-calendar';

export interface RetentionOptions {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  requests: RequestService;
  questions: HubQuestions;
}

export class Retention {
  constructor(private readonly o: RetentionOptions) {}

  sweep(): { requests: number; printPayloads: number } {
    const { db, clock } = this.o;
    const today = tokyoDate(clock.now());
    const ended = db
      .prepare<[string], { id: string }>(
        `SELECT r.id FROM requests r
          WHERE r.step IN ('cancelled', 'rejected') AND r.day < ? AND (r.personal_sealed IS NOT NULL OR r.identity_sealed IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id)`,
      )
      .all(today);
    for (const { id } of ended) {
      this.o.requests.purgePersonal(id, 'system');
      this.o.questions.forgetRequest(id);
    }
    const failed = db.transaction(() => {
      const jobs = db
        .prepare<[string], { id: string; request_id: string | null }>(`SELECT id, request_id FROM print_jobs WHERE kind = 'certificate' AND state = 'failed' AND day < ? AND length(payload_sealed) > 0`)
        .all(today);
      for (const j of jobs) {
        db.prepare(`UPDATE print_jobs SET payload_sealed = x'', updated_at = ? WHERE id = ?`).run(clock.now().toISOString(), j.id);
        this.o.audit.append({ actor: 'system', action: 'print.payload_purged', ...(j.request_id ? { requestId: j.request_id } : {}), detail: { jobId: j.id } });
      }
      return jobs.length;
    })();
    // Also what a handover's purge (sync.ts) left in the WAL goes now.
    checkpoint(db);
    return { requests: ended.length, printPayloads: failed };
  }
}

/** Moves the WAL's pages into the database and empties it, so removed data leaves the WAL file too. */
export function checkpoint(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
