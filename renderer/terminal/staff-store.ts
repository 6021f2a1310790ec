// The staff screen's state. Every change goes through the contract; this store only mirrors the core.
import { create } from 'zustand';
import type { CallInput, CallName, CallOutput, CardSessionView, ConsultationView, FeeTable, HubQuestion, NextVisitTask, PrintJobSummary, RelayStatus, SessionStatus } from '../../protocol/ipc';
import type { RequestDetail, RequestSummary } from '../../protocol/request';
import { CallError, type Client } from './client';

export type View = { name: 'list' } | { name: 'new' } | { name: 'request'; id: string } | { name: 'link' } | { name: 'consult' };

interface StaffState {
  client: Client | null;
  connected: boolean;
  session: SessionStatus | null;
  relay: RelayStatus | null;
  fees: FeeTable | null;
  requests: RequestSummary[];
  view: View;
  detail: RequestDetail | null;
  busy: boolean;
  error: string | null;
  fieldErrors: Record<string, string>;
  notice: string | null;
  residentShowing: string | null;
  printAttention: PrintJobSummary[];
  questions: HubQuestion[];
  cardSession: CardSessionView | null;
  nextVisit: NextVisitTask[];
  consultation: ConsultationView | null;
  init(client: Client): void;
  /**
   * One call for the screen. A staff action clears the messages of the last one; `reload` (an event
   * from the core refreshing what is on screen) keeps them, so a notice is not lost to a refresh.
   */
  run<K extends CallName>(name: K, input: CallInput<K>, options?: { reload?: boolean }): Promise<CallOutput<K> | null>;
  refresh(): Promise<void>;
  go(view: View): Promise<void>;
  clearMessages(): void;
  clearField(path: string): void;
}

export const useStaff = create<StaffState>((set, get) => ({
  client: null,
  connected: false,
  session: null,
  relay: null,
  fees: null,
  requests: [],
  view: { name: 'list' },
  detail: null,
  busy: false,
  error: null,
  fieldErrors: {},
  notice: null,
  residentShowing: null,
  printAttention: [],
  questions: [],
  cardSession: null,
  nextVisit: [],
  consultation: null,

  init(client) {
    set({ client });
    client.onConnection((connected) => {
      set({ connected });
      if (connected) void get().refresh();
    });
    client.on('sessionChanged', (session) => {
      set({ session });
      if (session.signedIn && !session.locked) void get().refresh();
    });
    client.on('relayChanged', (relay) => set({ relay }));
    client.on('printAttention', (printAttention) => set({ printAttention }));
    client.on('cardSession', (cardSession) => set({ cardSession }));
    client.on('consultationChanged', (consultation) => set({ consultation }));
    client.on('requestsChanged', ({ ids }) => {
      void get().refresh();
      const v = get().view;
      if (v.name === 'request' && ids.includes(v.id)) {
        void get().go(v);
        if (get().residentShowing === v.id) set({ residentShowing: null });
      }
    });
    set({ connected: true });
    void get().refresh();
  },

  async run(name, input, options = {}) {
    const client = get().client;
    if (!client) return null;
    set(options.reload ? { busy: true } : { busy: true, error: null, fieldErrors: {}, notice: null });
    try {
      return await client.call(name, input);
    } catch (e) {
      if (e instanceof CallError) {
        const fieldErrors = Object.fromEntries(e.fields.map((f) => [f.path, f.message]));
        set({ error: e.message, fieldErrors });
        if (e.code === 'LOCKED' || e.code === 'NOT_SIGNED_IN') void client.call('getSession', {}).then((session) => set({ session }));
      } else {
        set({ error: '端末の中核処理と通信できません。しばらく待ってからもう一度お試しください。' });
      }
      return null;
    } finally {
      set({ busy: false });
    }
  },

  async refresh() {
    const client = get().client;
    if (!client) return;
    const session = await client.call('getSession', {}).catch(() => null);
    set({ session });
    if (!session?.signedIn || session.locked) return;
    const [requests, relay, fees, printAttention, questions, nextVisit, consultation] = await Promise.all([
      client.call('listToday', {}).catch(() => get().requests),
      client.call('getRelayStatus', {}).catch(() => get().relay),
      get().fees ? Promise.resolve(get().fees) : client.call('getFees', {}).catch(() => null),
      client.call('listPrintAttention', {}).catch(() => get().printAttention),
      client.call('listQuestions', {}).catch(() => get().questions),
      client.call('listNextVisitTasks', {}).catch(() => get().nextVisit),
      client.call('getConsultation', {}).catch(() => get().consultation),
    ]);
    set({ requests, relay, fees, printAttention, questions, nextVisit, consultation });
  },

  async go(view) {
    const current = get().view;
    // Reloading the request on screen (an event from the core) keeps what staff were just told.
    const same = view.name === current.name && (view.name !== 'request' || (current.name === 'request' && current.id === view.id));
    if (!same) set({ view, error: null, fieldErrors: {}, notice: null });
    if (view.name === 'request') {
      const detail = await get().run('getRequest', { id: view.id }, { reload: same });
      set({ detail });
    } else {
      set({ detail: null });
    }
  },

  clearMessages() {
    set({ error: null, fieldErrors: {}, notice: null });
  },

  clearField(path) {
    const fieldErrors = get().fieldErrors;
    if (!(path in fieldErrors)) return;
    const { [path]: _gone, ...rest } = fieldErrors;
    set({ fieldErrors: rest, error: Object.keys(rest).length === 0 ? null : get().error });
  },
}));
