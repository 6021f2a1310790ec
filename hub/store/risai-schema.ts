// The り災証明書 tables (migration 013) as Kysely sees them.
import type { Generated } from 'kysely';
import type { DamageGrade, DisasterKind, RisaiStatus, SurveyWish } from '../../protocol/disaster';

export interface RisaiDisastersTable {
  id: string;
  name: string;
  kind: DisasterKind;
  date: string;
  area: string;
  self_assessment: number;
  created_at: string;
  created_by: string;
}

export interface RisaiApplicationsTable {
  id: string;
  vehicle_id: string;
  number: string;
  disaster_id: string;
  district: string;
  survey: SurveyWish;
  /** The application as entered (JSON; personal data, like a request's input). */
  input: string;
  status: RisaiStatus;
  grade: DamageGrade | null;
  photo_count: number;
  complete_at: string | null;
  staff_id: string;
  taken_at: string;
  received_at: string;
  updated_at: string;
  /** The print job that sent the certificate to a vehicle's printer (migration 014), once. */
  print_job_id?: string | null;
  print_vehicle_id?: string | null;
  print_sent_at?: string | null;
  /** When the vehicle recorded the certificate handed over. */
  handed_over_at?: string | null;
}

export interface RisaiPhotosTable {
  id: string;
  application_id: string;
  position: number;
  taken_at: string;
  bytes: number;
  sha256: string;
  width: number;
  height: number;
  chunks: number;
  chunk_writes: Generated<number>;
  data: Buffer | null;
  complete_at: string | null;
}

export interface RisaiChunksTable {
  photo_id: string;
  idx: number;
  sha256: string;
  data: Buffer;
  received_at: string;
}

export interface RisaiStatusEventsTable {
  application_id: string;
  seq: number;
  status: RisaiStatus;
  grade: DamageGrade | null;
  actor: string;
  at: string;
}

export interface RisaiTables {
  risai_disasters: RisaiDisastersTable;
  risai_applications: RisaiApplicationsTable;
  risai_photos: RisaiPhotosTable;
  risai_chunks: RisaiChunksTable;
  risai_status_events: RisaiStatusEventsTable;
}
