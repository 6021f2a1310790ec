// The dispatcher's console (配車担当): the week calendar of home visits, bookings taken by phone,
// changes and cancellations with a reason, and the call-back list. Same session cookie and CSRF token
// as every console route; dispatchers and admins only.
import type { FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Logger } from '../../common/logger';
import type { BookingChangeOutcome, BookingOutcome } from '../../protocol/bookings';
import { BookingChangeInput } from '../../protocol/bookings';
import {
  BookingIdParam, BookingRangeQuery, CallbackIdParam, CancelBookingInput, CONSOLE_API, PhoneBookingInput,
  type ConsoleRole, type ConsoleSession, type DispatchAvailabilityView, type DispatchBookedView, type DispatchRulesView,
} from '../../protocol/console';
import { tokyoDate } from '../../protocol/visit-calendar';
import { VisitOutcome } from '../../protocol/visits';
import type { VisitRules } from '../../protocol/visit-rules';
import type { Clock } from '../clock';
import type { HubStore } from '../store/types';
import type { BookingService } from './bookings';
import { parse } from './parse';

export interface DispatchRoutesDeps {
  bookings: BookingService;
  rules: VisitRules;
  clock: Clock;
  store: HubStore;
  /** The console's session check (cookie, CSRF unless `csrf: false`, role). */
  operator(req: FastifyRequest, roles: readonly ConsoleRole[], opts?: { csrf: boolean }): Promise<ConsoleSession>;
  place(req: FastifyRequest): string;
}

const dispatchers: readonly ConsoleRole[] = ['dispatcher', 'admin'];

/** A refusal keeps the intake API's statuses: 409 for a slot someone holds, 422 for a rule of the calendar. */
function answer(reply: FastifyReply, outcome: BookingOutcome | BookingChangeOutcome) {
  if (outcome.status === 'refused') {
    const { status: _status, ...refusal } = outcome;
    return reply.code(outcome.code === 'SLOT_TAKEN' ? 409 : 422).send(refusal);
  }
  return reply.code(outcome.status === 'created' ? 201 : 200).send({ booking: outcome.booking });
}

export function registerDispatchRoutes(app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>, deps: DispatchRoutesDeps): void {
  const { bookings, rules, clock, store, operator, place } = deps;
  const hubNow = () => {
    const now = clock.now();
    return { now: now.toISOString(), today: tokyoDate(now) };
  };
  /** Opening a resident's booking is an action on personal data: it leaves an audit record. */
  const audit = (s: ConsoleSession, req: FastifyRequest, action: string, detail: Record<string, string>) =>
    store.transaction((tx) => tx.appendAudit({ actor: s.operatorId, action, place: place(req), detail }, clock.now().toISOString()));

  app.get(CONSOLE_API.bookings.rules, async (req): Promise<DispatchRulesView> => {
    await operator(req, dispatchers, { csrf: false });
    return { rules, ...hubNow() };
  });

  app.get(CONSOLE_API.bookings.availability, async (req): Promise<DispatchAvailabilityView> => {
    await operator(req, dispatchers, { csrf: false });
    const q = parse(BookingRangeQuery, req.query);
    return { ...(await bookings.availability(q.area, q.from, q.to)), ...hubNow() };
  });

  app.get(CONSOLE_API.bookings.list, async (req): Promise<DispatchBookedView> => {
    // The calendar is re-read every 30 s, so, like the certificate queue, the list is not audited; opening one booking is.
    await operator(req, dispatchers, { csrf: false });
    const q = parse(BookingRangeQuery, req.query);
    const list = await bookings.listBooked(q.area, q.from, q.to);
    return store.transaction(async (tx) => {
      const outcomes = await tx.getVisitOutcomes(list.map((b) => b.id));
      const days = await tx.listVisitAssignments({ from: q.from, to: q.to });
      const vehicles = await tx.listVehicles();
      return {
        bookings: list,
        outcomes: Object.fromEntries(outcomes.map((o) => [o.bookingId, VisitOutcome.parse(o.outcome)])),
        assignments: days.filter((d) => d.area === q.area).map((d) => ({ date: d.visitDate, vehicleId: d.vehicleId })),
        vehicles: vehicles.filter((v) => v.revokedAt === null).map((v) => v.id),
      };
    });
  });

  app.post(CONSOLE_API.bookings.create, async (req, reply) => {
    const s = await operator(req, dispatchers);
    const input = parse(PhoneBookingInput, req.body);
    return answer(reply, await bookings.book({ ...input, channel: 'phone' }, s.operatorId));
  });

  app.get(CONSOLE_API.bookings.detail, async (req) => {
    const s = await operator(req, dispatchers, { csrf: false });
    const { id } = parse(BookingIdParam, req.params);
    const booking = await bookings.get(id);
    await audit(s, req, 'booking.read', { bookingId: id });
    return { booking };
  });

  app.post(CONSOLE_API.bookings.cancel, async (req) => {
    const s = await operator(req, dispatchers);
    const { id } = parse(BookingIdParam, req.params);
    const { reason } = parse(CancelBookingInput, req.body);
    return { booking: await bookings.cancel(id, reason, s.operatorId) };
  });

  app.post(CONSOLE_API.bookings.change, async (req, reply) => {
    const s = await operator(req, dispatchers);
    const { id } = parse(BookingIdParam, req.params);
    const input = parse(BookingChangeInput, req.body);
    return answer(reply, await bookings.change(id, input, s.operatorId));
  });

  app.get(CONSOLE_API.bookings.callbacks, async (req) => {
    await operator(req, dispatchers, { csrf: false });
    return { items: await bookings.callbacks() };
  });

  app.post(CONSOLE_API.bookings.callbackDone, async (req) => {
    const s = await operator(req, dispatchers);
    const { id } = parse(CallbackIdParam, req.params);
    await bookings.callbackDone(id, s.operatorId);
    return { done: id };
  });
}
