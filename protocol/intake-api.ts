// The booking intake API the hub publishes for the smartphone-city-hall system's relay (bookings made
// in the city's LINE account, スマホ市役所). Each call is signed with an intake key the way LINE signs its
// own webhooks: base64(HMAC-SHA256(SECRET, M)), M the raw body bytes of a POST and the path with its
// query string of a GET. The OpenAPI document (docs/intake-api.openapi.json) describes the same paths.
import { z } from 'zod';
import { BookingInput } from './bookings';

export const INTAKE_API = {
  /** GET ?area=&from=&to=: every date of the range with its slots free, booked or closed. */
  availability: '/api/v1/bookings/availability',
  /** POST: a booking (201 created, 200 the same externalId again). */
  bookings: '/api/v1/bookings',
  /** GET ?channel=: a booking by the relay's own id. */
  booking: '/api/v1/bookings/:externalId',
  /** GET ?after=&limit=: the notices for residents not yet acknowledged, oldest first. */
  notices: '/api/v1/notices',
  /** POST { ids }: the relay has passed these notices on. */
  noticesAck: '/api/v1/notices/ack',
  /** The OpenAPI document of this API (no signature). */
  openapi: '/api/v1/openapi.json',
} as const;

/** Header names as Node gives them (lowercase); HTTP header names are case-insensitive. */
export const INTAKE_HEADERS = {
  key: 'x-odekake-key',
  signature: 'x-odekake-signature',
} as const;

/** An intake key's id: `ik-` and 16 lowercase hex digits. */
export const INTAKE_KEY_ID_PATTERN = /^ik-[0-9a-f]{16}$/;
export const IntakeKeyId = z.string().regex(INTAKE_KEY_ID_PATTERN, { error: '受付キーの番号は ik- で始まる19文字です。' });

/** A name for people: which relay holds the key (e.g. 「スマホ市役所 中継」). */
export const IntakeKeyName = z
  .string({ error: '受付キーの名前を入力してください。' })
  .trim()
  .min(1, { error: '受付キーの名前を入力してください。' })
  .max(100, { error: '受付キーの名前は100文字以内で入力してください。' });

/** The relay's own id of a booking, as it booked it. */
export const ExternalIdParam = z.object({ externalId: BookingInput.shape.externalId });

/** The channels a relay books through; a phone booking is the dispatcher's and is not read back here. */
export const RelayChannelQuery = z.object({
  channel: z.enum(['line', 'web'], { error: '受付経路 (channel) は line か web です。' }),
});

/** The most notices one pull answers (the hub's own page bound is the ceiling). */
export const MAX_NOTICES_PER_PULL = 200;

export const NoticesQuery = z.object({
  // Bounded as the seq column is (a 32-bit integer on PostgreSQL).
  after: z.coerce
    .number({ error: 'after は0以上の整数です。' })
    .int({ error: 'after は0以上の整数です。' })
    .min(0, { error: 'after は0以上の整数です。' })
    .max(2_147_483_647, { error: 'after が大きすぎます。' })
    .default(0),
  limit: z.coerce
    .number({ error: `limit は1から${MAX_NOTICES_PER_PULL}までの整数です。` })
    .int({ error: `limit は1から${MAX_NOTICES_PER_PULL}までの整数です。` })
    .min(1, { error: `limit は1から${MAX_NOTICES_PER_PULL}までの整数です。` })
    .max(MAX_NOTICES_PER_PULL, { error: `limit は1から${MAX_NOTICES_PER_PULL}までの整数です。` })
    .default(50),
});

/** Why an intake call was refused before it was read (401). */
export const intakeAuthMessages = {
  INTAKE_SIGNATURE_MISSING: 'X-Odekake-Key と X-Odekake-Signature の両方を付けて送ってください。',
  INTAKE_KEY_UNKNOWN: 'この受付キーは市役所ハブに登録されていません。市役所の管理者に確認してください。',
  INTAKE_KEY_REVOKED: 'この受付キーは失効しています。市役所の管理者から新しいキーを受け取ってください。',
  INTAKE_SIGNATURE_INVALID: '署名が正しくありません。送る内容そのもの (POST は本文、GET はパスと問い合わせ文字列) に受付キーの秘密鍵で署名してください。',
} as const;
export type IntakeAuthCode = keyof typeof intakeAuthMessages;
