import type { HubMigration } from './types';

const table = (seq: string, strict: string) => `
  CREATE TABLE booking_notices (
    seq ${seq},
    id TEXT NOT NULL UNIQUE,
    dedupe_key TEXT NOT NULL UNIQUE,
    booking_id TEXT,
    audience TEXT NOT NULL CHECK (audience IN ('relay', 'callback')),
    kind TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'changed', 'cancelled', 'follow_up')),
    channel TEXT,
    external_id TEXT,
    message TEXT NOT NULL,
    contact TEXT,
    created_at TEXT NOT NULL,
    handled_at TEXT,
    handled_by TEXT,
    CHECK ((audience = 'relay') = (external_id IS NOT NULL)),
    CHECK ((audience = 'callback') = (contact IS NOT NULL))
  )${strict};
  CREATE INDEX booking_notices_open ON booking_notices (audience, handled_at, seq);
`;

/**
 * What the hub would say back to a resident about a home visit. A booking made in LINE (or on the
 * web) gets its confirmation, the reminder before the visit and any change as `relay` notices the
 * smartphone-city-hall relay pulls and acknowledges; a booking made by phone gets the same events as
 * `callback` items in the dispatcher's call-back list, with the resident's name and phone (`contact`,
 * JSON text: personal data, never logged). Vehicles' follow-ups join the call-back list too. A notice
 * is written in the same transaction as the change it reports, so none is lost; `dedupe_key` makes the
 * reminder job (which runs in every hub process) write each reminder once. `seq` orders the pulls.
 */
export const m006BookingNotices: HubMigration = {
  version: 6,
  name: 'booking_notices',
  sqlite: table('INTEGER PRIMARY KEY', ' STRICT'),
  postgres: table('INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY', ''),
};
