// The day's home visits at the hub: the dispatcher assigns an area's visit day to a vehicle, and the
// vehicle pulls the booked visits of its days from today (Tokyo) on. Outcomes come back through the
// vehicle's outbox (vehicle-sync.ts). Personal data leaves only in the vehicle's own answer; logs and
// the audit log carry ids and codes.
import {
  AssignmentsQuery, AssignVisitDayInput, VehicleVisitsResponse, VisitDayParams, type FinishedVisit, type VisitAssignment, type VisitForVehicle,
} from '../../protocol/visits';
import { isVisitDay, tokyoDate } from '../../protocol/visit-calendar';
import { AreaId, type SlotId, type VisitRules } from '../../protocol/visit-rules';
import type { Clock } from '../clock';
import { HubError, notFound } from '../errors';
import type { Logger } from '../../common/logger';
import type { HubStore, VisitAssignmentRow } from '../store/types';
import { toBooking } from './bookings';
import { parse } from './parse';

export interface VisitServiceOptions {
  store: HubStore;
  rules: VisitRules;
  clock: Clock;
  log: Logger;
}

const toAssignment = (r: VisitAssignmentRow): VisitAssignment => ({
  area: AreaId.parse(r.area), date: r.visitDate, vehicleId: r.vehicleId, assignedAt: r.assignedAt, assignedBy: r.assignedBy,
});

export class VisitService {
  constructor(private readonly options: VisitServiceOptions) {}

  /** Assigns an area's visit day to a vehicle; a day that had another vehicle is reassigned. */
  async assign(input: unknown, by: string): Promise<VisitAssignment> {
    const a = parse(AssignVisitDayInput, input);
    const { store, rules, clock, log } = this.options;
    const now = clock.now();
    if (!isVisitDay(rules, a.area, a.date)) {
      throw new HubError(422, 'NOT_A_VISIT_DAY', `${a.date} は${rules.areas[a.area].label}の訪問日ではありません。訪問日を選んでください。`);
    }
    if (a.date < tokyoDate(now)) throw new HubError(422, 'DAY_PASSED', `${a.date} はもう過ぎています。今日以降の訪問日を選んでください。`);
    const assignment = await store.transaction(async (tx) => {
      const vehicle = await tx.getVehicle(a.vehicleId);
      if (!vehicle) throw notFound(`車両 ${a.vehicleId} は登録されていません。車両の番号を確かめてください。`);
      if (vehicle.revokedAt) throw new HubError(422, 'REVOKED_VEHICLE', `車両 ${a.vehicleId} の証明書は失効しています。ほかの車両を選んでください。`);
      const before = await tx.getVisitAssignment(a.area, a.date);
      const at = now.toISOString();
      const row = { area: a.area, visitDate: a.date, vehicleId: a.vehicleId, assignedAt: at, assignedBy: by };
      await tx.upsertVisitAssignment(row);
      await tx.appendAudit(
        { actor: by, action: before ? 'visit_day.reassigned' : 'visit_day.assigned', place: 'hub', detail: { area: a.area, date: a.date, vehicleId: a.vehicleId, previous: before?.vehicleId ?? null } },
        at,
      );
      return toAssignment(row);
    });
    log.info({ area: a.area, date: a.date, vehicleId: a.vehicleId }, 'visit day assigned');
    return assignment;
  }

  /** The day goes back to no vehicle (its bookings stay). */
  async unassign(params: unknown, by: string): Promise<{ unassigned: true }> {
    const p = parse(VisitDayParams, params);
    const { store, clock, log } = this.options;
    await store.transaction(async (tx) => {
      const before = await tx.getVisitAssignment(p.area, p.date);
      if (!before || !(await tx.deleteVisitAssignment(p.area, p.date))) throw notFound('この訪問日には車両が割り当てられていません。一覧を更新してください。');
      await tx.appendAudit({ actor: by, action: 'visit_day.unassigned', place: 'hub', detail: { area: p.area, date: p.date, vehicleId: before.vehicleId } }, clock.now().toISOString());
    });
    log.info({ area: p.area, date: p.date }, 'visit day unassigned');
    return { unassigned: true };
  }

  async list(query: unknown): Promise<{ assignments: VisitAssignment[] }> {
    const q = parse(AssignmentsQuery, query);
    const rows = await this.options.store.transaction((tx) => tx.listVisitAssignments({ from: q.from, to: q.to }));
    return { assignments: rows.map(toAssignment) };
  }

  /**
   * A vehicle's coming visits: the booked bookings of the days assigned to it from today on. A cancelled
   * booking is not among them, so the vehicle drops it; one whose outcome the hub holds comes without
   * personal data. Each pull is audited with the booking ids only.
   */
  async forVehicle(vehicleId: string): Promise<VehicleVisitsResponse> {
    const { store, rules, clock, log } = this.options;
    const now = clock.now();
    const today = tokyoDate(now);
    const answer = await store.transaction(async (tx) => {
      const days = await tx.listVisitAssignments({ from: today, vehicleId });
      const rows = [];
      // One query at a time: a transaction is one connection.
      for (const d of days) rows.push(...(await tx.listBookings({ area: d.area, from: d.visitDate, to: d.visitDate })));
      const outcomes = new Map((await tx.getVisitOutcomes(rows.map((r) => r.id))).map((o) => [o.bookingId, o]));
      const visits: VisitForVehicle[] = [];
      const finished: FinishedVisit[] = [];
      for (const row of rows) {
        const start = rules.slots[row.slot as SlotId].start;
        const outcome = outcomes.get(row.id);
        if (outcome) {
          finished.push({ bookingId: row.id, date: row.visitDate, slot: row.slot as SlotId, start, outcome: outcome.outcome as FinishedVisit['outcome'] });
          continue;
        }
        const b = toBooking(row);
        visits.push({
          bookingId: b.id, date: b.date, slot: b.slot, start, area: b.area, district: b.district, resident: b.resident, eligibility: b.eligibility,
          coverage: b.coverage, parking: b.parking, services: b.services, notes: b.notes, status: 'booked',
        });
      }
      const order = (v: { date: string; start: string }) => `${v.date} ${v.start}`;
      visits.sort((x, y) => order(x).localeCompare(order(y)));
      await tx.appendAudit(
        { actor: vehicleId, action: 'visits.pulled', place: vehicleId, detail: { today, visits: visits.map((v) => v.bookingId).join(','), finished: finished.length } },
        now.toISOString(),
      );
      return { vehicleId, today, visits, finished };
    });
    log.info({ vehicleId, visits: answer.visits.length, finished: answer.finished.length }, 'vehicle pulled its visits');
    return VehicleVisitsResponse.parse(answer);
  }
}
