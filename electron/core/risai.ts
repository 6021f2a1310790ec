// り災証明書 applications taken in the vehicle, with no network if need be. The disasters come from a
// cache of the hub's list; an application is kept with its personal fields sealed, its photos' bytes
// sealed, and goes to city hall in two parts: the application itself through the outbox (exactly
// once by its idempotency key, like requests), then each photo in chunks with their sha256, resumed
// from what the hub says it holds after every cut. Once the hub has verified a whole photo its bytes
// leave the vehicle; once it holds every photo, the application's personal fields go too.
import { createHash } from 'node:crypto';
import {
  applicationProblems, chunkCount, DEFAULT_PHOTO_LIMITS, Disaster, jpegSize, PHOTO_CHUNK_BYTES, PhotoLimits, photoProblem,
  RisaiApplicationInput, type CertificateDelivery, type RisaiVehicleView, type SurveyWish, type PhotoMeta, type PhotoProgress, type RisaiApplicationMessage, type VehicleDisasters,
} from '../../protocol/disaster';
import { tokyoDate } from '../../protocol/visit-calendar';
import type { IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { AuditLog } from './audit';
import type { Clock } from './clock';
import type { FieldCipher } from './crypto';
import type { Db } from './db';
import { AppError, ValidationError } from './errors';
import type { Outbox } from './outbox';
import { checkpoint } from './retention';

/** The hub's side of photo delivery, on the vehicle's mutual-TLS link. */
export interface RisaiTransport {
  risaiDisasters(): Promise<VehicleDisasters>;
  risaiPhoto(photoId: string): Promise<PhotoProgress>;
  risaiChunk(photoId: string, index: number, chunk: { sha256: string; data: Buffer }): Promise<PhotoProgress>;
}

export interface RisaiDeskOptions {
  db: Db;
  cipher: FieldCipher;
  audit: AuditLog;
  clock: Clock;
  newId: IdGenerator;
  outbox: Outbox;
  logger: Logger;
  /** The city's photo limits until the hub has given its own. */
  limits?: PhotoLimits;
  /** The 受付票 on the receipt printer: queued in the submit's transaction, printed after it. */
  receipts?: {
    queue(slip: { number: string; disasterName: string; photos: number; survey: SurveyWish; delivery: CertificateDelivery }, staffId: string): string | null;
    run(jobId: string): Promise<unknown>;
  };
  /** Chunks in flight at once: the link stays busy while one chunk's answer is on its way. */
  window?: number;
  /** How long the disasters list is fresh before the sync loop asks the hub again. */
  disastersMaxAgeMs?: number;
  /** An application submitted, in the submit's transaction: the open outing counts its applicant. */
  onSubmitted?: (applicationId: string, applicant: { name: string; birthDate: string }) => void;
  /** A certificate city hall sent printed (the staff screen's list changes). */
  onCertificate?: () => void;
}

const personalContext = (id: string) => `risai:${id}`;
const photoContext = (id: string) => `risai-photo:${id}`;
const LIMITS_KEY = 'risai_limits';
const PULLED_KEY = 'risai_disasters_pulled_at';

interface PhotoRow {
  id: string;
  application_id: string;
  position: number;
  taken_at: string;
  bytes: number;
  sha256: string;
  width: number;
  height: number;
  chunks: number;
  chunks_at_hub: number;
  data_sealed: Buffer | null;
  verified_at: string | null;
}

interface ApplicationRow {
  id: string;
  number: string;
  day: string;
  disaster_id: string;
  survey: string;
  state: 'draft' | 'queued' | 'delivered' | 'complete';
  personal_sealed: Buffer | null;
  staff_id: string;
  created_at: string;
  certificate_job_id: string | null;
  certificate_printed_at: string | null;
  certificate_handed_over_at: string | null;
}

export class RisaiDesk {
  private readonly o: RisaiDeskOptions;

  constructor(options: RisaiDeskOptions) {
    this.o = options;
  }

  /** The city's photo limits: the hub's when it has given them, else this vehicle's setting. */
  limits(): PhotoLimits {
    const row = this.o.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(LIMITS_KEY);
    const parsed = row ? PhotoLimits.safeParse(JSON.parse(row.value)) : null;
    return parsed?.success ? parsed.data : (this.o.limits ?? DEFAULT_PHOTO_LIMITS);
  }

  /** The disasters staff can choose, newest first (from the cache: works offline). */
  disasters(): Disaster[] {
    return this.o.db
      .prepare<[], { id: string; name: string; kind: string; date: string; area: string; self_assessment: number; created_at: string }>(
        'SELECT id, name, kind, date, area, self_assessment, created_at FROM risai_disasters ORDER BY date DESC, name',
      )
      .all()
      .map((r) => Disaster.parse({ id: r.id, name: r.name, kind: r.kind, date: r.date, area: r.area, selfAssessment: r.self_assessment === 1, createdAt: r.created_at }));
  }

  /** Replaces the cache with the hub's list and limits, in one transaction. */
  async pullDisasters(transport: RisaiTransport): Promise<Disaster[]> {
    const answer = await transport.risaiDisasters();
    const at = this.o.clock.now().toISOString();
    const { db } = this.o;
    db.transaction(() => {
      db.prepare('DELETE FROM risai_disasters').run();
      const insert = db.prepare('INSERT INTO risai_disasters (id, name, kind, date, area, self_assessment, created_at, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      for (const d of answer.disasters) insert.run(d.id, d.name, d.kind, d.date, d.area, d.selfAssessment ? 1 : 0, d.createdAt, at);
      const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
      meta.run(LIMITS_KEY, JSON.stringify(answer.limits));
      meta.run(PULLED_KEY, at);
    })();
    return this.disasters();
  }

  private disaster(id: string): Disaster | undefined {
    return this.disasters().find((d) => d.id === id);
  }

  /** A new application (a draft until staff submit it with its photos). Input is validated by the contract already. */
  create(raw: RisaiApplicationInput, staffId: string): RisaiVehicleView {
    const input = RisaiApplicationInput.parse(raw);
    const disaster = this.disaster(input.disasterId);
    const problems = applicationProblems(input, disaster, Infinity);
    if (problems.length > 0) throw new ValidationError(problems);
    const { db, clock, cipher, audit } = this.o;
    const id = this.o.newId();
    const now = clock.now();
    const at = now.toISOString();
    const day = tokyoDate(now);
    db.transaction(() => {
      const n = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM risai_applications WHERE day = ?').get(day)!.n + 1;
      const number = `R${day.slice(5, 7)}${day.slice(8, 10)}-${String(n).padStart(3, '0')}`;
      db.prepare(
        `INSERT INTO risai_applications (id, number, day, disaster_id, survey, state, personal_sealed, staff_id, created_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?)`,
      ).run(id, number, day, input.disasterId, input.survey, cipher.seal(JSON.stringify(input), personalContext(id)), staffId, at);
      audit.append({ actor: staffId, action: 'risai.created', detail: { applicationId: id, disasterId: input.disasterId, survey: input.survey } });
    })();
    return this.view(id);
  }

  /**
   * A photo for a draft: a JPEG within the city's limits (the staff screen downscales before it sends;
   * here the limits are enforced and the size read from the JPEG's header). Sealed at rest.
   */
  addPhoto(applicationId: string, jpeg: Buffer, takenAt: string, staffId: string): RisaiVehicleView {
    const { db, cipher, audit } = this.o;
    const app = this.row(applicationId);
    if (app.state !== 'draft') throw new AppError('RISAI_SUBMITTED', 'この申請はもう送信の順番待ちです。写真は追加できません。');
    const count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM risai_photos WHERE application_id = ?').get(applicationId)!.n;
    const problem = photoProblem(jpeg, this.limits(), count);
    if (problem) throw new ValidationError([{ path: 'photo', message: problem }]);
    const size = jpegSize(jpeg)!;
    const id = this.o.newId();
    const sha256 = createHash('sha256').update(jpeg).digest('hex');
    db.transaction(() => {
      db.prepare(
        `INSERT INTO risai_photos (id, application_id, position, taken_at, bytes, sha256, width, height, chunks, data_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, applicationId, count + 1, takenAt, jpeg.length, sha256, size.width, size.height, chunkCount(jpeg.length), cipher.sealBytes(jpeg, photoContext(id)));
      audit.append({ actor: staffId, action: 'risai.photo_added', detail: { applicationId, photoId: id, bytes: jpeg.length } });
    })();
    return this.view(applicationId);
  }

  /** Takes a draft's photo out again (a blurred shot). */
  removePhoto(applicationId: string, photoId: string, staffId: string): RisaiVehicleView {
    const { db, audit } = this.o;
    if (this.row(applicationId).state !== 'draft') throw new AppError('RISAI_SUBMITTED', 'この申請はもう送信の順番待ちです。写真は外せません。');
    db.transaction(() => {
      const gone = db.prepare('DELETE FROM risai_photos WHERE id = ? AND application_id = ?').run(photoId, applicationId).changes;
      if (gone === 0) throw new AppError('NOT_FOUND', 'その写真は見つかりません。');
      // Positions stay consecutive.
      const rest = db.prepare<[string], { id: string }>('SELECT id FROM risai_photos WHERE application_id = ? ORDER BY position').all(applicationId);
      rest.forEach((r, i) => db.prepare('UPDATE risai_photos SET position = ? WHERE id = ?').run(-(i + 1), r.id));
      db.prepare('UPDATE risai_photos SET position = -position WHERE application_id = ?').run(applicationId);
      audit.append({ actor: staffId, action: 'risai.photo_removed', detail: { applicationId, photoId } });
    })();
    return this.view(applicationId);
  }

  /** The application is complete as entered: it goes into the outbox with its photos' metadata, once. */
  submit(applicationId: string, staffId: string): RisaiVehicleView {
    const { db, cipher, audit, outbox, clock } = this.o;
    const receipt = db.transaction(() => {
      const app = this.row(applicationId);
      if (app.state !== 'draft') throw new AppError('RISAI_SUBMITTED', 'この申請はもう送信の順番待ちです。');
      const input = RisaiApplicationInput.parse(JSON.parse(cipher.open(app.personal_sealed!, personalContext(app.id))));
      const photos = this.photoRows(app.id);
      const problems = applicationProblems(input, this.disaster(input.disasterId), photos.length);
      if (problems.length > 0) throw new ValidationError(problems);
      const at = clock.now().toISOString();
      const message: Omit<RisaiApplicationMessage, 'idempotencyKey'> = {
        type: 'risai.application',
        applicationId: app.id,
        number: app.number,
        input,
        photos: photos.map((p): PhotoMeta => ({ id: p.id, takenAt: p.taken_at, bytes: p.bytes, sha256: p.sha256, width: p.width, height: p.height })),
        staffId: app.staff_id,
        takenAt: app.created_at,
      };
      outbox.enqueue(app.id, 'risai.application', message);
      db.prepare(`UPDATE risai_applications SET state = 'queued', submitted_at = ? WHERE id = ?`).run(at, app.id);
      audit.append({ actor: staffId, action: 'risai.submitted', detail: { applicationId: app.id, photos: photos.length } });
      this.o.onSubmitted?.(app.id, { name: input.applicant.name, birthDate: input.applicant.birthDate });
      const disasterName = this.disaster(input.disasterId)?.name ?? '';
      return this.o.receipts?.queue({ number: app.number, disasterName, photos: photos.length, survey: input.survey, delivery: input.delivery }, staffId) ?? null;
    })();
    if (receipt) void this.o.receipts!.run(receipt).catch((e: unknown) => this.o.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'risai receipt print failed'));
    return this.view(applicationId);
  }

  list(): RisaiVehicleView[] {
    return this.o.db
      .prepare<[], { id: string }>('SELECT id FROM risai_applications ORDER BY created_at DESC LIMIT 200')
      .all()
      .map((r) => this.view(r.id));
  }

  view(id: string): RisaiVehicleView {
    const app = this.row(id);
    const disasterName = this.o.db.prepare<[string], { name: string }>('SELECT name FROM risai_disasters WHERE id = ?').get(app.disaster_id)?.name ?? '（一覧にない災害）';
    return {
      id: app.id,
      number: app.number,
      disasterId: app.disaster_id,
      disasterName,
      state: app.state,
      photos: this.photoRows(id).map((p) => ({
        id: p.id, takenAt: p.taken_at, bytes: p.bytes, width: p.width, height: p.height, chunks: p.chunks, chunksAtHub: p.chunks_at_hub, verified: p.verified_at !== null,
      })),
      createdAt: app.created_at,
      certificate: app.certificate_handed_over_at ? 'handed_over' : app.certificate_printed_at ? 'awaiting_handover' : app.certificate_job_id ? 'printing' : 'none',
    };
  }

  /**
   * City hall sent this application's り災証明書 to this vehicle's printer (inside the sync's
   * transaction): recorded once; a second job for the same application is refused.
   */
  certificateAccepted(applicationId: string, jobId: string): void {
    const app = this.row(applicationId);
    if (app.certificate_job_id) throw new AppError('RISAI_CERTIFICATE_TWICE', 'この申請の証明書はもう届いています。');
    this.o.db.prepare('UPDATE risai_applications SET certificate_job_id = ? WHERE id = ?').run(jobId, applicationId);
    this.o.audit.append({ actor: 'hub', action: 'risai.certificate_received', detail: { applicationId, jobId } });
  }

  /** The certificate printed: it waits for handover at a later visit (交付待ち). */
  certificatePrinted(jobId: string): void {
    const at = this.o.clock.now().toISOString();
    const r = this.o.db.prepare('UPDATE risai_applications SET certificate_printed_at = ? WHERE certificate_job_id = ? AND certificate_printed_at IS NULL').run(at, jobId);
    if (r.changes > 0) this.o.audit.append({ actor: 'system', action: 'risai.certificate_printed', detail: { jobId } });
    this.o.onCertificate?.();
  }

  /** Staff handed the printed certificate over (交付): recorded once, audited. */
  handOver(applicationId: string, staffId: string): RisaiVehicleView {
    this.o.db.transaction(() => {
      const app = this.row(applicationId);
      if (app.certificate_handed_over_at) throw new AppError('RISAI_HANDED_OVER', 'この証明書はもう交付しました。');
      if (!app.certificate_printed_at) throw new AppError('RISAI_NOT_PRINTED', 'この申請の証明書はまだ印刷されていません。');
      const at = this.o.clock.now().toISOString();
      this.o.db.prepare('UPDATE risai_applications SET certificate_handed_over_at = ?, certificate_handed_over_by = ? WHERE id = ?').run(at, staffId, applicationId);
      this.o.audit.append({ actor: staffId, action: 'risai.handed_over', detail: { applicationId } });
      // City hall records the handover too (the outbox delivers it once).
      this.o.outbox.enqueue(applicationId, 'risai.handed_over', { type: 'risai.handed_over', applicationId, staffId, at });
    })();
    return this.view(applicationId);
  }

  private row(id: string): ApplicationRow {
    const row = this.o.db.prepare<[string], ApplicationRow>('SELECT * FROM risai_applications WHERE id = ?').get(id);
    if (!row) throw new AppError('NOT_FOUND', 'その申請は見つかりません。');
    return row;
  }

  private photoRows(applicationId: string): PhotoRow[] {
    return this.o.db.prepare<[string], PhotoRow>('SELECT * FROM risai_photos WHERE application_id = ? ORDER BY position').all(applicationId);
  }

  /**
   * The sync loop's turn: the disasters list when it is stale, then every photo whose application the
   * hub already holds (its outbox message is gone), chunk by chunk. `progress` is told of each step
   * that got through, so a flaky link that still moves chunks retries soon. Throws when the link fails.
   */
  async syncWithHub(transport: RisaiTransport, progress: () => void): Promise<void> {
    const pulledAt = this.o.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(PULLED_KEY)?.value;
    if (!pulledAt || this.o.clock.now().getTime() - new Date(pulledAt).getTime() > (this.o.disastersMaxAgeMs ?? 10 * 60_000)) {
      try {
        await this.pullDisasters(transport);
        progress();
      } catch (e) {
        // A hub that refuses the list (4xx: one from before り災証明書) leaves the cached list as it is;
        // an unreachable one fails the cycle as any call does.
        if (!(e instanceof AppError)) throw e;
        this.o.logger.warn({ code: e.code }, 'city hall did not give the disasters list');
      }
    }
    this.o.db.transaction(() => this.completeDelivered())();
    const photos = this.o.db
      .prepare<[], Omit<PhotoRow, 'data_sealed'>>(
        `SELECT p.id, p.application_id, p.position, p.taken_at, p.bytes, p.sha256, p.width, p.height, p.chunks, p.chunks_at_hub, p.verified_at
           FROM risai_photos p JOIN risai_applications a ON a.id = p.application_id
          WHERE p.data_sealed IS NOT NULL AND a.state = 'queued' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = a.id)
          ORDER BY a.submitted_at, a.id, p.position`,
      )
      .all();
    if (photos.length === 0) return;
    await this.upload(transport, photos, progress);
  }

  /**
   * The photos' chunks, in order, a few in flight at once across photo boundaries (the link never
   * waits for one photo's last answer before the next photo starts). Photos go strictly in order and
   * at most `window` chunks are ever in flight, so only the first `window` photos can have been
   * started — by a cycle a cut ended, or a run killed mid-upload: the hub is asked what it holds of
   * those (at once, one round trip), and the rest are sent whole. A photo the hub answers as verified
   * leaves the vehicle at once.
   */
  private async upload(transport: RisaiTransport, photos: Omit<PhotoRow, 'data_sealed'>[], progress: () => void): Promise<void> {
    const window = this.o.window ?? 3;
    const asked = await Promise.all(photos.slice(0, window).map((p) => transport.risaiPhoto(p.id)));
    progress();
    const states = new Map<string, PhotoProgress>();
    asked.forEach((known, i) => {
      states.set(photos[i]!.id, known);
      this.recordProgress(photos[i]!, known);
    });
    const tasks: { photo: Omit<PhotoRow, 'data_sealed'>; index: number }[] = [];
    for (const photo of photos) {
      const known = states.get(photo.id);
      if (known?.complete) continue;
      const have = new Set(known?.received ?? []);
      for (let index = 0; index < photo.chunks; index++) if (!have.has(index)) tasks.push({ photo, index });
    }
    const opened = new Map<string, Buffer>();
    const bytesOf = (id: string): Buffer => {
      let bytes = opened.get(id);
      if (!bytes) {
        const row = this.o.db.prepare<[string], { data_sealed: Buffer | null }>('SELECT data_sealed FROM risai_photos WHERE id = ?').get(id);
        if (!row?.data_sealed) throw new AppError('PHOTO_GONE', '写真のデータが見つかりません。');
        bytes = this.o.cipher.openBytes(row.data_sealed, photoContext(id));
        opened.set(id, bytes);
      }
      return bytes;
    };
    let failure: unknown = null;
    const worker = async () => {
      for (;;) {
        const task = tasks.shift();
        if (!task || failure) return;
        const { photo, index } = task;
        try {
          const data = bytesOf(photo.id).subarray(index * PHOTO_CHUNK_BYTES, (index + 1) * PHOTO_CHUNK_BYTES);
          const answer = await transport.risaiChunk(photo.id, index, { sha256: createHash('sha256').update(data).digest('hex'), data });
          progress();
          // Answers may arrive out of order: keep the one that knows the most.
          const before = states.get(photo.id);
          if (!before || answer.complete || (!before.complete && answer.received.length > before.received.length)) states.set(photo.id, answer);
          if (answer.complete && !before?.complete) {
            opened.delete(photo.id);
            this.recordProgress(photo, answer);
          }
        } catch (e) {
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
    // The cursors of the photos still on their way, for staff to see.
    for (const photo of photos) {
      const state = states.get(photo.id);
      if (state && !state.complete) this.recordProgress(photo, state);
    }
    if (failure) throw failure;
    // Every chunk was accepted but a photo was not verified (the hub dropped a mismatch): the next turn starts it over.
    if (photos.some((p) => !states.get(p.id)?.complete)) throw new AppError('PHOTO_NOT_VERIFIED', '写真が市役所で確認できませんでした。もう一度送ります。');
  }

  /** Keeps the hub's count as the photo's cursor; a verified photo's bytes leave the vehicle, and a whole application its personal fields. */
  private recordProgress(photo: Pick<PhotoRow, 'id' | 'application_id'>, state: PhotoProgress): void {
    const { db, audit, clock } = this.o;
    const at = clock.now().toISOString();
    let purged = false;
    db.transaction(() => {
      db.prepare('UPDATE risai_photos SET chunks_at_hub = ? WHERE id = ?').run(state.received.length, photo.id);
      if (state.complete) {
        const gone = db.prepare('UPDATE risai_photos SET data_sealed = NULL, verified_at = ?, chunks_at_hub = chunks WHERE id = ? AND data_sealed IS NOT NULL').run(at, photo.id).changes;
        if (gone > 0) {
          purged = true;
          audit.append({ actor: 'system', action: 'risai.photo_delivered', detail: { applicationId: photo.application_id, photoId: photo.id } });
        }
      }
      this.completeDelivered(photo.application_id);
    })();
    // secure_delete zeroes the freed pages; the WAL still holds them until it is checkpointed and emptied.
    if (purged) checkpoint(db);
  }

  /**
   * An application the hub holds whole: its message is delivered (out of the outbox) and no photo
   * bytes are left (each leaves only once the hub verified it). Its personal fields go.
   */
  private completeDelivered(applicationId?: string): void {
    const { db, audit, clock } = this.o;
    const ready = db
      .prepare<[string | null, string | null], { id: string }>(
        `SELECT a.id FROM risai_applications a WHERE a.state = 'queued' AND (? IS NULL OR a.id = ?)
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = a.id)
           AND NOT EXISTS (SELECT 1 FROM risai_photos p WHERE p.application_id = a.id AND p.data_sealed IS NOT NULL)`,
      )
      .all(applicationId ?? null, applicationId ?? null);
    const at = clock.now().toISOString();
    for (const { id } of ready) {
      db.prepare(`UPDATE risai_applications SET state = 'complete', personal_sealed = NULL, completed_at = ? WHERE id = ?`).run(at, id);
      audit.append({ actor: 'system', action: 'risai.complete_at_hub', detail: { applicationId: id } });
    }
  }

  /** Applications city hall holds but whose photos are still on the vehicle (the outbox counts the rest). */
  uploading(): number {
    return this.o.db
      .prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM risai_applications a WHERE a.state = 'queued' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = a.id)`)
      .get()!.n;
  }
}
