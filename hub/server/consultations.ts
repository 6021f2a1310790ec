// The consultation service at the hub: call queues per department, the call socket each party keeps
// open (vehicles over mutual TLS, consultants with their console session), WebRTC signals relayed
// between the two parties of a call and nobody else, the grace period when a party's network drops,
// TURN credentials, and one record per call (department, times, outcome, staff and consultant ids,
// the consultant's notes). No media passes through the hub and none is recorded.
import {
  AvailabilityResponse, CALL_GRACE_MS, CallClientFrame, EndCallInput, CallNotesInput, ConsultantAvailabilityInput, departments, StartCallInput,
  type CallOutcome, type CallRecordView, type CallServerFrame, type CallView, type ConsultantDeskView, type Department,
  type TurnCredentialsResponse,
} from '../../protocol/consultation';
import type { Clock } from '../clock';
import { forbidden, HubError } from '../errors';
import type { IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { ConsultationRow, HubStore } from '../store/types';
import { CallQueues, type Call } from './call-queue';
import { parse } from './parse';
import { turnCredentials } from './turn';

export type Party = { kind: 'vehicle'; id: string } | { kind: 'consultant'; id: string };

export interface CallSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

export interface TurnConfig {
  urls: string[];
  secret: string;
  ttlSeconds?: number;
}

export interface ConsultationDeps {
  store: HubStore;
  clock: Clock;
  log: Logger;
  ids: IdGenerator;
  /** Without TURN, calls are refused: media must go through the city's relay. */
  turn?: TurnConfig;
  /** How long a party may be away before the call is interrupted (tests shorten it). */
  graceMs?: number;
}

const OPEN = 1;
/** A call to the same department this soon after an interrupted one is a call-back: front of the queue. */
const CALL_BACK_MS = 10 * 60_000;
const MAX_PENDING_SIGNALS = 200;
const key = (p: Party) => `${p.kind === 'vehicle' ? 'v' : 'c'}:${p.id}`;


export class Consultations {
  private readonly queues: CallQueues;
  private readonly sockets = new Map<string, Set<CallSocket>>();
  /** Call id → the timer that interrupts it if the away party does not come back. */
  private readonly awayTimers = new Map<string, NodeJS.Timeout>();
  /** Party key → signal frames held while that party was away (delivered when it reconnects). */
  private readonly pending = new Map<string, string[]>();
  private readonly names = new Map<string, string>();
  /** Vehicle → its last interrupted call (department, when), for a call-back to the front of the line. */
  private readonly interrupted = new Map<string, { department: Department; at: number }>();
  private readonly graceMs: number;

  constructor(private readonly deps: ConsultationDeps) {
    this.queues = new CallQueues(deps.clock, () => deps.ids());
    this.graceMs = deps.graceMs ?? CALL_GRACE_MS;
  }

  /** Records left open by a hub that stopped mid-call are closed as interrupted. */
  async init(): Promise<void> {
    const { store, clock, log } = this.deps;
    const n = await store.transaction((tx) => tx.interruptOpenConsultations(clock.now().toISOString()));
    if (n > 0) log.warn({ calls: n }, 'consultations left open by the previous run closed as interrupted');
  }

  stop(): void {
    for (const t of this.awayTimers.values()) clearTimeout(t);
    this.awayTimers.clear();
    for (const set of this.sockets.values()) for (const s of set) s.close(1001, 'hub stopping');
    this.sockets.clear();
  }

  // ---- both sides ----

  turnFor(party: Party): TurnCredentialsResponse {
    const turn = this.requireTurn();
    const c = turnCredentials({ secret: turn.secret, urls: turn.urls, userId: `${party.kind === 'vehicle' ? 'v' : 'c'}-${party.id}`, ttlSeconds: turn.ttlSeconds ?? 3_600 });
    return { iceServers: [{ urls: c.urls, username: c.username, credential: c.credential }], ttl: c.ttl };
  }

  /** A party's call socket opened: it is present again, and is told where its call stands. */
  attach(party: Party, socket: CallSocket): () => void {
    const k = key(party);
    let set = this.sockets.get(k);
    if (!set) this.sockets.set(k, (set = new Set()));
    const wasAway = set.size === 0;
    set.add(socket);
    const open = this.queues.openCallOf(party.kind, party.id);
    if (open) {
      this.send(socket, { type: 'call', call: this.view(open, party) });
      for (const frame of this.pending.get(k) ?? []) this.sendRaw(socket, frame);
      this.pending.delete(k);
      if (wasAway) this.presenceChanged(open);
    }
    return () => this.detach(party, socket);
  }

  /** A frame from a party's call socket. Only a signal to the other party of one's own call is relayed. */
  onFrame(party: Party, socket: CallSocket, raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const frame = CallClientFrame.safeParse(json);
    if (!frame.success) {
      this.send(socket, { type: 'error', code: 'INVALID_FRAME', message: '送られた内容が正しくありません。' });
      return;
    }
    const { callId, data } = frame.data;
    const call = this.queues.openCallOf(party.kind, party.id);
    if (!call || call.id !== callId || call.state !== 'connected') {
      // Someone not in this call (or a call that is over) trying to reach into it: refused and noted.
      this.deps.log.warn({ party: key(party), callId }, 'signal refused: not a party of a connected call');
      this.send(socket, { type: 'error', code: 'NOT_A_PARTY', message: 'この相談の当事者ではないため、送れません。' });
      return;
    }
    const other = this.otherParty(call, party);
    const out = JSON.stringify({ type: 'signal', callId, data } satisfies CallServerFrame);
    const set = this.sockets.get(key(other));
    if (set && set.size > 0) {
      for (const s of set) this.sendRaw(s, out);
      return;
    }
    // The other party is away (its network dropped): hold the signal for when it is back.
    const held = this.pending.get(key(other)) ?? [];
    held.push(out);
    if (held.length > MAX_PENDING_SIGNALS) held.shift();
    this.pending.set(key(other), held);
  }

  /** Either party ends the call; `media_failed` (the media path never came back) records it as interrupted. */
  async end(party: Party, callId: string, body: unknown = {}): Promise<CallView> {
    const { reason } = parse(EndCallInput, body ?? {});
    const call = this.queues.get(callId);
    if (!this.isParty(call, party)) throw forbidden('NOT_A_PARTY', 'この相談の当事者ではありません。');
    const ended = reason === 'media_failed' && call.state === 'connected' ? this.queues.interrupt(callId)! : this.queues.end(party.id, callId);
    await this.finished(ended, party);
    return this.view(ended, party);
  }

  // ---- the vehicle ----

  async availability(): Promise<AvailabilityResponse> {
    return {
      turn: this.deps.turn !== undefined,
      departments: departments.map((d) => ({ department: d, available: this.queues.consultantsAvailable(d), waiting: this.queues.waiting(d).length })),
    };
  }

  async call(vehicleId: string, body: unknown): Promise<CallView> {
    this.requireTurn();
    const input = parse(StartCallInput, body);
    const party: Party = { kind: 'vehicle', id: vehicleId };
    const cut = this.interrupted.get(vehicleId);
    const callBack = cut !== undefined && cut.department === input.department && this.deps.clock.now().getTime() - cut.at <= CALL_BACK_MS;
    this.interrupted.delete(vehicleId);
    const call = this.queues.call(vehicleId, input.department, { callBack });
    const { store, clock } = this.deps;
    try {
      await store.transaction(async (tx) => {
        await tx.insertConsultation({ id: call.id, vehicleId, staffId: input.staffId, department: call.department, calledAt: call.calledAt });
        await tx.appendAudit({ actor: vehicleId, action: 'consultation.called', place: `vehicle:${vehicleId}`, detail: { callId: call.id, department: call.department, staffId: input.staffId, callBack } }, clock.now().toISOString());
      });
    } catch (e) {
      // Not recorded means not queued: nobody may take a call the city has no record of.
      this.queues.interrupt(call.id);
      throw e;
    }
    // Calling before the call socket is open is allowed; it must open within the grace period.
    if (!this.present(party)) this.startAwayTimer(call.id);
    this.queueChanged(call.department);
    return this.view(call, party);
  }

  async abandon(vehicleId: string, callId: string): Promise<CallView> {
    const party: Party = { kind: 'vehicle', id: vehicleId };
    const call = this.queues.abandon(vehicleId, callId);
    await this.finished(call, party);
    return this.view(call, party);
  }

  // ---- the consultant ----

  async setAvailable(consultantId: string, displayName: string, body: unknown): Promise<ConsultantDeskView> {
    const { departments: deps } = parse(ConsultantAvailabilityInput, body);
    this.names.set(consultantId, displayName);
    this.queues.setAvailable(consultantId, [...new Set(deps)]);
    await this.deps.store.transaction((tx) =>
      tx.appendAudit({ actor: consultantId, action: 'consultation.availability', place: 'hub', detail: { departments: deps.join(',') } }, this.deps.clock.now().toISOString()),
    );
    this.broadcastQueues();
    return this.desk(consultantId);
  }

  async accept(consultantId: string, displayName: string, callId: string): Promise<CallView> {
    this.names.set(consultantId, displayName);
    const call = this.queues.accept(consultantId, callId);
    const { store, clock } = this.deps;
    await store.transaction(async (tx) => {
      await tx.setConsultationConnected(call.id, consultantId, call.connectedAt ?? clock.now().toISOString());
      await tx.appendAudit({ actor: consultantId, action: 'consultation.accepted', place: 'hub', detail: { callId: call.id, vehicleId: call.vehicleId, department: call.department } }, clock.now().toISOString());
    });
    const consultant: Party = { kind: 'consultant', id: consultantId };
    if (!this.present(consultant) || !this.present({ kind: 'vehicle', id: call.vehicleId })) this.startAwayTimer(call.id);
    this.notifyParties(call);
    this.queueChanged(call.department);
    return this.view(call, consultant);
  }

  /** The consultant signs out: no longer available, and a call they were in ends. */
  async leave(consultantId: string): Promise<void> {
    for (const call of this.queues.leave(consultantId)) await this.finished(call, { kind: 'consultant', id: consultantId });
    this.broadcastQueues();
  }

  async saveNotes(consultantId: string, callId: string, body: unknown): Promise<CallRecordView> {
    const { text } = parse(CallNotesInput, body);
    const { store, clock } = this.deps;
    return store.transaction(async (tx) => {
      const row = await tx.getConsultation(callId);
      if (!row) throw new HubError(404, 'CALL_NOT_FOUND', '指定の相談が見つかりません。');
      if (row.consultantId !== consultantId) throw forbidden('NOT_YOUR_CALL', 'ご自分が受けた相談にだけメモを書けます。');
      const at = clock.now().toISOString();
      await tx.setConsultationNotes(callId, text, at);
      // The audit says that notes changed, never what they say.
      await tx.appendAudit({ actor: consultantId, action: 'consultation.notes_saved', place: 'hub', detail: { callId, length: text.length } }, at);
      return recordView({ ...row, notes: text, notesUpdatedAt: at }, consultantId);
    });
  }

  async desk(consultantId: string): Promise<ConsultantDeskView> {
    const available = this.queues.availableFor(consultantId);
    const party: Party = { kind: 'consultant', id: consultantId };
    const open = this.queues.openCallOf('consultant', consultantId);
    const current = open ? this.view(open, party) : null;
    const since = new Date(this.deps.clock.now().getTime() - 24 * 3600_000).toISOString();
    const rows = await this.deps.store.transaction((tx) => tx.listConsultations({ consultantId, since, limit: 20 }));
    return {
      available,
      queues: departments.map((d) => ({ department: d, calls: this.queues.waiting(d).map((c) => this.view(c, party)) })),
      current,
      recent: rows.map((r) => recordView(r, consultantId)),
    };
  }

  // ---- inside ----

  private requireTurn(): TurnConfig {
    if (!this.deps.turn) throw new HubError(503, 'TURN_NOT_CONFIGURED', 'ビデオ相談の中継サーバー (TURN) が設定されていないため、ビデオ相談は使えません。管理者に連絡してください。');
    return this.deps.turn;
  }

  private isParty(call: Call, party: Party): boolean {
    return party.kind === 'vehicle' ? call.vehicleId === party.id : call.consultantId === party.id;
  }

  private otherParty(call: Call, party: Party): Party {
    return party.kind === 'vehicle' ? { kind: 'consultant', id: call.consultantId ?? '' } : { kind: 'vehicle', id: call.vehicleId };
  }

  private present(party: Party): boolean {
    return (this.sockets.get(key(party))?.size ?? 0) > 0;
  }

  private view(call: Call, viewer: Party): CallView {
    const other = call.state === 'connected' ? this.otherParty(call, viewer) : null;
    return {
      id: call.id,
      department: call.department,
      state: call.state,
      position: call.state === 'waiting' ? this.queues.position(call.id) : null,
      consultantName: call.consultantId ? (this.names.get(call.consultantId) ?? '相談員') : null,
      vehicleId: call.vehicleId,
      calledAt: call.calledAt,
      connectedAt: call.connectedAt,
      endedAt: call.endedAt,
      outcome: call.outcome,
      peerPresent: other ? this.present(other) : true,
      callBack: call.callBack,
    };
  }

  private detach(party: Party, socket: CallSocket): void {
    const k = key(party);
    const set = this.sockets.get(k);
    if (!set?.delete(socket)) return;
    if (set.size > 0) return;
    this.sockets.delete(k);
    const open = this.queues.openCallOf(party.kind, party.id);
    if (open) {
      this.deps.log.info({ party: k, callId: open.id }, 'call party away; waiting for it to come back');
      this.startAwayTimer(open.id);
      this.presenceChanged(open);
    }
  }

  private startAwayTimer(callId: string): void {
    if (this.awayTimers.has(callId)) return;
    const timer = setTimeout(() => {
      this.awayTimers.delete(callId);
      void this.expireIfAway(callId);
    }, this.graceMs);
    timer.unref();
    this.awayTimers.set(callId, timer);
  }

  private async expireIfAway(callId: string): Promise<void> {
    const call = this.queues.get(callId);
    if (call.state !== 'waiting' && call.state !== 'connected') return;
    const vehicleHere = this.present({ kind: 'vehicle', id: call.vehicleId });
    const consultantHere = call.consultantId === null || this.present({ kind: 'consultant', id: call.consultantId });
    if (vehicleHere && consultantHere) return;
    const interrupted = this.queues.interrupt(callId);
    if (interrupted) await this.finished(interrupted, null);
  }

  /** Someone came or went: if both are here the grace timer stops; either way both are told. */
  private presenceChanged(call: Call): void {
    const vehicleHere = this.present({ kind: 'vehicle', id: call.vehicleId });
    const consultantHere = call.consultantId === null || this.present({ kind: 'consultant', id: call.consultantId });
    if (vehicleHere && consultantHere) {
      const t = this.awayTimers.get(call.id);
      if (t) clearTimeout(t);
      this.awayTimers.delete(call.id);
    }
    this.notifyParties(call);
  }

  private async finished(call: Call, by: Party | null): Promise<void> {
    const t = this.awayTimers.get(call.id);
    if (t) clearTimeout(t);
    this.awayTimers.delete(call.id);
    this.pending.delete(key({ kind: 'vehicle', id: call.vehicleId }));
    if (call.consultantId) this.pending.delete(key({ kind: 'consultant', id: call.consultantId }));
    const { store, clock, log } = this.deps;
    const outcome: CallOutcome = call.outcome ?? 'completed';
    if (outcome === 'interrupted') this.interrupted.set(call.vehicleId, { department: call.department, at: clock.now().getTime() });
    try {
      await store.transaction(async (tx) => {
        await tx.endConsultation(call.id, outcome, call.endedAt ?? clock.now().toISOString());
        await tx.appendAudit({ actor: by ? by.id : 'system', action: 'consultation.ended', place: 'hub', detail: { callId: call.id, outcome } }, clock.now().toISOString());
      });
    } catch (e) {
      log.error({ callId: call.id, err: (e as Error).message }, 'consultation record not closed');
    }
    log.info({ callId: call.id, outcome, department: call.department }, 'consultation finished');
    this.notifyParties(call);
    this.queueChanged(call.department);
  }

  private notifyParties(call: Call): void {
    const vehicle: Party = { kind: 'vehicle', id: call.vehicleId };
    this.sendTo(vehicle, { type: 'call', call: this.view(call, vehicle) });
    if (call.consultantId) {
      const consultant: Party = { kind: 'consultant', id: call.consultantId };
      this.sendTo(consultant, { type: 'call', call: this.view(call, consultant) });
    }
  }

  /** Everyone waiting in the department learns their new place; consultants re-read the queues. */
  private queueChanged(department: Department): void {
    for (const c of this.queues.waiting(department)) {
      const vehicle: Party = { kind: 'vehicle', id: c.vehicleId };
      this.sendTo(vehicle, { type: 'call', call: this.view(c, vehicle) });
    }
    this.broadcastQueues();
  }

  private broadcastQueues(): void {
    const frame = JSON.stringify({ type: 'queues' } satisfies CallServerFrame);
    for (const [k, set] of this.sockets) if (k.startsWith('c:')) for (const s of set) this.sendRaw(s, frame);
  }

  private sendTo(party: Party, frame: CallServerFrame): void {
    const set = this.sockets.get(key(party));
    if (!set) return;
    const raw = JSON.stringify(frame);
    for (const s of set) this.sendRaw(s, raw);
  }

  private send(socket: CallSocket, frame: CallServerFrame): void {
    this.sendRaw(socket, JSON.stringify(frame));
  }

  private sendRaw(socket: CallSocket, raw: string): void {
    if (socket.readyState !== OPEN) return;
    try {
      socket.send(raw);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'call socket send failed');
    }
  }
}

function recordView(r: ConsultationRow, viewer: string): CallRecordView {
  return {
    id: r.id,
    vehicleId: r.vehicleId,
    staffId: r.staffId,
    department: r.department as Department,
    consultantId: r.consultantId,
    calledAt: r.calledAt,
    connectedAt: r.connectedAt,
    endedAt: r.endedAt,
    outcome: r.outcome as CallOutcome | null,
    notes: r.consultantId === viewer ? r.notes : null,
  };
}
