// り災証明書 at city hall. A vehicle's application arrives through the outbox (vehicle-sync.ts applies
// it once, by its id); its photos arrive in chunks, each checked against its sha256 and written once
// (by photo id and index) under a lock on the photo; a photo is whole only when every chunk is there
// and the whole photo's sha256 matches, and the application is complete only when every photo is
// whole. The tax department (資産税課) works the queue: statuses along the one transition table in
// protocol/disaster.ts, the 判定 recorded with its grade, every read of an application audited.
import { createHash } from 'node:crypto';
import {
  applicationProblems, chunkCount, ChunkUpload, RisaiSendInput, DEFAULT_PHOTO_LIMITS, Disaster, DisasterInput, notOnVehicleMessage, PHOTO_CHUNK_BYTES, printsOnVehicle,
  risaiErrorMessages, RisaiListQuery,
  RisaiStatusInput, risaiTransition, type PhotoLimits, type PhotoProgress, type RisaiApplicationDetail, type RisaiApplicationMessage,
  type RisaiApplicationSummary, type RisaiCounts, type VehicleDisasters,
} from '../../protocol/disaster';
import { newId as defaultNewId, type IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { Clock } from '../clock';
import { badRequest, conflict, HubError, notFound } from '../errors';
import type { HubStore, HubTx } from '../store/types';
import type { RisaiApplicationRow, RisaiDisasterRow, RisaiPhotoRow } from '../store/risai-store';
import type { PushHub } from './push';
import { parse } from './parse';
import { renderRisaiCertificate } from '../certificates/risai';
import { CertificateFonts } from '../certificates/fonts';
import { japanDate } from '../../protocol/wareki';

/** Why an application message is refused (the code vehicle-sync answers with). */
export type RisaiRefusal = { refused: 'UNKNOWN_DISASTER' | 'REQUEST_ID_CONFLICT' | 'MALFORMED_MESSAGE'; problem: string };

const toDisaster = (r: RisaiDisasterRow): Disaster => ({
  id: r.id, name: r.name, kind: r.kind, date: r.date, area: r.area, selfAssessment: r.self_assessment === 1, createdAt: r.created_at,
});

/**
 * Applies one application message inside the delivery's transaction: the application once by its id
 * (a repeat from the same vehicle is a duplicate), its photos waiting for their chunks.
 */
export async function applyRisaiApplication(
  tx: HubTx,
  vehicleId: string,
  m: RisaiApplicationMessage,
  at: string,
): Promise<{ status: 'applied' | 'duplicate'; notice: { type: string } | null } | RisaiRefusal> {
  const store = tx.risai();
  const existing = await store.getApplication(m.applicationId);
  if (existing) {
    if (existing.vehicle_id === vehicleId) return { status: 'duplicate', notice: null };
    return { refused: 'REQUEST_ID_CONFLICT', problem: 'applicationId' };
  }
  const disaster = await store.getDisaster(m.input.disasterId);
  if (!disaster) return { refused: 'UNKNOWN_DISASTER', problem: 'disasterId' };
  const problems = applicationProblems(m.input, toDisaster(disaster), m.photos.length);
  if (problems.length > 0) return { refused: 'MALFORMED_MESSAGE', problem: `fields=${problems.map((p) => p.path).join(',')}` };
  if (new Set(m.photos.map((p) => p.id)).size !== m.photos.length) return { refused: 'MALFORMED_MESSAGE', problem: 'fields=photos' };
  const whole = m.photos.length === 0;
  const inserted = await store.insertApplication(
    {
      id: m.applicationId, vehicle_id: vehicleId, number: m.number, disaster_id: disaster.id, district: m.input.property.district, survey: m.input.survey,
      input: JSON.stringify(m.input), status: 'received', grade: null, photo_count: m.photos.length, complete_at: whole ? at : null, staff_id: m.staffId,
      taken_at: m.takenAt, received_at: at, updated_at: at,
    },
    m.photos.map((p, i) => ({
      id: p.id, application_id: m.applicationId, position: i + 1, taken_at: p.takenAt, bytes: p.bytes, sha256: p.sha256, width: p.width, height: p.height,
      chunks: chunkCount(p.bytes), complete_at: null,
    })),
  );
  if (!inserted) return { status: 'duplicate', notice: null };
  await store.insertStatusEvent(m.applicationId, 'received', null, m.staffId, at);
  await tx.appendAudit(
    { actor: m.staffId, action: 'risai.received', place: vehicleId, detail: { applicationId: m.applicationId, disasterId: disaster.id, photos: m.photos.length } },
    at,
  );
  if (whole) await tx.appendAudit({ actor: 'hub', action: 'risai.complete', place: vehicleId, detail: { applicationId: m.applicationId } }, at);
  return { status: 'applied', notice: { type: 'risai.received' } };
}

/** Every chunk index of a photo: what a whole photo answers it holds. */
const everyChunk = (photo: Pick<RisaiPhotoRow, 'chunks'>) => Array.from({ length: photo.chunks }, (_, i) => i);

/** The application as the vehicle took it (validated by the contract when it arrived). */
function applicationInput(app: Pick<RisaiApplicationRow, 'input'>): RisaiApplicationDetail['input'] {
  return JSON.parse(app.input) as RisaiApplicationDetail['input'];
}

/** Adds a disaster the vehicles take applications for (the console's admin, or `odekake hub disaster-add`). */
export async function addDisaster(store: HubStore, raw: unknown, actor: string, clock: Clock, ids: IdGenerator = defaultNewId): Promise<Disaster> {
  const input = parse(DisasterInput, raw);
  const at = clock.now().toISOString();
  const row: RisaiDisasterRow = {
    id: ids(), name: input.name, kind: input.kind, date: input.date, area: input.area, self_assessment: input.selfAssessment ? 1 : 0, created_at: at, created_by: actor,
  };
  await store.transaction(async (tx) => {
    await tx.risai().insertDisaster(row);
    await tx.appendAudit({ actor, action: 'risai.disaster_added', place: 'hub', detail: { disasterId: row.id, kind: row.kind, date: row.date } }, at);
  });
  return toDisaster(row);
}

export interface RisaiServiceDeps {
  store: HubStore;
  clock: Clock;
  log: Logger;
  push: PushHub;
  ids?: IdGenerator;
  /** The city's photo limits, given to the vehicles with the disasters. */
  limits?: PhotoLimits;
  /** Signs a certificate's print job into a vehicle's inbox (the approvals' print path). */
  printJobs?: {
    issueRisaiPrintJob(tx: HubTx, args: { vehicleId: string; applicationId: string; pdf: Uint8Array; at: string }): Promise<{ jobId: string; envelope: { seq: number } }>;
  };
}

export class RisaiService {
  constructor(private readonly deps: RisaiServiceDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  // -- disasters ---------------------------------------------------------------------------------

  async addDisaster(raw: unknown, actor: string): Promise<Disaster> {
    const disaster = await addDisaster(this.deps.store, raw, actor, this.deps.clock, this.deps.ids);
    this.deps.push.toConsoles({ type: 'risai.disasters' });
    return disaster;
  }

  async disasters(): Promise<Disaster[]> {
    return (await this.deps.store.transaction((tx) => tx.risai().listDisasters())).map(toDisaster);
  }

  async forVehicle(): Promise<VehicleDisasters> {
    return { disasters: await this.disasters(), limits: this.deps.limits ?? DEFAULT_PHOTO_LIMITS };
  }

  // -- photos from the vehicles ------------------------------------------------------------------

  /** A photo of this vehicle's application, locked, with its application; or a refusal. */
  private async photoOf(tx: HubTx, vehicleId: string, photoId: string): Promise<{ photo: RisaiPhotoRow; app: RisaiApplicationRow }> {
    const store = tx.risai();
    const photo = await store.lockPhoto(photoId);
    const app = photo ? await store.getApplication(photo.application_id) : undefined;
    if (!photo || !app || app.vehicle_id !== vehicleId) throw new HubError(404, 'UNKNOWN_PHOTO', risaiErrorMessages.UNKNOWN_PHOTO);
    return { photo, app };
  }

  private async progressOf(tx: HubTx, photo: RisaiPhotoRow, applicationComplete: boolean): Promise<PhotoProgress> {
    const complete = photo.complete_at !== null;
    const received = complete ? everyChunk(photo) : await tx.risai().receivedChunks(photo.id);
    return { photoId: photo.id, chunks: photo.chunks, received, complete, applicationComplete };
  }

  /** What the hub holds of a photo: the vehicle asks before it resumes. */
  async progress(vehicleId: string, photoId: string): Promise<PhotoProgress> {
    return this.deps.store.transaction(async (tx) => {
      const { photo, app } = await this.photoOf(tx, vehicleId, photoId);
      return this.progressOf(tx, photo, app.complete_at !== null);
    });
  }

  /**
   * One chunk: checked against its sha256 and its expected length, written once. The chunk that
   * completes the photo joins the chunks and checks the whole photo's sha256: a match keeps the photo
   * (and completes the application when it was the last); a mismatch drops every chunk so the vehicle
   * sends the photo again.
   */
  async chunk(vehicleId: string, photoId: string, rawIndex: unknown, body: unknown): Promise<PhotoProgress> {
    const index = Number(rawIndex);
    const upload = parse(ChunkUpload, body);
    const data = Buffer.from(upload.data);
    if (createHash('sha256').update(data).digest('hex') !== upload.sha256) throw badRequest('BAD_CHUNK', risaiErrorMessages.BAD_CHUNK);
    const at = this.now();
    let completed: string | null = null;
    const answer = await this.deps.store.transaction(async (tx) => {
      completed = null;
      const store = tx.risai();
      const { photo, app } = await this.photoOf(tx, vehicleId, photoId);
      if (!Number.isInteger(index) || index < 0 || index >= photo.chunks) throw badRequest('BAD_CHUNK', risaiErrorMessages.BAD_CHUNK);
      const expected = Math.min(PHOTO_CHUNK_BYTES, photo.bytes - index * PHOTO_CHUNK_BYTES);
      if (data.length !== expected) throw badRequest('BAD_CHUNK', risaiErrorMessages.BAD_CHUNK);
      if (photo.complete_at !== null) return this.progressOf(tx, photo, app.complete_at !== null);
      await store.insertChunk(photo.id, index, upload.sha256, data, at);
      const received = await store.receivedChunks(photo.id);
      if (received.length < photo.chunks) return { photoId: photo.id, chunks: photo.chunks, received, complete: false, applicationComplete: false };
      const whole = Buffer.concat(await store.chunkData(photo.id));
      await store.deleteChunks(photo.id);
      if (whole.length !== photo.bytes || createHash('sha256').update(whole).digest('hex') !== photo.sha256) {
        await tx.appendAudit({ actor: vehicleId, action: 'risai.photo_mismatch', place: vehicleId, detail: { applicationId: app.id, photoId: photo.id } }, at);
        this.deps.log.warn({ vehicleId, photoId: photo.id }, 'photo did not match its sha256; its chunks were dropped');
        return { photoId: photo.id, chunks: photo.chunks, received: [], complete: false, applicationComplete: false };
      }
      await store.completePhoto(photo.id, whole, at);
      await tx.appendAudit({ actor: vehicleId, action: 'risai.photo_complete', place: vehicleId, detail: { applicationId: app.id, photoId: photo.id, bytes: photo.bytes } }, at);
      const appComplete = await store.completeApplicationIfWhole(app.id, at);
      if (appComplete) {
        await tx.appendAudit({ actor: 'hub', action: 'risai.complete', place: vehicleId, detail: { applicationId: app.id } }, at);
        completed = app.id;
      }
      return { photoId: photo.id, chunks: photo.chunks, received: everyChunk(photo), complete: true, applicationComplete: appComplete || app.complete_at !== null };
    });
    if (completed) this.deps.push.toConsoles({ type: 'risai.complete' });
    return answer;
  }

  // -- the tax department's console ----------------------------------------------------------------

  private summary(r: RisaiApplicationRow & { disaster_name: string }): RisaiApplicationSummary {
    return {
      id: r.id, number: r.number, vehicleId: r.vehicle_id, disasterId: r.disaster_id, disasterName: r.disaster_name, area: r.district, status: r.status,
      grade: r.grade, survey: r.survey, photos: r.photo_count, complete: r.complete_at !== null, receivedAt: r.received_at, updatedAt: r.updated_at,
      printedOn: r.print_vehicle_id ?? null, handedOverAt: r.handed_over_at ?? null,
    };
  }

  async list(query: unknown): Promise<RisaiApplicationSummary[]> {
    const q = parse(RisaiListQuery, query);
    const rows = await this.deps.store.transaction((tx) =>
      tx.risai().listApplications({
        ...(q.disasterId ? { disasterId: q.disasterId } : {}), ...(q.status ? { status: q.status } : {}), ...(q.area ? { district: q.area } : {}),
        ...(q.incomplete ? { incomplete: true } : {}),
      }),
    );
    return rows.map((r) => this.summary(r));
  }

  /** One application with its photos' metadata and history; the read is audited (it holds personal data). */
  async detail(id: string, operatorId: string): Promise<RisaiApplicationDetail> {
    const at = this.now();
    return this.deps.store.transaction(async (tx) => {
      const store = tx.risai();
      const app = await store.getApplication(id);
      if (!app) throw notFound('その申請は見つかりません。一覧を更新してください。');
      const disaster = await store.getDisaster(app.disaster_id);
      const photos = await store.photos(id);
      const history = await store.statusEvents(id);
      await tx.appendAudit({ actor: operatorId, action: 'risai.viewed', place: 'hub', detail: { applicationId: id } }, at);
      return {
        ...this.summary({ ...app, disaster_name: disaster?.name ?? '' }),
        input: applicationInput(app),
        photoList: photos.map((p) => ({ id: p.id, takenAt: p.taken_at, bytes: p.bytes, sha256: p.sha256, width: p.width, height: p.height, complete: p.complete_at !== null })),
        history: history.map((h) => ({ status: h.status, grade: h.grade, actor: h.actor, at: h.at })),
      };
    });
  }

  /** A photo's JPEG bytes for the clerk (audited like the application). */
  async photo(id: string, photoId: string, operatorId: string): Promise<Buffer> {
    const at = this.now();
    return this.deps.store.transaction(async (tx) => {
      const store = tx.risai();
      const photo = (await store.photos(id)).find((p) => p.id === photoId);
      const data = photo?.complete_at ? await store.photoData(photoId) : null;
      if (!data) throw notFound('その写真はまだ届いていないか、見つかりません。');
      await tx.appendAudit({ actor: operatorId, action: 'risai.photo_viewed', place: 'hub', detail: { applicationId: id, photoId } }, at);
      return Buffer.from(data);
    });
  }

  /** Moves an application one step along the table (判定 with its grade). Only a complete application moves. */
  async move(id: string, body: unknown, operatorId: string): Promise<RisaiApplicationSummary> {
    const input = parse(RisaiStatusInput, body);
    const at = this.now();
    const moved = await this.deps.store.transaction(async (tx) => {
      const store = tx.risai();
      const app = await store.getApplication(id);
      if (!app) throw notFound('その申請は見つかりません。一覧を更新してください。');
      if (app.complete_at === null) throw conflict('RISAI_INCOMPLETE', '写真がまだすべて届いていません。届いてから進めてください。');
      const ok = risaiTransition(app.status, input.to, app.survey, input.grade);
      if (!ok.ok) throw conflict('ILLEGAL_STATUS', ok.message);
      const grade = input.to === 'judged' ? input.grade : app.grade;
      await store.setStatus(id, input.to, grade, at);
      await store.insertStatusEvent(id, input.to, input.to === 'judged' ? input.grade : null, operatorId, at);
      await tx.appendAudit({ actor: operatorId, action: `risai.${input.to}`, place: 'hub', detail: { applicationId: id, grade: input.to === 'judged' ? input.grade : null } }, at);
      const disaster = await store.getDisaster(app.disaster_id);
      return this.summary({ ...app, status: input.to, grade, updated_at: at, disaster_name: disaster?.name ?? '' });
    });
    this.deps.push.toConsoles({ type: 'risai.updated' });
    return moved;
  }

  private fonts: Promise<CertificateFonts> | null = null;

  /**
   * The り災証明書 of a judged application as an A4 PDF (for 郵送 or the window; audited like a read).
   * Rendered from the stored application each time: the same judgement and day give the same bytes.
   */
  async certificate(id: string, operatorId: string): Promise<{ pdf: Uint8Array; serial: string }> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const { app, disaster } = await this.deps.store.transaction(async (tx) => {
      const store = tx.risai();
      const app = await store.getApplication(id);
      if (!app) throw notFound('その申請は見つかりません。一覧を更新してください。');
      if (!app.grade || (app.status !== 'judged' && app.status !== 'issued')) throw conflict('NOT_JUDGED', '判定のあとで証明書を作れます。');
      const disaster = await store.getDisaster(app.disaster_id);
      await tx.appendAudit({ actor: operatorId, action: 'risai.certificate_rendered', place: 'hub', detail: { applicationId: id, grade: app.grade } }, at);
      return { app, disaster: disaster! };
    });
    return this.render(app, disaster, now);
  }

  private async render(app: RisaiApplicationRow, disaster: RisaiDisasterRow, now: Date): Promise<{ pdf: Uint8Array; serial: string }> {
    this.fonts ??= CertificateFonts.load();
    const serial = `R${japanDate(now).replaceAll('-', '')}-${app.number}`;
    const rendered = await renderRisaiCertificate({
      number: app.number, input: applicationInput(app), disaster: toDisaster(disaster), grade: app.grade!,
      serial, issuedAt: now, fonts: await this.fonts,
    });
    return { pdf: rendered.pdf, serial };
  }

  /**
   * Sends an issued (証明書発行) application's certificate — the same PDF as the console's view — to a
   * vehicle's certificate printer for handover at a later visit: a signed print job in that vehicle's
   * inbox, recorded on the application and audited. Once per application (no reprint from here).
   */
  async sendToVehicle(id: string, body: unknown, operatorId: string): Promise<{ jobId: string; vehicleId: string }> {
    const input = parse(RisaiSendInput, body);
    const printJobs = this.deps.printJobs;
    if (!printJobs) throw conflict('PRINT_UNAVAILABLE', 'この市役所では車両への印刷の送信が設定されていません。管理者に連絡してください。');
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const check = async (tx: HubTx) => {
      const app = await tx.risai().getApplication(id);
      if (!app) throw notFound('その申請は見つかりません。一覧を更新してください。');
      if (app.status !== 'issued' || !app.grade) throw conflict('NOT_ISSUED', '「証明書発行」にしてから車両へ送れます。');
      if (app.print_job_id) throw conflict('ALREADY_SENT', 'この証明書はもう車両へ送りました。再送はできません。');
      const { delivery } = applicationInput(app);
      if (!printsOnVehicle(delivery)) throw conflict('NOT_VEHICLE_DELIVERY', notOnVehicleMessage(delivery));
      const vehicle = await tx.getVehicle(input.vehicleId);
      if (!vehicle) throw notFound('その車両は登録されていません。車両の番号を確かめてください。');
      if (vehicle.revokedAt) throw conflict('REVOKED_VEHICLE', 'その車両の証明書は失効しています。別の車両を選んでください。');
      const disaster = await tx.risai().getDisaster(app.disaster_id);
      return { app, disaster: disaster! };
    };
    const { app, disaster } = await this.deps.store.transaction(check);
    const { pdf } = await this.render(app, disaster, now);
    const sent = await this.deps.store.transaction(async (tx) => {
      await check(tx);
      const job = await printJobs.issueRisaiPrintJob(tx, { vehicleId: input.vehicleId, applicationId: id, pdf, at });
      if (!(await tx.risai().markCertificateSent(id, job.jobId, input.vehicleId, at))) {
        throw conflict('ALREADY_SENT', 'この証明書はもう車両へ送りました。再送はできません。');
      }
      await tx.appendAudit({ actor: operatorId, action: 'risai.certificate_sent', place: 'hub', detail: { applicationId: id, jobId: job.jobId, vehicleId: input.vehicleId } }, at);
      return job;
    });
    this.deps.push.toVehicle(input.vehicleId, [sent.envelope]);
    this.deps.push.toConsoles({ type: 'risai.updated' });
    return { jobId: sent.jobId, vehicleId: input.vehicleId };
  }

  async counts(): Promise<RisaiCounts> {
    const rows = await this.deps.store.transaction((tx) => tx.risai().counts());
    return { rows: rows.map((r) => ({ disasterId: r.disaster_id, disasterName: r.disaster_name, area: r.district, status: r.status, grade: r.grade, count: r.n })) };
  }
}
