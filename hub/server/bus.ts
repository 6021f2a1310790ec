// The hub's event bus: what one hub process must tell the others so that a socket held by any of them
// hears it (an inbox grew, the consoles' lists changed, a vehicle was revoked, a call signal for a party).
// Events carry ids and sequence numbers, never personal data: the receiver reads the rows it needs.
// One process on SQLite uses the in-process bus; several processes on one PostgreSQL use bus-postgres.
import { z } from 'zod';
import { CallOutcome, CallState, Department, SignalData } from '../../protocol/consultation';
import { EntityId, StaffId, VehicleId } from '../../protocol/ids';
import type { Logger } from '../../common/logger';

/** A vehicle's id or a consultant's 職員番号: the two formats are the same. */
const Party = z.object({ kind: z.enum(['vehicle', 'consultant']), id: VehicleId.or(StaffId) });
/** A hub process's id for the life of the process (presence is counted per process). */
const ProcessId = z.string().uuid();
const CallEvent = z.object({
  id: EntityId,
  vehicleId: VehicleId,
  department: Department,
  state: CallState,
  consultantId: StaffId.nullable(),
  calledAt: z.string().max(40),
  connectedAt: z.string().max(40).nullable(),
  endedAt: z.string().max(40).nullable(),
  outcome: CallOutcome.nullable(),
  callBack: z.boolean(),
});

export const HubEvent = z.discriminatedUnion('type', [
  /** Inbox rows fromSeq..toSeq of a vehicle are committed: whoever holds its socket sends them. */
  z.object({ type: z.literal('inbox.appended'), vehicleId: VehicleId, fromSeq: z.number().int().min(1), toSeq: z.number().int().min(1) }),
  /** The operator consoles' lists changed: they read them again. */
  z.object({ type: z.literal('console.notice'), notice: z.object({ type: z.string().regex(/^[a-z_.]{1,40}$/), requestId: EntityId.optional() }) }),
  /** A vehicle (or its certificate) was revoked: every socket of it closes now. */
  z.object({ type: z.literal('vehicle.revoked'), vehicleId: VehicleId }),
  /** A revocation was written by another process (the command line): every hub process checks its sockets now. */
  z.object({ type: z.literal('revocation.changed') }),
  /** A WebRTC signal for one party of a call, relayed to whichever process holds that party's socket. */
  z.object({ type: z.literal('call.signal'), to: Party, callId: EntityId, data: SignalData }),
  /** A call changed (called, taken, ended…), as committed to its record: every copy of the queues takes it. */
  z.object({ type: z.literal('call.changed'), call: CallEvent, consultantName: z.string().max(40).nullable() }),
  /** A consultant's departments (empty: not available). */
  z.object({ type: z.literal('call.availability'), consultantId: StaffId, departments: z.array(Department).max(4), consultantName: z.string().max(40) }),
  /** A party's call socket opened on, or its last one closed from, a hub process. */
  z.object({ type: z.literal('call.presence'), party: Party, present: z.boolean(), process: ProcessId }),
  /** A vehicle's first push socket opened on, or its last one closed from, a hub process. */
  z.object({ type: z.literal('vehicle.presence'), vehicleId: VehicleId, connected: z.boolean(), process: ProcessId }),
  /** Every vehicle connected to a process, re-announced on a heartbeat (replaces what was known of it). */
  z.object({ type: z.literal('vehicles.here'), vehicleIds: z.array(VehicleId).max(20_000), process: ProcessId }),
  /** A process that (re)joined asks the others to announce who is connected to them. */
  z.object({ type: z.literal('call.presence_query'), process: ProcessId }),
]);
export type HubEvent = z.infer<typeof HubEvent>;

/** `local`: published by this process (true for every event on the in-process bus). */
export type HubEventHandler = (event: HubEvent, meta: { local: boolean }) => void;

export interface HubEventBus {
  /** True when other hub processes may be on the same database (their state arrives as events). */
  readonly spansProcesses: boolean;
  /** Delivers to this process's subscribers at once and to every other process's; call it after the commit. */
  publish(event: HubEvent): Promise<void>;
  subscribe(handler: HubEventHandler): () => void;
  /**
   * Runs after events may have been missed (the link to the other processes dropped and came back):
   * each holder of sockets re-sends what those sockets might lack.
   */
  onResync(handler: () => void): () => void;
  close(): Promise<void>;
}

/** Subscribers and their errors, shared by both buses: one failing subscriber never stops the others. */
export class Subscribers {
  private readonly handlers = new Set<HubEventHandler>();
  private readonly resyncHandlers = new Set<() => void>();

  constructor(private readonly log: Logger) {}

  add(handler: HubEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  addResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  deliver(event: HubEvent, local: boolean): void {
    for (const h of this.handlers) {
      try {
        h(event, { local });
      } catch (e) {
        this.log.error({ event: event.type, err: (e as Error).message }, 'hub event subscriber failed');
      }
    }
  }

  resync(): void {
    for (const h of this.resyncHandlers) {
      try {
        h();
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'hub re-sync subscriber failed');
      }
    }
  }
}

/** One hub process: events go to this process's subscribers, in the order they were published. */
export class InProcessBus implements HubEventBus {
  readonly spansProcesses = false;
  private readonly subscribers: Subscribers;
  private closed = false;

  constructor(log: Logger) {
    this.subscribers = new Subscribers(log);
  }

  async publish(event: HubEvent): Promise<void> {
    if (this.closed) return;
    this.subscribers.deliver(HubEvent.parse(event), true);
  }

  subscribe(handler: HubEventHandler): () => void {
    return this.subscribers.add(handler);
  }

  onResync(handler: () => void): () => void {
    return this.subscribers.addResync(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
