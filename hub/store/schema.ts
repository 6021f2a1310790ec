// The hub's tables as Kysely sees them: column names as stored (snake_case), column types as both
// dialects return them. Timestamps are ISO strings (TEXT) on both, so the two stores give the same
// values; `operators.active` is 0/1 on both and becomes a boolean in the store's one row mapper.
import type { Generated } from 'kysely';
import type { CertificateKind, RequestStep } from '../../protocol/domain';
import type { OperatorRole, ReprintStatus } from './types';
import type { RisaiTables } from './risai-schema';

export interface VehiclesTable {
  id: string;
  enrolled_at: string;
  enrolled_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
  inbox_acked_seq: Generated<number>;
}

export interface VehicleCertificatesTable {
  fingerprint: string;
  vehicle_id: string;
  serial: string;
  not_after: string;
  issued_at: string;
  revoked_at: string | null;
}

export interface OperatorsTable {
  id: string;
  display_name: string;
  role: OperatorRole;
  password_hash: string;
  active: Generated<number>;
  created_at: string;
}

export interface SessionsTable {
  token_hash: string;
  operator_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface RequestsTable {
  id: string;
  vehicle_id: string;
  number: string;
  day: string;
  kind: CertificateKind;
  copies: number;
  fee_yen: number;
  step: RequestStep;
  input: string;
  identity: string | null;
  staff_id: string;
  sent_at: string;
  received_at: string;
  updated_at: string;
}

export interface RequestEventsTable {
  id: Generated<number>;
  request_id: string;
  event: string;
  step: RequestStep;
  actor: string;
  at: string;
  reason: string | null;
}

export interface AppliedMessagesTable {
  vehicle_id: string;
  idempotency_key: string;
  message_type: string;
  result: string;
  applied_at: string;
}

export interface InboxTable {
  vehicle_id: string;
  seq: number;
  type: string;
  body: string;
  created_at: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  request_id: string | null;
  place: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface AuditCheckpointsTable {
  seq: number;
  hash: string;
  at: string;
  signature: string;
}

export interface DecisionsTable {
  request_id: string;
  decision: 'approved' | 'rejected';
  reason: string | null;
  operator_id: string;
  decided_at: string;
}

export interface QuestionsTable {
  id: string;
  request_id: string;
  text: string;
  operator_id: string;
  asked_at: string;
}

export interface DocumentsTable {
  id: string;
  request_id: string;
  kind: CertificateKind;
  serial: string;
  verification_code: string;
  /** BLOB on SQLite, BYTEA on PostgreSQL: both drivers return a Buffer (a Uint8Array). */
  pdf: Uint8Array;
  sha256: string;
  issued_at: string;
  issued_by: string;
}

export interface PrintJobsTable {
  id: string;
  request_id: string;
  vehicle_id: string;
  document_id: string;
  copies: number;
  sha256: string;
  signature: string;
  reprint_of: string | null;
  inbox_seq: number;
  issued_at: string;
  issued_by: string;
}

export interface ReprintRequestsTable {
  id: string;
  vehicle_id: string;
  job_id: string;
  request_id: string;
  reason: string;
  staff_id: string;
  requested_at: string;
  received_at: string;
  status: ReprintStatus;
  decided_by: string | null;
  decided_at: string | null;
  new_job_id: string | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  vehicle_id: string;
  idempotency_key: string | null;
  code: string;
  problem: string;
  payload: string;
  received_at: string;
}

export interface InsuranceLinkChallengesTable {
  id: string;
  vehicle_id: string;
  challenge: Uint8Array;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  outcome: string | null;
}

export interface InsuranceLinksTable {
  id: string;
  vehicle_id: string;
  staff_id: string;
  certificate_serial: string;
  certificate_subject: string;
  insurer_number: string;
  symbol: string | null;
  number: string;
  branch: string | null;
  linked_at: string;
}

export interface ConsultationsTable {
  id: string;
  vehicle_id: string;
  staff_id: string;
  department: string;
  consultant_id: string | null;
  called_at: string;
  connected_at: string | null;
  ended_at: string | null;
  outcome: string | null;
  notes: string | null;
  notes_updated_at: string | null;
}

export interface BookingNoticesTable {
  seq: Generated<number>;
  id: string;
  dedupe_key: string;
  booking_id: string | null;
  audience: string;
  kind: string;
  channel: string | null;
  external_id: string | null;
  /** The Japanese text for the resident (dates and times, never a name). */
  message: string;
  /** JSON text: the name and phone to call back (call-back items only). */
  contact: string | null;
  created_at: string;
  handled_at: string | null;
  handled_by: string | null;
}

export interface BookingsTable {
  id: string;
  external_id: string;
  channel: string;
  area: string;
  district: string;
  visit_date: string;
  slot: string;
  /** JSON text: the resident's name, kana, birth date, address, phone. */
  resident: string;
  /** JSON text: the reasons coming to city hall is hard, and a note. */
  eligibility: string;
  coverage: string;
  parking: string;
  /** JSON text: what the resident wants done at home. */
  services: string;
  notes: string | null;
  status: string;
  cancel_reason: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface VisitAssignmentsTable {
  area: string;
  visit_date: string;
  vehicle_id: string;
  assigned_at: string;
  assigned_by: string;
}

export interface VisitOutcomesTable {
  booking_id: string;
  vehicle_id: string;
  outcome: string;
  /** Personal (the resident's circumstances): never logged. */
  reason: string | null;
  staff_id: string;
  recorded_at: string;
  received_at: string;
}

export interface IntakeKeysTable {
  id: string;
  name: string;
  /** The HMAC key the relay signs with: kept here only, never logged. */
  secret: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** Every hub table. */
/** An outing (運行) a vehicle ran, or one imported; no personal data. */
export interface OutingsTable {
  id: string;
  vehicle_id: string | null;
  source: 'vehicle' | 'import';
  date: string | null;
  fiscal_year: number;
  month: string | null;
  kind: string;
  place: string | null;
  /** JSON array of staff ids. */
  staff: string;
  started_at: string | null;
  ended_at: string | null;
  explained: number;
  received_at: string;
}

/** One service one person received during an outing: a person number, never who they were. */
export interface OutingServicesTable {
  outing_id: string;
  person_no: number;
  service: string;
  /** Consultation departments, comma-separated, or null. */
  department: string | null;
  month: string;
  kind: string;
  /** '' where the outing names no place. */
  place: string;
  /** 1 on one row per person: 計 is the sum. */
  counts_person: number;
}

export interface OutingSalesTable {
  outing_id: string;
  line_no: number;
  item: string;
  unit_yen: number;
  quantity: number;
}

/** A row of the city's earlier tables as imported: NULL is the printed 「-」. */
export interface ImportedRecordsTable {
  id: Generated<number>;
  fiscal_year: number;
  month: string | null;
  kind: string;
  /** '' where the kind has no place. */
  place: string;
  outings: number;
  certificate: number | null;
  mynumber_card: number | null;
  garbage_ticket: number | null;
  consultation: number | null;
  frailty: number | null;
  smartphone: number | null;
  people: number | null;
  explained: number | null;
  line_no: number;
  file_sha256: string;
  imported_at: string;
  imported_by: string;
}

/** An outing's daily close (日計表), as the vehicle sent it inside the outing record. */
export interface DailyClosesTable {
  outing_id: string;
  vehicle_id: string;
  date: string;
  month: string;
  closed_at: string;
  closed_by: string;
  fees_yen: number;
  goods_yen: number;
  refunds_yen: number;
  expected_yen: number;
  counted_yen: number;
  difference_yen: number;
  reason: string | null;
  /** JSON: pieces per denomination. */
  counted: string;
  /** JSON: per cashless method, recorded against the payment terminal's total. */
  cashless: string;
  received_at: string;
}

/** One money line of a close: amounts, kind and method only. */
export interface DailyCloseLinesTable {
  outing_id: string;
  line_no: number;
  month: string;
  kind: string;
  item: string;
  quantity: number;
  method: string;
  amount_yen: number;
}

export interface HubDatabase extends RisaiTables {
  vehicles: VehiclesTable;
  vehicle_certificates: VehicleCertificatesTable;
  operators: OperatorsTable;
  sessions: SessionsTable;
  requests: RequestsTable;
  request_events: RequestEventsTable;
  applied_messages: AppliedMessagesTable;
  inbox: InboxTable;
  audit_log: AuditLogTable;
  audit_checkpoints: AuditCheckpointsTable;
  decisions: DecisionsTable;
  questions: QuestionsTable;
  documents: DocumentsTable;
  print_jobs: PrintJobsTable;
  reprint_requests: ReprintRequestsTable;
  dead_letters: DeadLettersTable;
  insurance_link_challenges: InsuranceLinkChallengesTable;
  insurance_links: InsuranceLinksTable;
  consultations: ConsultationsTable;
  bookings: BookingsTable;
  visit_assignments: VisitAssignmentsTable;
  visit_outcomes: VisitOutcomesTable;
  booking_notices: BookingNoticesTable;
  intake_keys: IntakeKeysTable;
  outings: OutingsTable;
  outing_services: OutingServicesTable;
  outing_sales: OutingSalesTable;
  imported_records: ImportedRecordsTable;
  daily_closes: DailyClosesTable;
  daily_close_lines: DailyCloseLinesTable;
}

export type Dialect = 'sqlite' | 'postgres';
