import type { Migration } from './types';

/**
 * A り災証明書 city hall sent to this vehicle's certificate printer for handover at a later visit: the
 * print job (one per application), when it printed, and when and by whom it was handed over.
 */
export const m010RisaiCertificate: Migration = {
  version: 10,
  name: 'risai_certificate',
  up(db) {
    db.exec(`
      ALTER TABLE risai_applications ADD COLUMN certificate_job_id TEXT;
      ALTER TABLE risai_applications ADD COLUMN certificate_printed_at TEXT;
      ALTER TABLE risai_applications ADD COLUMN certificate_handed_over_at TEXT;
      ALTER TABLE risai_applications ADD COLUMN certificate_handed_over_by TEXT;
      CREATE UNIQUE INDEX risai_applications_certificate_job ON risai_applications (certificate_job_id) WHERE certificate_job_id IS NOT NULL;
    `);
  },
};
