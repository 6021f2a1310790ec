import { m001Initial } from './001_initial';
import { m002DecisionsPrint } from './002_decisions_print';
import { m003InsuranceLink } from './003_insurance_link';
import { m004Consultations } from './004_consultations';
import { m005Bookings } from './005_bookings';
import { m006BookingNotices } from './006_booking_notices';
import { m007IntakeKeys } from './007_intake_keys';
import { m008Visits } from './008_visits';
import { m009Records } from './009_records';
import { m010DailyCloses } from './010_daily_closes';
import { m011PlanningRole } from './011_planning_role';
import { m012AuditCheckpoints } from './012_audit_checkpoints';
import { m013Risai } from './013_risai';
import { m014RisaiPrint } from './014_risai_print';
import { m015RisaiCounted } from './015_risai_counted';
import type { HubMigration } from './types';

export type { HubMigration };

/** Every migration, in order. Add new ones at the end with the next number; never edit a shipped one. */
export const hubMigrations: readonly HubMigration[] = [
  m001Initial, m002DecisionsPrint, m003InsuranceLink, m004Consultations, m005Bookings, m006BookingNotices, m007IntakeKeys, m008Visits, m009Records, m010DailyCloses,
  m011PlanningRole, m012AuditCheckpoints, m013Risai, m014RisaiPrint, m015RisaiCounted,
];
