// The dispatcher's calls to the hub: the calendar, bookings taken by phone, changes, cancellations and
// the call-back list. Same origin, session cookie and CSRF header as the rest of the console.
import type { Booking, BookingInput, CallbackItem } from '../../../protocol/bookings';
import {
  CONSOLE_API, type DispatchAvailabilityView, type DispatchBookedView, type DispatchRulesView,
} from '../../../protocol/console-api';
import type { AreaId, SlotId } from '../../../protocol/visit-rules';
import { VISITS_API } from '../../../protocol/visits';
import { callHub, withId } from '../api';

const P = CONSOLE_API.bookings;
const range = (area: AreaId, from: string, to: string) =>
  `area=${encodeURIComponent(area)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

/** What the console sends for a phone booking: the channel is the hub's to set. */
export type PhoneBooking = Omit<BookingInput, 'channel'>;

export const dispatchApi = {
  rules: () => callHub<DispatchRulesView>('GET', P.rules),
  availability: (area: AreaId, from: string, to: string) => callHub<DispatchAvailabilityView>('GET', `${P.availability}?${range(area, from, to)}`),
  booked: (area: AreaId, from: string, to: string) => callHub<DispatchBookedView>('GET', `${P.list}?${range(area, from, to)}`),
  book: (input: PhoneBooking) => callHub<{ booking: Booking }>('POST', P.create, input),
  get: (id: string) => callHub<{ booking: Booking }>('GET', withId(P.detail, { id })),
  cancel: (id: string, reason: string) => callHub<{ booking: Booking }>('POST', withId(P.cancel, { id }), { reason }),
  change: (id: string, change: { date: string; slot: SlotId; reason: string }) =>
    callHub<{ booking: Booking }>('POST', withId(P.change, { id }), change),
  callbacks: () => callHub<{ items: CallbackItem[] }>('GET', P.callbacks),
  assign: (area: AreaId, date: string, vehicleId: string) => callHub<unknown>('POST', VISITS_API.assignments, { area, date, vehicleId }),
  unassign: (area: AreaId, date: string) => callHub<unknown>('DELETE', VISITS_API.assignment.replace(':area', encodeURIComponent(area)).replace(':date', encodeURIComponent(date))),
  callbackDone: (id: string) => callHub<{ done: string }>('POST', withId(P.callbackDone, { id }), {}),
};
