import type { HubMigration } from './types';

// A り災証明書 sent to a vehicle's certificate printer for handover at a later visit: the print job,
// the vehicle, when it was sent and when the vehicle recorded the handover. Sent once per application.
const columns = `
  ALTER TABLE risai_applications ADD COLUMN print_job_id TEXT;
  ALTER TABLE risai_applications ADD COLUMN print_vehicle_id TEXT;
  ALTER TABLE risai_applications ADD COLUMN print_sent_at TEXT;
  ALTER TABLE risai_applications ADD COLUMN handed_over_at TEXT;
`;

export const m014RisaiPrint: HubMigration = {
  version: 14,
  name: 'risai_print',
  sqlite: columns,
  postgres: columns,
};
