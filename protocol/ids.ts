// Id formats, declared once: every schema, route parameter and check that takes an id uses these.
import { z } from 'zod';

/** What common/ids.ts generates, and what a vehicle generates for its own records: requests, print jobs, calls, challenges, idempotency keys. */
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
/** A vehicle's id, also its client certificate's common name. */
export const VEHICLE_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** A person's 職員番号: vehicle staff and city-hall operators alike. */
export const STAFF_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** A SHA-256 digest in lowercase hex. */
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;

/** An entity id; `message` is the Japanese text a person sees when the id is theirs to fix. */
export const entityId = (message?: string) => z.string().regex(ENTITY_ID_PATTERN, message ? { error: message } : undefined);
export const EntityId = entityId();
export const VehicleId = z.string().regex(VEHICLE_ID_PATTERN, { error: '車両の番号は半角英数字32文字以内です。' });
export const StaffId = z.string().regex(STAFF_ID_PATTERN, { error: '職員番号は半角英数字32文字以内です。' });
export const Sha256Hex = z.string().regex(SHA256_HEX_PATTERN);

export { HOST_TOKEN_PROTOCOL_PREFIX, HOST_WS_PROTOCOL } from './host-bridge';
