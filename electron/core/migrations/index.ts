import { m001Initial } from './001_initial';
import { m002PrintJobs } from './002_print_jobs';
import { m003Sync } from './003_sync';
import { m004NextVisit } from './004_next_visit';
import { m005HomeVisits } from './005_home_visits';
import { m006Outings } from './006_outings';
import { m007DailyClose } from './007_daily_close';
import { m008StaffLockout } from './008_staff_lockout';
import { m009Risai } from './009_risai';
import { m010RisaiCertificate } from './010_risai_certificate';
import { m011RisaiCounted } from './011_risai_counted';
import type { Migration } from './types';

export type { Migration };

/** Every migration, in order. Add new ones at the end with the next number; never edit a shipped one. */
export const migrations: readonly Migration[] = [m001Initial, m002PrintJobs, m003Sync, m004NextVisit, m005HomeVisits, m006Outings, m007DailyClose, m008StaffLockout, m009Risai, m010RisaiCertificate, m011RisaiCounted];
