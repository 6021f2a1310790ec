// The consultation service at the hub: call queues per department, the call socket each party keeps
// open (vehicles over mutual TLS, consultants with their console session), WebRTC signals relayed
// between the two parties of a call and nobody else, the grace period when a party's network drops,
// TURN credentials, and one record per call (department, times, outcome, staff and consultant ids,
// the consultant's notes). No media passes through the hub and none is recorded.
// With several hub processes on one database, each keeps a copy of the queues: every change is written
// to the call's record first, then announced on the event bus, and a process (re)joining reads the open
// records and asks the others which parties are connected to them.
import { randomUUID } from 'node:crypto';
import {
  AvailabilityResponse, CALL_GRACE_MS, CallClientFrame, EndCallInput, CallNotesInput, ConsultantAvailabilityInput, departments, StartCallInput,
  type CallOutcome, type CallRecordView, type CallState, type CallServerFrame, type CallView, type ConsultantDeskView, type Department,
  type TurnCredentialsResponse,
} from '../../protocol/consultation';
import type { Clock } from '../clock';
import { conflict, forbidden, HubError } from '../errors';
import type { IdGenerator } from '../../common/ids';
import type { Logger } from '../../common/logger';
import type { ConsultationRow, HubStore } from '../store/types';
import type { HubEvent, HubEventBus } from './bus';
import { CallQueues, type Call } from './call-queue';
import { parse } from './parse';
import { REVOKED_CLOSE_CODE } from './push';
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
  /** Carries signals to a party whose call socket is on another hub process, and revocations. */
  bus: HubEventBus;
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
const partyOf = (k: string): Party => (k.startsWith('v:') ? { kind: 'vehicle', id: k.slice(2) } : { kind: 'consultant', id: k.slice(2) });
/** Open records older than this are not live calls (nobody waits a day); they are left to the records. */
const OPEN_CALL_HORIZON_MS = 24 * 3600_000;
/**
 * Several processes: each re-announces its parties every few seconds (a quarter of the grace period
 * at most); a process silent for three beats has stopped, and its parties count as away.
 */
const PRESENCE_EVERY_MS = 5_000;


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
  private readonly unsubscribe: (() => void)[];
  /** This process, as other hub processes count where a party is connected. */
  private readonly process = randomUUID();
  /**
   * Party key → the other hub processes where that party has a call socket open, with when that was
   * last announced: a process that died stops announcing, and its parties count as away.
   */
  private readonly elsewhere = new Map<string, Map<string, number>>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly beatMs: number;

  constructor(private readonly deps: ConsultationDeps) {
    this.queues = new CallQueues(deps.clock, () => deps.ids());
    this.graceMs = deps.graceMs ?? CALL_GRACE_MS;
    this.beatMs = Math.max(100, Math.min(PRESENCE_EVERY_MS, Math.floor(this.graceMs / 4)));
    this.unsubscribe = [
      deps.bus.subscribe((e, meta) => this.onEvent(e, meta.local)),
      deps.bus.onResync(() => void this.rejoin().catch((e: unknown) => deps.log.error({ err: (e as Error).message }, 'consultations not re-synced'))),
    ];
  }

  /**
   * One hub process: records left open by a hub that stopped mid-call are closed as interrupted. One of
   * several: the open records are live calls (maybe held by another process); those whose parties
   * nobody announces within the grace period are interrupted.
   */
  async init(): Promise<void> {
    const { store, clock, log, bus } = this.deps;
    if (!bus.spansProcesses) {
      const n = await store.transaction((tx) => tx.interruptOpenConsultations(clock.now().toISOString()));
      if (n > 0) log.warn({ calls: n }, 'consultations left open by the previous run closed as interrupted');
      return;
    }
    await this.rejoin();
    for (const call of this.queues.live()) this.startAwayTimer(call.id);
    this.heartbeat = setInterval(() => this.beat(), this.beatMs);
    this.heartbeat.unref();
  }

  /** Re-reads the open calls from their records and asks the other processes who is connected where. */
  private async rejoin(): Promise<void> {
    const { store, clock } = this.deps;
    const since = new Date(clock.now().getTime() - OPEN_CALL_HORIZON_MS).toISOString();
    const rows = await store.transaction(async (tx) => {
      const open = (await tx.listConsultations({ since, limit: 1_000 })).filter((r) => r.endedAt === null);
      // Calls live here that are no longer open ended while this process could not hear of it.
      const gone: ConsultationRow[] = [];
      for (const call of this.queues.live()) {
        if (open.some((r) => r.id === call.id)) continue;
        const row = await tx.getConsultation(call.id);
        if (row) gone.push(row);
      }
      return [...open, ...gone];
    });
    for (const row of rows) this.take(callFromRecord(row, this.queues.peek(row.id)));
    this.publish({ type: 'call.presence_query', process: this.process });
    this.announcePresence();
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const off of this.unsubscribe) off();
    const { bus, log } = this.deps;
    // The others stop counting this process's parties as present (a crashed process is not announced).
    await Promise.all(
      [...this.sockets.keys()].map((k) =>
        bus.publish({ type: 'call.presence', party: partyOf(k), present: false, process: this.process }).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'call presence not announced')),
      ),
    );
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
    const wasAway = !this.present(party);
    if (set.size === 0) this.publish({ type: 'call.presence', party, present: true, process: this.process });
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
    if (this.presentHere(other)) {
      this.sendTo(other, { type: 'signal', callId, data });
      return;
    }
    // Not connected here: its socket may be on another hub process.
    this.deps.bus
      .publish({ type: 'call.signal', to: other, callId, data })
      .catch((e: unknown) => this.deps.log.error({ callId, err: (e as Error).message }, 'call signal not published'));
  }

  private onEvent(event: HubEvent, local: boolean): void {
    switch (event.type) {
      case 'vehicle.revoked':
        for (const s of this.sockets.get(key({ kind: 'vehicle', id: event.vehicleId })) ?? []) s.close(REVOKED_CLOSE_CODE, 'vehicle revoked');
        return;
      case 'call.signal':
        return this.onSignal(event, local);
      case 'call.changed':
        if (local) return;
        if (event.consultantName && event.call.consultantId) this.names.set(event.call.consultantId, event.consultantName);
        this.take(event.call);
        return;
      case 'call.availability': {
        if (local) return;
        this.names.set(event.consultantId, event.consultantName);
        // Re-announced on every heartbeat: only a change is news to the consultants here.
        const before = this.queues.availableFor(event.consultantId).sort().join(',');
        if (before === [...event.departments].sort().join(',')) return;
        this.queues.setAvailable(event.consultantId, event.departments);
        this.broadcastQueues();
        return;
      }
      case 'call.presence':
        return this.onPresence(event.party, event.present, event.process);
      case 'call.presence_query':
        if (event.process !== this.process) this.announcePresence();
        return;
      default:
        return;
    }
  }

  /** A call's state as another process committed it: this copy takes it and tells the parties here. */
  private take(call: Call): void {
    if (!this.queues.upsert(call)) return;
    if (call.state !== 'waiting' && call.state !== 'connected') {
      const t = this.awayTimers.get(call.id);
      if (t) clearTimeout(t);
      this.awayTimers.delete(call.id);
      if (call.outcome === 'interrupted') this.interrupted.set(call.vehicleId, { department: call.department, at: this.deps.clock.now().getTime() });
    }
    this.notifyParties(call);
    this.queueChanged(call.department);
  }

  private onPresence(party: Party, present: boolean, process: string): void {
    if (process === this.process) return;
    const k = key(party);
    const seen = this.elsewhere.get(k) ?? new Map<string, number>();
    const was = seen.has(process);
    if (present) seen.set(process, this.deps.clock.now().getTime());
    else seen.delete(process);
    if (seen.size > 0) this.elsewhere.set(k, seen);
    else this.elsewhere.delete(k);
    if (present === was) return;
    const open = this.queues.openCallOf(party.kind, party.id);
    if (!open) return;
    if (!present && !this.present(party)) this.startAwayTimer(open.id);
    this.presenceChanged(open);
  }

  /** Tells the other processes which parties are connected here and what the consultants here offer. */
  private announcePresence(): void {
    for (const k of this.sockets.keys()) {
      const party = partyOf(k);
      this.publish({ type: 'call.presence', party, present: true, process: this.process });
      if (party.kind === 'consultant') {
        const departments = this.queues.availableFor(party.id);
        if (departments.length > 0) this.publish({ type: 'call.availability', consultantId: party.id, departments, consultantName: this.nameOf(party.id) });
      }
    }
  }

  private publish(event: HubEvent): void {
    this.deps.bus.publish(event).catch((e: unknown) => this.deps.log.error({ event: event.type, err: (e as Error).message }, 'consultation event not published'));
  }

  /** After its record is committed, a call's new state goes to the other processes' copies. */
  private announce(call: Call): void {
    this.publish({ type: 'call.changed', call, consultantName: call.consultantId ? this.nameOf(call.consultantId) : null });
  }

  private nameOf(consultantId: string): string {
    return (this.names.get(consultantId) ?? '相談員').slice(0, 40);
  }

  private onSignal(event: Extract<HubEvent, { type: 'call.signal' }>, local: boolean): void {
    const to: Party = event.to;
    const frame: CallServerFrame = { type: 'signal', callId: event.callId, data: event.data };
    if (this.presentHere(to)) {
      this.sendTo(to, frame);
      return;
    }
    if (!local) return;
    // The party is away (its network dropped): the process that relayed the signal holds it for when
    // the party is back here. Another process holding the party's socket has already delivered it.
    const held = this.pending.get(key(to)) ?? [];
    held.push(JSON.stringify(frame));
    if (held.length > MAX_PENDING_SIGNALS) held.shift();
    this.pending.set(key(to), held);
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
    this.announce(call);
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
    this.publish({ type: 'call.availability', consultantId, departments: this.queues.availableFor(consultantId), consultantName: this.nameOf(consultantId) });
    this.broadcastQueues();
    return this.desk(consultantId);
  }

  async accept(consultantId: string, displayName: string, callId: string): Promise<CallView> {
    this.names.set(consultantId, displayName);
    const { store, clock } = this.deps;
    let call: Call;
    try {
      call = await store.transaction(async (tx) => {
        // The record decides between two consultants taking the same call on two processes.
        const row = await tx.getConsultation(callId);
        if (row && (row.connectedAt !== null || row.endedAt !== null)) {
          throw conflict('CALL_NOT_WAITING', 'この相談はもう受けられません（ほかの担当が受けたか、取りやめになりました）。');
        }
        const taken = this.queues.accept(consultantId, callId);
        await tx.setConsultationConnected(taken.id, consultantId, taken.connectedAt ?? clock.now().toISOString());
        await tx.appendAudit({ actor: consultantId, action: 'consultation.accepted', place: 'hub', detail: { callId: taken.id, vehicleId: taken.vehicleId, department: taken.department } }, clock.now().toISOString());
        return taken;
      });
    } catch (e) {
      if (this.queues.peek(callId)) await this.refresh(callId);
      throw e;
    }
    this.announce(call);
    const consultant: Party = { kind: 'consultant', id: consultantId };
    if (!this.present(consultant) || !this.present({ kind: 'vehicle', id: call.vehicleId })) this.startAwayTimer(call.id);
    this.notifyParties(call);
    this.queueChanged(call.department);
    return this.view(call, consultant);
  }

  /** The consultant signs out: no longer available, and a call they were in ends. */
  async leave(consultantId: string): Promise<void> {
    for (const call of this.queues.leave(consultantId)) await this.finished(call, { kind: 'consultant', id: consultantId });
    this.publish({ type: 'call.availability', consultantId, departments: [], consultantName: this.nameOf(consultantId) });
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

  /** Connected to this process or, as the others announced, to another one. */
  private present(party: Party): boolean {
    return this.presentHere(party) || (this.elsewhere.get(key(party))?.size ?? 0) > 0;
  }

  /**
   * Several processes: announce the parties here again, forget parties of processes that stopped
   * announcing, and start the grace period for calls a party of which is now nowhere.
   */
  private beat(): void {
    this.announcePresence();
    const stale = this.deps.clock.now().getTime() - 3 * this.beatMs;
    for (const [k, seen] of this.elsewhere) {
      for (const [process, at] of seen) if (at < stale) seen.delete(process);
      if (seen.size === 0) this.elsewhere.delete(k);
    }
    for (const call of this.queues.live()) {
      const vehicle: Party = { kind: 'vehicle', id: call.vehicleId };
      const consultantAway = call.consultantId !== null && !this.present({ kind: 'consultant', id: call.consultantId });
      if ((!this.present(vehicle) || consultantAway) && !this.awayTimers.has(call.id)) {
        this.startAwayTimer(call.id);
        this.presenceChanged(call);
      }
    }
  }

  private presentHere(party: Party): boolean {
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
    this.publish({ type: 'call.presence', party, present: false, process: this.process });
    const open = this.queues.openCallOf(party.kind, party.id);
    if (open && !this.present(party)) {
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
    let ended = true;
    try {
      ended = await store.transaction(async (tx) => {
        if (!(await tx.endConsultation(call.id, outcome, call.endedAt ?? clock.now().toISOString()))) return false;
        await tx.appendAudit({ actor: by ? by.id : 'system', action: 'consultation.ended', place: 'hub', detail: { callId: call.id, outcome } }, clock.now().toISOString());
        return true;
      });
    } catch (e) {
      log.error({ callId: call.id, err: (e as Error).message }, 'consultation record not closed');
    }
    if (!ended) {
      // Another hub process ended it first: its record says how.
      await this.refresh(call.id);
      return;
    }
    log.info({ callId: call.id, outcome, department: call.department }, 'consultation finished');
    this.announce(call);
    this.notifyParties(call);
    this.queueChanged(call.department);
  }

  /** Takes a call's state from its record (after another process changed it first). */
  private async refresh(callId: string): Promise<void> {
    try {
      const row = await this.deps.store.transaction((tx) => tx.getConsultation(callId));
      if (row) this.take(callFromRecord(row, this.queues.peek(callId)));
    } catch (e) {
      this.deps.log.warn({ callId, err: (e as Error).message }, 'call record not re-read');
    }
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

/** A call as its record has it; `known` keeps what the record does not hold (the call-back flag). */
function callFromRecord(r: ConsultationRow, known: Call | null): Call {
  const outcome = r.outcome as CallOutcome | null;
  const state: CallState =
    r.endedAt === null
      ? r.connectedAt === null ? 'waiting' : 'connected'
      : outcome === 'abandoned' ? 'abandoned' : outcome === 'interrupted' ? 'interrupted' : 'ended';
  return {
    id: r.id,
    vehicleId: r.vehicleId,
    department: r.department as Department,
    state,
    consultantId: r.consultantId,
    calledAt: r.calledAt,
    connectedAt: r.connectedAt,
    endedAt: r.endedAt,
    outcome,
    callBack: known?.callBack ?? false,
  };
}
