// The contract between a vehicle and the city-hall hub, over HTTPS with mutual TLS (the vehicle's
// client certificate names it). The vehicle delivers its outbox in order, each message with its
// idempotency key; the hub pushes decisions and print jobs over a WebSocket and keeps them in a
// numbered inbox the vehicle pulls on reconnect, so a vehicle that was offline misses nothing.
import { z } from 'zod';
import { IdentityRecord, RequestInput } from './request';
import { vehicleNotifiedEvents } from './workflow';
import { EntityId, Sha256Hex, VehicleId } from './ids';
import { FollowUpMessage, VisitOutcomeMessage } from './visits';
import { OutingRecordMessage } from './records';
import { RisaiApplicationMessage, RisaiHandedOverMessage } from './disaster';

export const HUB_API = {
  /** POST: a batch of outbox messages, applied in order. */
  messages: '/api/v1/vehicle/messages',
  /** GET ?after=SEQ: hub messages for this vehicle after a sequence number. */
  inbox: '/api/v1/vehicle/inbox',
  /** POST: the vehicle has processed its inbox up to a sequence number. */
  inboxAck: '/api/v1/vehicle/inbox/ack',
  /** WebSocket: hub messages pushed as they happen (same shape as the inbox). */
  socket: '/api/v1/vehicle/ws',
} as const;

export const IdempotencyKey = EntityId;
const RequestIdField = EntityId;
const Instant = z.iso.datetime({ offset: true });

/** Step 3: a whole request, as entered and checked in the vehicle. */
export const SubmitRequestMessage = z.object({
  type: z.literal('request.submit'),
  idempotencyKey: IdempotencyKey,
  requestId: RequestIdField,
  number: z.string().max(8),
  day: z.iso.date(),
  input: RequestInput,
  identity: IdentityRecord.nullable(),
  feeYen: z.number().int().min(0),
  staffId: z.string().max(32),
  sentAt: Instant,
});

/** What happened in the vehicle after relay (steps 5–7, cancellation). */
export const VehicleEventType = z.enum(vehicleNotifiedEvents);
export const RequestEventMessage = z.object({
  type: z.literal('request.event'),
  idempotencyKey: IdempotencyKey,
  requestId: RequestIdField,
  event: VehicleEventType,
  at: Instant,
  staffId: z.string().max(32).optional(),
  reason: z.string().max(200).optional(),
});

/** A spoiled or unknown-outcome certificate that staff want printed again: needs an operator. */
export const ReprintRequestMessage = z.object({
  type: z.literal('print.reprint_request'),
  idempotencyKey: IdempotencyKey,
  reprintRequestId: z.string().max(64),
  jobId: z.string().max(64),
  requestId: RequestIdField,
  reason: z.string().min(1).max(200),
  staffId: z.string().max(32),
  at: Instant,
});

export const VehicleMessage = z.discriminatedUnion('type', [SubmitRequestMessage, RequestEventMessage, ReprintRequestMessage, VisitOutcomeMessage, FollowUpMessage, OutingRecordMessage, RisaiApplicationMessage, RisaiHandedOverMessage]);
export type VehicleMessage = z.infer<typeof VehicleMessage>;

/**
 * The most one delivery carries: each HTTPS round trip and each commit on either side is paid once
 * per batch. Bounded in bytes too, well under the hub's 2 MB body limit; a vehicle that meets a hub
 * refusing its batch size (an older hub took 100) goes back to LEGACY_DELIVER_BATCH_MAX_MESSAGES.
 */
export const DELIVER_BATCH_MAX_MESSAGES = 500;
export const DELIVER_BATCH_MAX_BYTES = 1024 * 1024;
export const LEGACY_DELIVER_BATCH_MAX_MESSAGES = 100;
/** The head of the vehicle's own audit chain when it sent the batch: the hub records it in its chain (an anchor). */
export const AuditHead = z.object({ seq: z.number().int().min(0), hash: z.string().regex(/^[0-9a-f]{64}$/) });
export type AuditHead = z.infer<typeof AuditHead>;

export const DeliverBatch = z.object({ messages: z.array(z.unknown()).min(1).max(DELIVER_BATCH_MAX_MESSAGES), auditHead: AuditHead.optional() });

/**
 * The hub's answer per message, in order. `applied` and `duplicate` both mean the hub has it (a
 * duplicate gets the same answer as the first time); `rejected` means it is malformed or unknown and
 * the vehicle moves it aside instead of retrying it forever.
 */
export const DeliveryResult = z.object({
  idempotencyKey: z.string(),
  status: z.enum(['applied', 'duplicate', 'rejected']),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type DeliveryResult = z.infer<typeof DeliveryResult>;
export const DeliverResponse = z.object({ results: z.array(DeliveryResult) });
export type DeliverResponse = z.infer<typeof DeliverResponse>;

/** Step 4: an operator's decision on a relayed request. */
export const DecisionMessage = z.object({
  type: z.literal('decision'),
  requestId: RequestIdField,
  decision: z.enum(['approved', 'rejected']),
  reason: z.string().max(200).optional(),
  operatorId: z.string().max(32),
  at: Instant,
});

/** An operator's question to the vehicle staff about a request (answered by phone/video for now). */
export const QuestionMessage = z.object({
  type: z.literal('question'),
  requestId: RequestIdField,
  text: z.string().min(1).max(500),
  operatorId: z.string().max(32),
  at: Instant,
});

/**
 * A certificate to print on this vehicle's A4 printer. Signed by the hub (Ed25519 over
 * `printJobSigningInput`), so only a document the hub issued, for this vehicle, is ever printed.
 */
export const PrintJobMessage = z.object({
  type: z.literal('print_job'),
  jobId: EntityId,
  requestId: RequestIdField,
  copies: z.number().int().min(1).max(10),
  pdfBase64: z.string().max(20_000_000),
  sha256: Sha256Hex,
  reprintOf: z.string().max(64).optional(),
  /** A り災証明書 for handover at a later visit: the vehicle's application it prints (then requestId is the same id). */
  risaiApplicationId: EntityId.optional(),
  issuedAt: Instant,
  signature: z.string().max(200),
});
export type PrintJobMessage = z.infer<typeof PrintJobMessage>;

/**
 * What the print-job signature covers: the vehicle it was issued to (a job copied to another vehicle's
 * inbox does not verify there), the job, the request, the copies, the document's hash, the job it
 * reprints (a first print cannot pass for a reprint, nor the other way), and when it was issued.
 * A り災証明書's job signs v3, which adds the application: a certificate request's job (v2, unchanged)
 * cannot pass for one, nor the other way.
 */
export function printJobSigningInput(
  job: Pick<PrintJobMessage, 'jobId' | 'requestId' | 'copies' | 'sha256' | 'issuedAt' | 'reprintOf' | 'risaiApplicationId'>,
  vehicleId: string,
): string {
  const common = [vehicleId, job.jobId, job.requestId, String(job.copies), job.sha256, job.reprintOf ?? '', job.issuedAt];
  if (job.risaiApplicationId === undefined) return ['odekake-print-job-v2', ...common].join('\n');
  return ['odekake-print-job-v3', ...common, job.risaiApplicationId].join('\n');
}

export const ReprintDecisionMessage = z.object({
  type: z.literal('reprint_decision'),
  reprintRequestId: z.string().max(64),
  requestId: RequestIdField,
  approved: z.boolean(),
  operatorId: z.string().max(32),
  at: Instant,
});

export const HubMessageBody = z.discriminatedUnion('type', [DecisionMessage, QuestionMessage, PrintJobMessage, ReprintDecisionMessage]);
export type HubMessageBody = z.infer<typeof HubMessageBody>;

/** Every hub→vehicle message carries the vehicle's inbox sequence number; the vehicle applies each once. */
export const HubEnvelope = z.object({ seq: z.number().int().positive(), body: z.unknown() });
export type HubEnvelope = z.infer<typeof HubEnvelope>;
export const InboxResponse = z.object({ messages: z.array(HubEnvelope), latestSeq: z.number().int().min(0) });
export const InboxAck = z.object({ upTo: z.number().int().min(0) });

/** Stable error codes of the vehicle API, with Japanese messages for staff and admins. */
export const hubErrorMessages = {
  UNKNOWN_VEHICLE: 'この車両は市役所に登録されていません。管理者に連絡してください。',
  REVOKED_VEHICLE: 'この車両の証明書は失効しています。管理者に連絡してください。',
  MALFORMED_MESSAGE: '市役所が読めない形式のデータです。管理者が確認します。',
  UNKNOWN_MESSAGE_TYPE: '市役所が知らない種類のデータです。端末の更新が必要かもしれません。',
  UNKNOWN_REQUEST: '市役所に届いていない受付についての連絡です。管理者が確認します。',
  ILLEGAL_EVENT: 'この受付の今の段階ではできない連絡です。管理者が確認します。',
  UNKNOWN_VISIT: 'この車両に割り当てられていない訪問についての連絡です。配車担当が確認します。',
} as const;

/**
 * The folder `odekake vehicle enroll` writes for one vehicle: its client certificate and key (mutual
 * TLS), the hub's CA certificate (to trust the hub) and the hub's Ed25519 print-signing public key
 * (to verify print jobs), described by `enrollment.json`.
 */
export const VEHICLE_ENROLLMENT_FILES = {
  manifest: 'enrollment.json',
  cert: 'vehicle.crt',
  key: 'vehicle.key',
  ca: 'hub-ca.crt',
  printSigningKey: 'print-signing.pub',
} as const;

export const EnrollmentManifest = z.object({
  vehicleId: VehicleId,
  hubUrl: z.string().nullable(),
  issuedAt: Instant,
  certificateFingerprint: z.string(),
  files: z.object({ cert: z.string(), key: z.string(), ca: z.string(), printSigningKey: z.string() }),
});
export type EnrollmentManifest = z.infer<typeof EnrollmentManifest>;

/**
 * マイナ保険証紐付け (health-insurance linking), online only: the hub gives a one-time challenge, the
 * resident's card signs it with the user-authentication key after its PIN, and the hub verifies the
 * signature and the certificate chain before forwarding the link through its insurance adapter. The
 * vehicle never stores the signature.
 */
export const INSURANCE_LINK_API = {
  challenge: '/api/v1/vehicle/insurance-link/challenge',
  complete: '/api/v1/vehicle/insurance-link/complete',
} as const;

export const LinkChallengeResponse = z.object({
  challengeId: EntityId,
  /** base64 of 32 random bytes; the card signs SHA-256 DigestInfo of these bytes (RSASSA-PKCS1-v1_5). */
  challenge: z.string().max(100),
  expiresAt: Instant,
});
export type LinkChallengeResponse = z.infer<typeof LinkChallengeResponse>;

/** The health-insurance card being linked (資格確認書・保険証の記号番号), typed by staff. */
export const InsuranceCardInput = z.object({
  insurerNumber: z.string().regex(/^\d{6}$|^\d{8}$/, { error: '保険者番号は6けたか8けたの数字です。' }),
  symbol: z.string().max(20).optional(),
  number: z.string().min(1, { error: '被保険者番号を入力してください。' }).max(20),
  branch: z.string().regex(/^\d{2}$/, { error: '枝番は2けたの数字です。' }).optional(),
});
export type InsuranceCardInput = z.infer<typeof InsuranceCardInput>;

export const LinkCompleteRequest = z.object({
  challengeId: EntityId,
  /** base64 RSASSA-PKCS1-v1_5 SHA-256 signature by the card's user-authentication key. */
  signature: z.string().max(1024),
  /** base64 DER of the card's user-authentication certificate. */
  certificate: z.string().max(8192),
  insurance: InsuranceCardInput,
  staffId: z.string().max(32),
});
export type LinkCompleteRequest = z.infer<typeof LinkCompleteRequest>;

export const LinkCompleteResponse = z.object({ status: z.literal('linked'), linkId: z.string(), linkedAt: Instant });
export type LinkCompleteResponse = z.infer<typeof LinkCompleteResponse>;

/** Codes the hub answers a refused link with (4xx), each with a Japanese message for staff. */
export const linkErrorMessages = {
  CHALLENGE_UNKNOWN: '確認用の番号が見つかりません。もう一度やり直してください。',
  CHALLENGE_EXPIRED: '確認の時間が過ぎました。もう一度やり直してください。',
  CHALLENGE_USED: 'この確認はもう使われています。もう一度やり直してください。',
  BAD_SIGNATURE: 'カードの電子署名を確かめられませんでした。もう一度やり直してください。',
  CERT_CHAIN_INVALID: 'カードの電子証明書を確かめられませんでした。有効期限が切れているかもしれません。市役所の窓口にご案内ください。',
  LINK_REFUSED: '保険の資格が確認できませんでした。保険証の記号・番号を確かめてください。',
} as const;
