// The staff screen's state. Every change goes through the contract; this store only mirrors the core.
// Screens call the actions below; an action makes the contract call and writes what it returned into
// the store (or leaves it to the core's event when the core announces the change itself).
import { create } from 'zustand';
import type { CallInput, CallName, CallOutput, CardSessionView, VisitCardRead, ConsultationView, FeeTable, HubQuestion, NextVisitTask, PrintJobSummary, RelayStatus, SessionStatus } from '../../protocol/ipc';
import type { RequestDetail, RequestSummary } from '../../protocol/request';
import type { VisitDay, VisitOutcome } from '../../protocol/visits';
import type { OutingDesk, TallyKind } from '../../protocol/outings';
import { CallError, type Client } from './client';
import { yen } from './staff/format';

export type View = { name: 'list' } | { name: 'new' } | { name: 'request'; id: string } | { name: 'link' } | { name: 'consult' } | { name: 'visits' } | { name: 'outing' } | { name: 'tally' } | { name: 'close' } | { name: 'risai' };

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
  /** The card read that filled the form in this visit (its time only): the identity check may use it. */
  visitCardRead: VisitCardRead | null;
  /** A card is in the reader: the resident is reminded at handover to take it. */
  cardInReader: boolean;
  nextVisit: NextVisitTask[];
  consultation: ConsultationView | null;
  /** 本日の訪問, as the core keeps it (with or without the network). */
  visitDay: VisitDay | null;
  /** 運行: the open outing (or today's last) and the city's lists, as the core keeps them. */
  outingDesk: OutingDesk | null;
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

  signIn(staffId: string, pin: string): Promise<void>;
  lock(): Promise<void>;
  /** Any touch or key on the staff screen, for the idle lock. */
  reportActivity(): void;
  createRequest(input: CallInput<'createRequest'>): Promise<void>;
  /** True when the identity check was recorded. */
  checkIdentity(id: string, identity: CallInput<'checkIdentity'>['identity']): Promise<boolean>;
  /** 本人確認 from the card read that filled the form in this visit (no second PIN). */
  confirmIdentityFromCardRead(id: string, faceChecked: boolean): Promise<void>;
  showToResident(id: string): Promise<void>;
  checkPrinted(id: string, ok: boolean, reason?: string): Promise<void>;
  recordPayment(id: string, payment: CallInput<'recordPayment'>['payment']): Promise<void>;
  handOver(id: string): Promise<void>;
  cancelRequest(id: string, reason: string): Promise<void>;
  resumePrinting(kind: PrintJobSummary['kind']): Promise<void>;
  resolvePrintJob(jobId: string, action: 'printed' | 'reprint', reason?: string): Promise<void>;
  markQuestionSeen(seq: number): Promise<void>;
  startCardRead(input: CallInput<'startCardRead'>): Promise<void>;
  confirmLastPinTry(): Promise<void>;
  cancelCardRead(): Promise<void>;
  /** The card's name, address and birth date are in the form: the card session ends, staff are told. */
  cardFilled(): Promise<void>;
  /** The insurance link is done: the card session ends and the list comes back. */
  finishLink(): Promise<void>;
  /** True when the task was recorded. */
  addNextVisitTask(name: string, phone: string): Promise<boolean>;
  finishNextVisitTask(id: string): Promise<void>;
  /** Polled while staff choose a department; a poll does not clear what staff were last told. */
  consultationAvailability(): Promise<CallOutput<'getConsultationAvailability'> | null>;
  // The call's state arrives through the core's consultationChanged event.
  startConsultation(department: CallInput<'startConsultation'>['department']): Promise<void>;
  endConsultation(): Promise<void>;
  controlConsultation(input: CallInput<'controlConsultation'>): Promise<void>;
  /** Asks city hall for the visits now; offline, the stored day stays on screen with the reason. */
  pullVisits(): Promise<void>;
  openVisit(bookingId: string): Promise<void>;
  /** True when the outcome was recorded. */
  recordVisitOutcome(bookingId: string, outcome: VisitOutcome, reason?: string): Promise<boolean>;
  /** True when the outing started (the tally screen comes next). */
  startOuting(input: CallInput<'startOuting'>): Promise<boolean>;
  /** 締めて運行を終了: the close input; true once the outing is closed and ended. */
  endOuting(input: CallInput<'endOuting'>): Promise<boolean>;
  tally(kind: TallyKind, delta: 1 | -1): Promise<void>;
  /** True when the sale was recorded (its receipt is printing). */
  sellGoods(input: CallInput<'sellGoods'>): Promise<boolean>;
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
  visitCardRead: null,
  cardInReader: false,
  nextVisit: [],
  consultation: null,
  visitDay: null,
  outingDesk: null,

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
    client.on('visitCardRead', (visitCardRead) => set({ visitCardRead }));
    client.on('cardInReader', ({ inReader }) => set({ cardInReader: inReader }));
    client.on('consultationChanged', (consultation) => set({ consultation }));
    client.on('visitsChanged', () => {
      void client.call('getVisitDay', {}).then((visitDay) => set({ visitDay }), () => undefined);
    });
    client.on('outingChanged', () => {
      void client.call('getOutingDesk', {}).then((outingDesk) => set({ outingDesk }), () => undefined);
    });
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
    const [requests, relay, fees, printAttention, questions, nextVisit, consultation, visitDay, outingDesk, visitCardRead, card] = await Promise.all([
      client.call('listToday', {}).catch(() => get().requests),
      client.call('getRelayStatus', {}).catch(() => get().relay),
      get().fees ? Promise.resolve(get().fees) : client.call('getFees', {}).catch(() => null),
      client.call('listPrintAttention', {}).catch(() => get().printAttention),
      client.call('listQuestions', {}).catch(() => get().questions),
      client.call('listNextVisitTasks', {}).catch(() => get().nextVisit),
      client.call('getConsultation', {}).catch(() => get().consultation),
      client.call('getVisitDay', {}).catch(() => get().visitDay),
      client.call('getOutingDesk', {}).catch(() => get().outingDesk),
      client.call('getVisitCardRead', {}).catch(() => get().visitCardRead),
      client.call('getCardInReader', {}).catch(() => ({ inReader: get().cardInReader })),
    ]);
    set({ requests, relay, fees, printAttention, questions, nextVisit, consultation, visitDay, outingDesk, visitCardRead, cardInReader: card.inReader });
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

  async signIn(staffId, pin) {
    const session = await get().run('signIn', { staffId, pin });
    if (session) set({ session });
    void get().refresh();
  },

  async lock() {
    const session = await get().run('lock', {});
    if (session) set({ session });
  },

  reportActivity() {
    const { client, session } = get();
    if (client && session?.signedIn && !session.locked) void client.call('reportActivity', {}).catch(() => undefined);
  },

  async createRequest(input) {
    const created = await get().run('createRequest', input);
    if (!created) return;
    await get().go({ name: 'request', id: created.id });
    set({ notice: `受付番号 ${created.number} で受け付けました。次は本人確認です。` });
  },

  async checkIdentity(id, identity) {
    const checked = await get().run('checkIdentity', { id, identity });
    if (checked) await get().go({ name: 'request', id });
    return checked !== null;
  },

  async confirmIdentityFromCardRead(id, faceChecked) {
    const checked = await get().run('confirmIdentityFromCardRead', { id, faceChecked });
    if (!checked) return;
    await get().go({ name: 'request', id });
    set({ notice: 'カードの読み取りで本人確認を記録しました。' });
  },

  async showToResident(id) {
    if (await get().run('showToResident', { id })) set({ residentShowing: id });
  },

  // The core announces the moved request (requestsChanged), which reloads it on screen.
  async checkPrinted(id, ok, reason) {
    await get().run('checkPrinted', { id, ok, ...(reason !== undefined ? { reason } : {}) });
  },

  async recordPayment(id, payment) {
    const r = await get().run('recordPayment', { id, payment });
    if (r) set({ notice: `${r.payment.changeYen > 0 ? `おつりは ${yen(r.payment.changeYen)} です。` : '手数料を収納しました。'}領収書を印刷しています。` });
  },

  async handOver(id) {
    await get().run('handOver', { id });
  },

  async cancelRequest(id, reason) {
    await get().run('cancelRequest', { id, reason });
  },

  async resumePrinting(kind) {
    const printAttention = await get().run('resumePrinting', { kind });
    if (printAttention) set({ printAttention });
  },

  async resolvePrintJob(jobId, action, reason) {
    const printAttention = await get().run('resolvePrintJob', { jobId, action, ...(reason !== undefined ? { reason } : {}) });
    if (printAttention) set({ printAttention });
  },

  async markQuestionSeen(seq) {
    const questions = await get().run('markQuestionSeen', { seq });
    if (questions) set({ questions });
  },

  // Card sessions arrive through the core's cardSession event.
  async startCardRead(input) {
    await get().run('startCardRead', input);
  },

  async confirmLastPinTry() {
    await get().run('confirmLastPinTry', {});
  },

  async cancelCardRead() {
    await get().run('cancelCardRead', {});
  },

  async cardFilled() {
    await get().run('cancelCardRead', {});
    set({ notice: 'カードの内容を入力しました。ふりがなを入力して、内容を確かめてください。' });
  },

  async finishLink() {
    await get().run('cancelCardRead', {});
    await get().go({ name: 'list' });
  },

  async addNextVisitTask(name, phone) {
    const nextVisit = await get().run('addNextVisitTask', { kind: 'insurance_link', name, phone });
    if (nextVisit) set({ nextVisit });
    return nextVisit !== null;
  },

  async finishNextVisitTask(id) {
    const nextVisit = await get().run('finishNextVisitTask', { id });
    if (nextVisit) set({ nextVisit });
  },

  consultationAvailability() {
    return get().run('getConsultationAvailability', {}, { reload: true });
  },

  async startConsultation(department) {
    await get().run('startConsultation', { department });
  },

  async endConsultation() {
    await get().run('endConsultation', {});
  },

  async controlConsultation(input) {
    await get().run('controlConsultation', input);
  },

  async pullVisits() {
    const visitDay = await get().run('pullVisits', {});
    if (visitDay) set({ visitDay, notice: `訪問予定を市役所から受け取りました（${visitDay.visits.length}件）。` });
    else void get().client?.call('getVisitDay', {}).then((day) => set({ visitDay: day }), () => undefined);
  },

  async openVisit(bookingId) {
    const visit = await get().run('openVisit', { bookingId });
    if (!visit) return;
    set({ notice: visit.requestIds.length > 0 ? `証明書の受付を${visit.requestIds.length}件作りました。受付を選んで本人確認に進んでください。` : '訪問を開始しました。' });
  },

  async recordVisitOutcome(bookingId, outcome, reason) {
    const visit = await get().run('recordVisitOutcome', { bookingId, outcome, ...(reason ? { reason } : {}) });
    if (visit) set({ notice: '訪問の結果を記録しました。市役所につながったときに送信します。' });
    return visit !== null;
  },

  async startOuting(input) {
    const outing = await get().run('startOuting', input);
    if (!outing) return false;
    const desk = get().outingDesk;
    if (desk) set({ outingDesk: { ...desk, open: outing } });
    set({ view: { name: 'tally' }, notice: '運行を開始しました。この間の受付・相談・販売はこの運行に数えます。' });
    return true;
  },

  async endOuting(input) {
    const outing = await get().run('endOuting', input);
    if (!outing) return false;
    const desk = get().outingDesk;
    if (desk) set({ outingDesk: { ...desk, open: null, lastEnded: outing } });
    set({
      view: { name: 'outing' },
      notice: `締めて運行を終了しました（サービス提供者 ${outing.counts.people}人）。実績と日計は市役所につながったときに1回だけ送信します。`,
    });
    return true;
  },

  async tally(kind, delta) {
    const outing = await get().run('tallyOuting', { kind, delta });
    const desk = get().outingDesk;
    if (outing && desk) set({ outingDesk: { ...desk, open: outing } });
  },

  async sellGoods(input) {
    const sold = await get().run('sellGoods', input);
    if (!sold) return false;
    const desk = get().outingDesk;
    if (desk) set({ outingDesk: { ...desk, open: sold.outing } });
    set({ notice: sold.receiptPrinting ? '販売を記録しました。領収書を印刷しています。' : '販売を記録しました。この端末にはレシートプリンターがないため、領収書は手書きでお渡しください。' });
    return true;
  },
}));
