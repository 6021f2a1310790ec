import type { Migration } from './types';

/**
 * Failed staff sign-ins, kept in the database: restarting the terminal no longer clears a lockout
 * (five wrong PINs → five minutes). Only the staff id, a count and until when.
 */
export const m008StaffLockout: Migration = {
  version: 8,
  name: 'staff_lockout',
  up(db) {
    db.exec(`
      CREATE TABLE staff_sign_in_failures (
        staff_id TEXT PRIMARY KEY,
        count INTEGER NOT NULL CHECK (count >= 0),
        until_ms INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
