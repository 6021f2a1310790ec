// The り災証明書 part of a hub transaction: one typed query code (Kysely) for SQLite and PostgreSQL.
// A photo's chunks are applied under a lock on the photo's row (PostgreSQL: FOR UPDATE; SQLite is
// serialized already), so two copies of one chunk arriving at once on two hub processes write it once.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DamageGrade, RisaiStatus } from '../../protocol/disaster';
import type { Dialect, HubDatabase } from './schema';
import type { RisaiApplicationsTable, RisaiDisastersTable, RisaiPhotosTable } from './risai-schema';

type Q = Kysely<HubDatabase> | Transaction<HubDatabase>;
const count = (n: bigint | number | string | undefined): number => Number(n ?? 0);

export type RisaiDisasterRow = RisaiDisastersTable;
export type RisaiApplicationRow = RisaiApplicationsTable;
export type RisaiPhotoRow = Omit<RisaiPhotosTable, 'chunk_writes' | 'data'> & { chunk_writes: number };

export interface RisaiFilter {
  disasterId?: string;
  status?: RisaiStatus;
  district?: string;
  incomplete?: boolean;
}

const photoCols = ['id', 'application_id', 'position', 'taken_at', 'bytes', 'sha256', 'width', 'height', 'chunks', 'chunk_writes', 'complete_at'] as const;

export class RisaiStore {
  constructor(
    private readonly q: Q,
    private readonly dialect: Dialect,
  ) {}

  async insertDisaster(row: RisaiDisasterRow): Promise<void> {
    await this.q.insertInto('risai_disasters').values(row).execute();
  }
  async listDisasters(): Promise<RisaiDisasterRow[]> {
    return this.q.selectFrom('risai_disasters').selectAll().orderBy('date', 'desc').orderBy('name').execute();
  }
  async getDisaster(id: string): Promise<RisaiDisasterRow | undefined> {
    return this.q.selectFrom('risai_disasters').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async getApplication(id: string): Promise<RisaiApplicationRow | undefined> {
    return this.q.selectFrom('risai_applications').selectAll().where('id', '=', id).executeTakeFirst();
  }
  /** Inserts an application unless its id is there already; says whether it did. */
  async insertApplication(row: RisaiApplicationRow, photos: Omit<RisaiPhotoRow, 'chunk_writes'>[]): Promise<boolean> {
    const r = await this.q.insertInto('risai_applications').values(row).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
    if (count(r.numInsertedOrUpdatedRows) === 0) return false;
    if (photos.length > 0) await this.q.insertInto('risai_photos').values(photos.map((p) => ({ ...p, data: null }))).execute();
    return true;
  }
  async listApplications(filter: RisaiFilter): Promise<(RisaiApplicationRow & { disaster_name: string })[]> {
    let query = this.q
      .selectFrom('risai_applications as a')
      .innerJoin('risai_disasters as d', 'd.id', 'a.disaster_id')
      .selectAll('a')
      .select('d.name as disaster_name');
    if (filter.disasterId) query = query.where('a.disaster_id', '=', filter.disasterId);
    if (filter.status) query = query.where('a.status', '=', filter.status);
    if (filter.district) query = query.where('a.district', '=', filter.district);
    if (!filter.incomplete) query = query.where('a.complete_at', 'is not', null);
    return query.orderBy('a.received_at').orderBy('a.id').limit(1000).execute();
  }
  async setStatus(id: string, status: RisaiStatus, grade: DamageGrade | null, at: string): Promise<void> {
    await this.q.updateTable('risai_applications').set({ status, grade, updated_at: at }).where('id', '=', id).execute();
  }
  /** Records the certificate sent to a vehicle unless it was sent already; says whether it did. */
  async markCertificateSent(id: string, jobId: string, vehicleId: string, at: string): Promise<boolean> {
    const r = await this.q
      .updateTable('risai_applications')
      .set({ print_job_id: jobId, print_vehicle_id: vehicleId, print_sent_at: at, updated_at: at })
      .where('id', '=', id)
      .where('print_job_id', 'is', null)
      .executeTakeFirst();
    return count(r.numUpdatedRows) === 1;
  }
  /** Records the handover the vehicle reported (once); says whether it did. */
  async markHandedOver(id: string, vehicleId: string, at: string): Promise<boolean> {
    const r = await this.q
      .updateTable('risai_applications')
      .set({ handed_over_at: at })
      .where('id', '=', id)
      .where('print_vehicle_id', '=', vehicleId)
      .where('handed_over_at', 'is', null)
      .executeTakeFirst();
    return count(r.numUpdatedRows) === 1;
  }
  async insertStatusEvent(applicationId: string, status: RisaiStatus, grade: DamageGrade | null, actor: string, at: string): Promise<void> {
    const last = await this.q.selectFrom('risai_status_events').select((eb) => eb.fn.max('seq').as('seq')).where('application_id', '=', applicationId).executeTakeFirst();
    await this.q.insertInto('risai_status_events').values({ application_id: applicationId, seq: count(last?.seq ?? 0) + 1, status, grade, actor, at }).execute();
  }
  async statusEvents(applicationId: string) {
    return this.q.selectFrom('risai_status_events').select(['status', 'grade', 'actor', 'at']).where('application_id', '=', applicationId).orderBy('seq').execute();
  }

  /** A photo's row, locked for the rest of the transaction on PostgreSQL. */
  async lockPhoto(id: string): Promise<RisaiPhotoRow | undefined> {
    const query = this.q.selectFrom('risai_photos').select(photoCols).where('id', '=', id);
    return (this.dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  }
  async photos(applicationId: string): Promise<RisaiPhotoRow[]> {
    return this.q.selectFrom('risai_photos').select(photoCols).where('application_id', '=', applicationId).orderBy('position').execute();
  }
  async photoData(id: string): Promise<Buffer | null> {
    const row = await this.q.selectFrom('risai_photos').select('data').where('id', '=', id).executeTakeFirst();
    return row?.data ?? null;
  }
  async receivedChunks(photoId: string): Promise<number[]> {
    const rows = await this.q.selectFrom('risai_chunks').select('idx').where('photo_id', '=', photoId).orderBy('idx').execute();
    return rows.map((r) => r.idx);
  }
  /** Writes a chunk unless it is there already; says whether it did (and counts the write on the photo). */
  async insertChunk(photoId: string, idx: number, sha256: string, data: Buffer, at: string): Promise<boolean> {
    const r = await this.q
      .insertInto('risai_chunks')
      .values({ photo_id: photoId, idx, sha256, data, received_at: at })
      .onConflict((oc) => oc.columns(['photo_id', 'idx']).doNothing())
      .executeTakeFirst();
    if (count(r.numInsertedOrUpdatedRows) === 0) return false;
    await this.q.updateTable('risai_photos').set({ chunk_writes: sql`chunk_writes + 1` }).where('id', '=', photoId).execute();
    return true;
  }
  async chunkData(photoId: string): Promise<Buffer[]> {
    const rows = await this.q.selectFrom('risai_chunks').select('data').where('photo_id', '=', photoId).orderBy('idx').execute();
    return rows.map((r) => Buffer.from(r.data));
  }
  async deleteChunks(photoId: string): Promise<void> {
    await this.q.deleteFrom('risai_chunks').where('photo_id', '=', photoId).execute();
  }
  async completePhoto(photoId: string, data: Buffer, at: string): Promise<void> {
    await this.q.updateTable('risai_photos').set({ data, complete_at: at }).where('id', '=', photoId).execute();
  }
  /** Marks the application whole when none of its photos is still missing; says whether it did now. */
  async completeApplicationIfWhole(applicationId: string, at: string): Promise<boolean> {
    const missing = await this.q
      .selectFrom('risai_photos')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('application_id', '=', applicationId)
      .where('complete_at', 'is', null)
      .executeTakeFirst();
    if (count(missing?.n as number | undefined) > 0) return false;
    const r = await this.q.updateTable('risai_applications').set({ complete_at: at, updated_at: at }).where('id', '=', applicationId).where('complete_at', 'is', null).executeTakeFirst();
    return count(r.numUpdatedRows) > 0;
  }

  /** Complete applications counted by disaster, district, status and grade. */
  async counts() {
    const rows = await this.q
      .selectFrom('risai_applications as a')
      .innerJoin('risai_disasters as d', 'd.id', 'a.disaster_id')
      .select(['a.disaster_id', 'd.name as disaster_name', 'a.district', 'a.status', 'a.grade'])
      .select((eb) => eb.fn.countAll().as('n'))
      .where('a.complete_at', 'is not', null)
      .groupBy(['a.disaster_id', 'd.name', 'a.district', 'a.status', 'a.grade'])
      .orderBy('a.disaster_id')
      .orderBy('a.district')
      .orderBy('a.status')
      .execute();
    return rows.map((r) => ({ ...r, n: count(r.n as number) }));
  }
}
