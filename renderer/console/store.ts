// The console's state: who is signed in, the live queue, the day view, and what the screen shows.
import { create } from 'zustand';
import type { ConsoleSession, DayView, QueueView } from '../../protocol/console-api';
import { api, ApiError } from './api';

export type Tab = 'queue' | 'day';
/** An admin moves between the certificate console, the dispatcher's and the records; the other roles have one each. */
export type Desk = 'certificates' | 'dispatch' | 'records' | 'risai';

interface ConsoleState {
  session: ConsoleSession | null;
  checkingSession: boolean;
  tab: Tab;
  desk: Desk;
  queue: QueueView | null;
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
  loadQueue(): Promise<void>;
  loadDay(date?: string): Promise<void>;
  approve(requestId: string, label: string): Promise<void>;
  reject(requestId: string, reason: string, label: string): Promise<boolean>;
  ask(requestId: string, text: string, label: string): Promise<boolean>;
  decideReprint(vehicleId: string, id: string, approve: boolean, label: string): Promise<void>;
  dismiss(): void;
}

export function todayInTokyo(now = new Date()): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** Which queue read is the latest (see loadQueue). */
let queueReads = 0;

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
  return {
    session: null,
    checkingSession: true,
    tab: 'queue',
    desk: 'certificates',
    queue: null,
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
        set({ session: null, queue: null, day: null, desk: 'certificates' });
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
      try {
        const queue = await api.queue();
        if (mine === queueReads) set({ queue });
      } catch (e) {
        fail(e);
      }
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
    async approve(requestId, label) {
      await act(`approve:${requestId}`, async () => {
        const r = await api.approve(requestId);
        // The list first, then the words: when the operator reads 承認しました the request has left the queue.
        await get().loadQueue();
        set({ notice: `${label}を承認しました。証明書（発行番号 ${r.serial}）を車両のプリンターへ送りました。` });
      });
    },
    reject(requestId, reason, label) {
      return act(`reject:${requestId}`, async () => {
        await api.reject(requestId, reason);
        await get().loadQueue();
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
  };
});
