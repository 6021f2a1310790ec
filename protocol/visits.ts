// The day's home visits (本日の訪問): the dispatcher assigns an area's visit day to a vehicle, the vehicle
// pulls its coming visits (everything the staff need at the door), works them offline, and reports each
// visit's outcome back through its outbox. Shared by the hub, the terminal core and the screens.
import { z } from 'zod';
import { holdsNoMyNumber, MY_NUMBER_IN_TEXT } from './my-number';
import { BookingResident, Eligibility, WantedService, YesNoUnknown } from './bookings';
import { EntityId, StaffId, VehicleId } from './ids';
import { visitOutcomeLabel } from './labels';
import { foldWidth, type RequestInput } from './request';
import { AreaId, CalendarDate, SlotId } from './visit-rules';

export const VISITS_API = {
  /** GET (vehicle, mutual TLS): this vehicle's coming visits, from today (Tokyo) on. */
  vehicle: '/api/v1/vehicle/visits',
  /** POST { area, date, vehicleId } (dispatcher, CSRF): assigns or reassigns an area's visit day; GET ?from&to lists them. */
  assignments: '/api/v1/console/visits/assignments',
  /** DELETE (dispatcher, CSRF): the visit day goes back to no vehicle. */
  assignment: '/api/v1/console/visits/assignments/:area/:date',
} as const;

/** How a visit ended: 完了, ご不在, 延期, 取消. */
export const VISIT_OUTCOMES = ['done', 'absent', 'postponed', 'cancelled'] as const;
export const VisitOutcome = z.enum(VISIT_OUTCOMES, { error: '訪問の結果（完了・ご不在・延期・取消）を選んでください。' });
export type VisitOutcome = z.infer<typeof VisitOutcome>;


/** Every outcome but 完了 says why (the dispatcher calls the resident back with it). */
export const outcomeNeedsReason = (outcome: VisitOutcome): boolean => outcome !== 'done';

const Reason = z.preprocess(foldWidth, z.string().max(200, { error: '理由は200文字以内で入力してください。' }).refine(holdsNoMyNumber, { error: MY_NUMBER_IN_TEXT }));

/** What staff record at the door. */
export const VisitOutcomeInput = z
  .object({ bookingId: EntityId, outcome: VisitOutcome, reason: Reason.optional() })
  .superRefine((v, ctx) => {
    if (outcomeNeedsReason(v.outcome) && !v.reason) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `「${visitOutcomeLabel[v.outcome]}」の理由を入力してください。` });
    }
  });
export type VisitOutcomeInput = z.infer<typeof VisitOutcomeInput>;

/** The dispatcher's assignment of an area's visit day to a vehicle. */
export const AssignVisitDayInput = z.object({ area: AreaId, date: CalendarDate, vehicleId: VehicleId });
export type AssignVisitDayInput = z.infer<typeof AssignVisitDayInput>;
export const VisitDayParams = z.object({ area: AreaId, date: CalendarDate });
export const AssignmentsQuery = z.object({ from: CalendarDate, to: CalendarDate });

export const VisitAssignment = z.object({ area: AreaId, date: CalendarDate, vehicleId: VehicleId, assignedAt: z.string(), assignedBy: z.string() });
export type VisitAssignment = z.infer<typeof VisitAssignment>;

const HourMinute = z.string().regex(/^\d{2}:\d{2}$/);

/** One booked visit as the vehicle receives it: personal data, kept sealed on the vehicle until the hub holds its outcome. */
export const VisitForVehicle = z.object({
  bookingId: EntityId,
  date: CalendarDate,
  slot: SlotId,
  start: HourMinute,
  area: AreaId,
  district: z.string().max(40),
  resident: BookingResident,
  eligibility: Eligibility,
  coverage: YesNoUnknown,
  parking: YesNoUnknown,
  services: z.array(WantedService).min(1).max(10),
  notes: z.string().max(500).nullable(),
  status: z.literal('booked'),
});
export type VisitForVehicle = z.infer<typeof VisitForVehicle>;

/** A visit of an assigned day whose outcome the hub already holds: no personal data. */
export const FinishedVisit = z.object({ bookingId: EntityId, date: CalendarDate, slot: SlotId, start: HourMinute, outcome: VisitOutcome });
export type FinishedVisit = z.infer<typeof FinishedVisit>;

export const VehicleVisitsResponse = z.object({
  vehicleId: VehicleId,
  /** The hub's Tokyo date: visits from this day on. */
  today: CalendarDate,
  visits: z.array(VisitForVehicle).max(500),
  finished: z.array(FinishedVisit).max(500),
});
export type VehicleVisitsResponse = z.infer<typeof VehicleVisitsResponse>;

/** A visit's outcome, vehicle → hub through the outbox; applied once per idempotency key, first outcome wins. */
export const VisitOutcomeMessage = z.object({
  type: z.literal('visit_outcome'),
  idempotencyKey: EntityId,
  bookingId: EntityId,
  outcome: VisitOutcome,
  reason: z.string().max(200).nullable(),
  staffId: StaffId,
  /** When staff recorded it (the vehicle's clock). */
  recordedAt: z.iso.datetime({ offset: true }),
});
export type VisitOutcomeMessage = z.infer<typeof VisitOutcomeMessage>;

/** A next-visit task (a link that needed the network) for the dispatcher's call-back list. Personal: never logged. */
export const FollowUpMessage = z.object({
  type: z.literal('follow_up'),
  idempotencyKey: EntityId,
  taskId: EntityId,
  kind: z.literal('insurance_link'),
  name: z.string().min(1).max(60),
  phone: z.string().regex(/^0\d{9,10}$/),
  staffId: StaffId,
  createdAt: z.iso.datetime({ offset: true }),
});
export type FollowUpMessage = z.infer<typeof FollowUpMessage>;

/** A visit as the staff screen shows it. Personal fields are null once the hub holds the outcome (purged). */
export const VisitView = z.object({
  bookingId: z.string(),
  date: z.string(),
  slot: SlotId,
  start: z.string(),
  status: z.enum(['planned', 'open', ...VISIT_OUTCOMES]),
  /** The outcome waits in the outbox (not yet at city hall). */
  outcomePending: z.boolean(),
  booking: VisitForVehicle.omit({ status: true }).nullable(),
  outcomeReason: z.string().nullable(),
  /** Certificate requests created when the visit was opened. */
  requestIds: z.array(z.string()),
});
export type VisitView = z.infer<typeof VisitView>;

export const VisitDay = z.object({
  /** The vehicle's Tokyo date. */
  today: z.string(),
  visits: z.array(VisitView),
  lastPulledAt: z.string().nullable(),
  /** Whether city hall is reachable right now. */
  online: z.boolean(),
});
export type VisitDay = z.infer<typeof VisitDay>;

/**
 * The certificate requests a visit's booking asks for, pre-filled for 書かない窓口: the resident asks for
 * themself; the card read then confirms the person fields. A tax certificate is for the fiscal year
 * of the visit (April–March), which staff check with the resident.
 */
export function requestsFromBooking(booking: Pick<VisitForVehicle, 'resident' | 'services' | 'date'>): RequestInput[] {
  const { name, kana, birthDate, address } = booking.resident;
  const [year, month] = booking.date.split('-').map(Number) as [number, number];
  const fiscalYear = month >= 4 ? year : year - 1;
  return booking.services.flatMap((s): RequestInput[] => {
    if (s.type !== 'certificate') return [];
    const tax = s.kind === 'shotoku_kazei' || s.kind === 'nozei' || s.kind === 'kotei_shisan_hyoka';
    return [
      {
        kind: s.kind,
        copies: s.copies,
        // 住民票 without options in the booking: the resident's own entry, nothing extra (staff ask at the door).
        ...(s.kind === 'juminhyo' ? { juminhyo: s.juminhyo ?? { scope: 'partial', includeHonseki: false, includeZokugara: false, showMyNumber: false } } : {}),
        ...(tax ? { fiscalYear } : {}),
        subject: { name, kana, birthDate, address },
        requester: { relation: 'self', letterOfProxy: false },
      },
    ];
  });
}
