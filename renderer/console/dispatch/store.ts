// The dispatcher's screen state: the hub's rules and clock, the week shown for an area, the free slots
// to offer, the call-back list, and which view is open. Everything is re-read from the hub after each
// action, on focus and every 30 s, so another dispatcher's booking (or one from LINE) shows up.
import { create } from 'zustand';
import type { Booking, CallbackItem, FreeSlot } from '../../../protocol/bookings';
import { addDays, formatJapaneseDate, type AvailabilityDay } from '../../../protocol/visit-calendar';
import type { VisitOutcome } from '../../../protocol/visits';
import type { AreaId, SlotId, VisitRules } from '../../../protocol/visit-rules';
import { ApiError } from '../api';
import { useConsole } from '../store';
import { dispatchApi } from './api';
import { freeSlots } from './booking-form-model';

export type DispatchView =
  | { kind: 'week' }
  | { kind: 'form'; preset: { date?: string; slot?: SlotId; area: AreaId } }
  | { kind: 'detail'; id: string }
  | { kind: 'callbacks' };

/** How far ahead free slots are offered: the longest range one availability call covers. */
const OFFER_DAYS = 62;

/** The Monday of a date's week (weeks run Monday to Sunday on the calendar). */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

interface DispatchState {
  rules: VisitRules | null;
  /** The hub's clock minus the browser's: 'now' and 'today' are the hub's. */
  clockOffsetMs: number;
  today: string;
  area: AreaId;
  weekStart: string;
  days: AvailabilityDay[] | null;
  bookings: Booking[];
  /** How the shown bookings' visits ended (完了, ご不在…), by booking id. */
  outcomes: Record<string, VisitOutcome>;
  /** The vehicle each shown visit day goes out with, by date. */
  assignments: Record<string, string>;
  /** Vehicles a day can be given to. */
  vehicles: string[];
  /** Free slots from tomorrow on, per area, for the form and for changes. */
  open: Partial<Record<AreaId, FreeSlot[]>>;
  callbacks: CallbackItem[] | null;
  view: DispatchView;
  error: string | null;
  notice: string | null;
  hubNow(): Date;
  start(): Promise<void>;
  refresh(): Promise<void>;
  loadOpen(area: AreaId): Promise<void>;
  setArea(area: AreaId): void;
  shiftWeek(weeks: number): void;
  thisWeek(): void;
  show(view: DispatchView): void;
  done(notice: string, view: DispatchView): Promise<void>;
  fail(e: unknown): void;
  markCallbackDone(id: string): Promise<void>;
  /** Gives the shown area's visit day to a vehicle (null: to none). */
  assignDay(date: string, vehicleId: string | null): Promise<void>;
  dismiss(): void;
  /** Forgets every resident's data the screen held (on leaving it: sign-out, or an admin moving on). */
  reset(): void;
}

type DispatchData = Pick<
  DispatchState,
  'rules' | 'clockOffsetMs' | 'today' | 'area' | 'weekStart' | 'days' | 'bookings' | 'outcomes' | 'assignments' | 'vehicles' | 'open' | 'callbacks' | 'view' | 'error' | 'notice'
>;
const initial: DispatchData = {
  rules: null,
  clockOffsetMs: 0,
  today: '',
  area: 'north',
  weekStart: '',
  days: null,
  bookings: [],
  outcomes: {},
  assignments: {},
  vehicles: [],
  open: {},
  callbacks: null,
  view: { kind: 'week' },
  error: null,
  notice: null,
};

export const useDispatch = create<DispatchState>((set, get) => ({
  ...initial,
  hubNow: () => new Date(Date.now() + get().clockOffsetMs),
  async start() {
    try {
      const r = await dispatchApi.rules();
      set({ rules: r.rules, clockOffsetMs: Date.parse(r.now) - Date.now(), today: r.today, weekStart: get().weekStart || mondayOf(r.today) });
      await get().refresh();
    } catch (e) {
      get().fail(e);
    }
  },
  async refresh() {
    const { area, weekStart } = get();
    if (!weekStart) return;
    try {
      const to = addDays(weekStart, 6);
      const [availability, booked] = await Promise.all([dispatchApi.availability(area, weekStart, to), dispatchApi.booked(area, weekStart, to)]);
      // An answer for a week no longer shown is dropped: the dispatcher moved on while it travelled.
      if (get().area !== area || get().weekStart !== weekStart) return;
      set({
        days: availability.days, bookings: booked.bookings, outcomes: booked.outcomes, vehicles: booked.vehicles,
        assignments: Object.fromEntries(booked.assignments.map((a) => [a.date, a.vehicleId])),
        today: availability.today, clockOffsetMs: Date.parse(availability.now) - Date.now(),
      });
      await Promise.all([get().loadOpen(area), dispatchApi.callbacks().then(({ items }) => set({ callbacks: items }))]);
    } catch (e) {
      get().fail(e);
    }
  },
  async loadOpen(area) {
    const from = addDays(get().today, 1);
    const a = await dispatchApi.availability(area, from, addDays(from, OFFER_DAYS - 1));
    set({ open: { ...get().open, [area]: freeSlots(a.days) } });
  },
  setArea(area) {
    set({ area, days: null, bookings: [], outcomes: {}, assignments: {} });
    void get().refresh();
  },
  shiftWeek(weeks) {
    set({ weekStart: addDays(get().weekStart, 7 * weeks), days: null, bookings: [], outcomes: {}, assignments: {} });
    void get().refresh();
  },
  thisWeek() {
    set({ weekStart: mondayOf(get().today), days: null, bookings: [], outcomes: {}, assignments: {} });
    void get().refresh();
  },
  show(view) {
    set({ view, error: null, notice: null });
    if (view.kind === 'week' || view.kind === 'callbacks') void get().refresh();
  },
  async done(notice, view) {
    set({ view, notice, error: null });
    await get().refresh();
  },
  fail(e) {
    if (e instanceof ApiError && e.code === 'NOT_SIGNED_IN') useConsole.setState({ session: null });
    set({ error: e instanceof Error ? e.message : '問題が起きました。', notice: null });
  },
  async markCallbackDone(id) {
    try {
      await dispatchApi.callbackDone(id);
      set({ notice: 'コールバックを完了にしました。', error: null });
      await get().refresh();
    } catch (e) {
      get().fail(e);
    }
  },
  async assignDay(date, vehicleId) {
    const { area } = get();
    try {
      if (vehicleId === null) await dispatchApi.unassign(area, date);
      else await dispatchApi.assign(area, date, vehicleId);
      set({ notice: vehicleId === null ? `${formatJapaneseDate(date)} の車両の割り当てを外しました。` : `${formatJapaneseDate(date)} の訪問を車両 ${vehicleId} に割り当てました。`, error: null });
      await get().refresh();
    } catch (e) {
      get().fail(e);
    }
  },
  dismiss() {
    set({ error: null, notice: null });
  },
  reset() {
    set(initial);
  },
}));
