// The console's state: who is signed in, the live queue, the day view, and what the screen shows.
import { create } from 'zustand';
import type { ConsoleSession, DayView, QueueItem, QueueQueryParams, QueueView } from '../../protocol/console-api';
import { api, ApiError } from './api';

export type Tab = 'queue' | 'day';
/**
 * An admin moves between the certificate console, the dispatcher's, the records and the admin screens;
 * the other roles have one each. The り災証明書 queue is the tax department's alone (an admin keeps the
 * disaster list in the admin screens).
 */
export type Desk = 'certificates' | 'dispatch' | 'records' | 'admin';

/** The queue's search, as the filter bar holds it ('' = any). */
export interface QueueFilters {
  vehicle: string;
  day: string;
  kind: string;
  step: string;
  number: string;
}
export const emptyFilters: QueueFilters = { vehicle: '', day: '', kind: '', step: 'relayed', number: '' };
export const QUEUE_PAGE = 50;

interface ConsoleState {
  session: ConsoleSession | null;
  checkingSession: boolean;
  tab: Tab;
  desk: Desk;
  queue: QueueView | null;
  filters: QueueFilters;
  /** The cursor of each page read so far (page 0: none), so 前へ goes back to the same rows. */
  cursors: (string | null)[];
  page: number;
  /** The page `queue` holds (it trails `page` while the next page is read). */
  shownPage: number;
  /** The request in the detail pane: kept while the list reloads, even if it left the list. */
  selected: QueueItem | null;
  /** The selected request is no longer in the list (decided elsewhere, or the search changed). */
  selectedGone: boolean;
  /** Requests the search finds that arrived after the list was read (「新着 N件」). */
  fresh: number;
  day: DayView | null;
  dayDate: string;
  live: boolean;
  busy: string | null;
  error: string | null;
  notice: string | null;
  restore(): Promise<void>;
  signIn(operatorId: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  setTab(tab: Tab): void;
  setDesk(desk: Desk): void;
  setLive(live: boolean): void;
  /** Reads the current page again in place: the rows that are still there keep their places. */
  loadQueue(): Promise<void>;
  /** A new search: back to the first page. */
  search(filters: QueueFilters): Promise<void>;
  turnPage(delta: 1 | -1): Promise<void>;
  select(item: QueueItem | null): void;
  /** Counts what arrived since the list was read, without touching the list. */
  countFresh(): Promise<void>;
  /** Brings the new arrivals in (reads the page again); the selection stays. */
  takeFresh(): Promise<void>;
  loadDay(date?: string): Promise<void>;
  approve(requestId: string, label: string, preview?: { issuedAt: string; sha256: string }): Promise<boolean>;
  reject(requestId: string, reason: string, label: string): Promise<boolean>;
  ask(requestId: string, text: string, label: string): Promise<boolean>;
  decideReprint(vehicleId: string, id: string, approve: boolean, label: string): Promise<void>;
  dismiss(): void;
  /** What a screen of its own (the admin's) did, shown in the banner. */
  tell(notice: string): void;
  /** What went wrong on such a screen; an ended session returns to sign-in. */
  report(e: unknown): void;
}

export function todayInTokyo(now = new Date()): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** Which queue read is the latest (see loadQueue). */
let queueReads = 0;

function queryOf(filters: QueueFilters): QueueQueryParams {
  return {
    vehicle: filters.vehicle.trim() || undefined, day: filters.day || undefined, kind: (filters.kind || undefined) as QueueQueryParams['kind'],
    step: (filters.step || undefined) as QueueQueryParams['step'], number: filters.number.trim() || undefined,
  };
}

export const useConsole = create<ConsoleState>((set, get) => {
  const fail = (e: unknown) => {
    if (e instanceof ApiError && e.code === 'NOT_SIGNED_IN') set({ session: null });
    set({ error: e instanceof Error ? e.message : '問題が起きました。', notice: null });
  };
  const act = async (key: string, fn: () => Promise<void>): Promise<boolean> => {
    set({ busy: key, error: null, notice: null });
    try {
      await fn();
      return true;
    } catch (e) {
      fail(e);
      return false;
    } finally {
      set({ busy: null });
    }
  };
  /** After one's own decision the next request in the list opens, as a clerk works down the queue. */
  const afterDecision = async (requestId: string) => {
    const rows = get().queue?.requests ?? [];
    const at = rows.findIndex((r) => r.requestId === requestId);
    const next = rows[at + 1] ?? rows[at - 1] ?? null;
    set({ selected: at >= 0 ? next : get().selected, selectedGone: false });
    await get().loadQueue();
  };
  return {
    session: null,
    checkingSession: true,
    tab: 'queue',
    desk: 'certificates',
    queue: null,
    filters: emptyFilters,
    cursors: [null],
    page: 0,
    shownPage: 0,
    selected: null,
    selectedGone: false,
    fresh: 0,
    day: null,
    dayDate: todayInTokyo(),
    live: false,
    busy: null,
    error: null,
    notice: null,
    async restore() {
      try {
        set({ session: await api.session() });
      } catch {
        set({ session: null });
      } finally {
        set({ checkingSession: false });
      }
    },
    async signIn(operatorId, password) {
      await act('signin', async () => set({ session: await api.signIn(operatorId, password) }));
    },
    async signOut() {
      await act('signout', async () => {
        await api.signOut();
        set({ session: null, queue: null, day: null, desk: 'certificates', selected: null, filters: emptyFilters, cursors: [null], page: 0, fresh: 0 });
      });
    },
    setTab(tab) {
      set({ tab, error: null, notice: null });
      if (tab === 'day') void get().loadDay();
      else void get().loadQueue();
    },
    setDesk(desk) {
      set({ desk, error: null, notice: null });
    },
    setLive(live) {
      set({ live });
    },
    async loadQueue() {
      // Only the latest read is shown: an older answer arriving late would bring back a decided request.
      const mine = ++queueReads;
      const { filters, cursors, page } = get();
      try {
        const queue = await api.queue({ ...queryOf(filters), cursor: cursors[page] ?? undefined, limit: QUEUE_PAGE });
        if (mine !== queueReads) return;
        const { selected } = get();
        const still = selected ? queue.requests.find((r) => r.requestId === selected.requestId) : undefined;
        // The first request is opened when none is; one that left the list stays open, marked as gone.
        set({
          queue, fresh: 0, shownPage: page,
          selected: still ?? selected ?? queue.requests[0] ?? null,
          selectedGone: selected !== null && still === undefined,
          cursors: [...cursors.slice(0, page + 1), queue.nextCursor],
        });
      } catch (e) {
        fail(e);
      }
    },
    async search(filters) {
      set({ filters, cursors: [null], page: 0, selected: null, selectedGone: false });
      await get().loadQueue();
    },
    async turnPage(delta) {
      const { page, cursors } = get();
      const next = page + delta;
      if (next < 0 || (delta > 0 && !cursors[next])) return;
      set({ page: next, selected: null, selectedGone: false });
      await get().loadQueue();
    },
    select(item) {
      set({ selected: item, selectedGone: false });
    },
    async countFresh() {
      const { queue, filters } = get();
      if (!queue) return;
      try {
        const since = await api.queue({ ...queryOf(filters), receivedAfter: queue.asOf, limit: 1 });
        set({ fresh: since.total });
      } catch (e) {
        fail(e);
      }
    },
    async takeFresh() {
      await get().loadQueue();
    },
    async loadDay(date) {
      const d = date ?? get().dayDate;
      set({ dayDate: d });
      try {
        set({ day: await api.day(d) });
      } catch (e) {
        fail(e);
      }
    },
    approve(requestId, label, preview) {
      return act(`approve:${requestId}`, async () => {
        const r = await api.approve(requestId, preview);
        // The list first, then the words: when the operator reads 承認しました the request has left the queue.
        await afterDecision(requestId);
        set({ notice: `${label}を承認しました。証明書（発行番号 ${r.serial}）を車両のプリンターへ送りました。` });
      });
    },
    reject(requestId, reason, label) {
      return act(`reject:${requestId}`, async () => {
        await api.reject(requestId, reason);
        await afterDecision(requestId);
        set({ notice: `${label}を却下しました。理由は車両の職員に表示されます。` });
      });
    },
    ask(requestId, text, label) {
      return act(`ask:${requestId}`, async () => {
        await api.ask(requestId, text);
        await get().loadQueue();
        set({ notice: `${label}について車両へ質問を送りました。` });
      });
    },
    async decideReprint(vehicleId, id, approve, label) {
      await act(`reprint:${id}`, async () => {
        await api.decideReprint(vehicleId, id, approve);
        set({ notice: approve ? `${label}の再印刷を承認しました。` : `${label}の再印刷を認めませんでした。` });
        await get().loadQueue();
      });
    },
    dismiss() {
      set({ error: null, notice: null });
    },
    tell(notice) {
      set({ notice, error: null });
    },
    report(e) {
      fail(e);
    },
  };
});
