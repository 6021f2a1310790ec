// Who is connected to this hub process right now: vehicles (their inbox rows are pushed as they are
// committed) and operator consoles (told that the queue changed, then they re-read it). With several
// processes a vehicle's socket may be on another one, so a push goes through the event bus as the
// vehicle id and inbox numbers, and the process holding the socket reads those rows and sends them.
// A push is only a hint of speed: the inbox is the record, and a vehicle pulls whatever it missed.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { Logger } from '../../common/logger';
import type { HubStore } from '../store/types';
import type { HubEvent, HubEventBus } from './bus';
import { readInbox } from './inbox';
import type { HubSealer } from './sealing';

export interface PushSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

const OPEN = 1;
/** Sent to consoles after a re-sync: any notice makes them read their lists again. */
const RESYNC_NOTICE = JSON.stringify({ type: 'resync' });
/** Close code for a revoked vehicle's socket; its reconnect is refused with REVOKED_VEHICLE. */
export const REVOKED_CLOSE_CODE = 4403;
/** At most this many inbox rows are re-sent to a socket in a re-sync: a gap makes the vehicle pull the rest. */
const RESYNC_ROWS = 50;

/** Several processes: each re-announces the vehicles connected to it this often; three missed beats and it is gone. */
const PRESENCE_EVERY_MS = 10_000;

export interface PushHubDeps {
  store: HubStore;
  bus: HubEventBus;
  log: Logger;
  clock: Clock;
  /** Opens the print jobs the inbox keeps sealed. */
  sealer: HubSealer;
}

export class PushHub {
  private readonly vehicles = new Map<string, Set<PushSocket>>();
  private readonly consoles = new Set<PushSocket>();
  /** The certificate each vehicle socket authenticated with, to notice when it is revoked. */
  private readonly fingerprints = new WeakMap<PushSocket, string>();
  private revocationTimer: NodeJS.Timeout | null = null;
  private presenceTimer: NodeJS.Timeout | null = null;
  /** This process, as the others count which vehicles are connected where. */
  private readonly process = randomUUID();
  /** Other process → the vehicles connected to it and when it last said so. */
  private readonly elsewhere = new Map<string, { vehicles: Set<string>; at: number }>();
  /** When each vehicle's socket was last open, on this process or (as announced) another, since it started. */
  private readonly seen = new Map<string, number>();
  private readonly unsubscribe: (() => void)[];
  /** Inbox reads and sends run one after another, so a vehicle gets its rows in order. */
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly deps: PushHubDeps) {
    this.unsubscribe = [deps.bus.subscribe((e) => this.onEvent(e)), deps.bus.onResync(() => this.resync())];
    if (deps.bus.spansProcesses) {
      this.presenceTimer = setInterval(() => this.announceVehicles(), PRESENCE_EVERY_MS);
      this.presenceTimer.unref();
      this.announceVehicles();
    }
  }

  addVehicle(vehicleId: string, socket: PushSocket, certificateFingerprint?: string): () => void {
    this.seen.set(vehicleId, this.deps.clock.now().getTime());
    let set = this.vehicles.get(vehicleId);
    if (!set) {
      this.vehicles.set(vehicleId, (set = new Set()));
      if (this.deps.bus.spansProcesses) this.publish({ type: 'vehicle.presence', vehicleId, connected: true, process: this.process });
    }
    set.add(socket);
    if (certificateFingerprint) this.fingerprints.set(socket, certificateFingerprint);
    return () => {
      this.seen.set(vehicleId, this.deps.clock.now().getTime());
      set.delete(socket);
      if (set.size === 0 && this.vehicles.get(vehicleId) === set) {
        this.vehicles.delete(vehicleId);
        if (this.deps.bus.spansProcesses) this.publish({ type: 'vehicle.presence', vehicleId, connected: false, process: this.process });
      }
    };
  }

  addConsole(socket: PushSocket): () => void {
    this.consoles.add(socket);
    return () => this.consoles.delete(socket);
  }

  /** Vehicles with a socket on this process or, as the others announced, on another one. */
  connectedVehicles(): string[] {
    const all = new Set(this.vehicles.keys());
    const stale = this.deps.clock.now().getTime() - 3 * PRESENCE_EVERY_MS;
    for (const [process, known] of this.elsewhere) {
      if (known.at < stale) this.elsewhere.delete(process);
      else for (const id of known.vehicles) all.add(id);
    }
    return [...all];
  }

  /** When each vehicle was last connected (now, for those connected), as far as this process has seen since it started. */
  vehiclesLastSeen(): Map<string, string> {
    const now = this.deps.clock.now().getTime();
    const out = new Map<string, string>();
    for (const [id, at] of this.seen) out.set(id, new Date(at).toISOString());
    for (const id of this.connectedVehicles()) out.set(id, new Date(now).toISOString());
    return out;
  }

  /** Inbox rows of a vehicle were committed: every process holding a socket of that vehicle sends them. */
  toVehicle(vehicleId: string, envelopes: readonly { seq: number }[]): void {
    if (envelopes.length === 0) return;
    const seqs = envelopes.map((e) => e.seq);
    this.publish({ type: 'inbox.appended', vehicleId, fromSeq: Math.min(...seqs), toSeq: Math.max(...seqs) });
  }

  toConsoles(notice: { type: string; requestId?: string }): void {
    this.publish({ type: 'console.notice', notice: notice.requestId === undefined ? { type: notice.type } : { type: notice.type, requestId: notice.requestId } });
  }

  /** A vehicle or its certificate was revoked (committed): every process closes that vehicle's sockets. */
  vehicleRevoked(vehicleId: string): void {
    this.publish({ type: 'vehicle.revoked', vehicleId });
  }

  /**
   * Re-checks, every `everyMs`, that the vehicles and certificates of the sockets held here are still
   * valid: a revocation written outside a running hub (the command line) publishes nothing.
   */
  checkRevocationsEvery(everyMs: number): void {
    if (this.revocationTimer) clearInterval(this.revocationTimer);
    this.revocationTimer = setInterval(() => void this.closeRevoked(), everyMs);
    this.revocationTimer.unref();
  }

  /**
   * Closes the sockets of revoked certificates here and announces revoked vehicles to every process
   * (their call sockets close too); returns how many sockets were found revoked.
   */
  async closeRevoked(): Promise<number> {
    const held = [...this.vehicles].flatMap(([vehicleId, set]) => [...set].map((socket) => ({ vehicleId, socket, fingerprint: this.fingerprints.get(socket) })));
    if (held.length === 0) return 0;
    let found: { vehicles: Set<string>; certificates: typeof held };
    try {
      found = await this.deps.store.transaction(async (tx) => {
        const vehicles = new Set<string>();
        const certificates: typeof held = [];
        for (const h of held) {
          const vehicle = await tx.getVehicle(h.vehicleId);
          if (!vehicle || vehicle.revokedAt) {
            vehicles.add(h.vehicleId);
            continue;
          }
          const cert = h.fingerprint ? await tx.getVehicleCertificate(h.fingerprint) : undefined;
          if (h.fingerprint && (!cert || cert.revokedAt)) certificates.push(h);
        }
        return { vehicles, certificates };
      });
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, 'revocation check failed; trying again later');
      return 0;
    }
    let closed = 0;
    for (const vehicleId of found.vehicles) {
      closed += this.vehicles.get(vehicleId)?.size ?? 0;
      this.vehicleRevoked(vehicleId);
    }
    for (const h of found.certificates) {
      this.vehicles.get(h.vehicleId)?.delete(h.socket);
      if (this.vehicles.get(h.vehicleId)?.size === 0) this.vehicles.delete(h.vehicleId);
      h.socket.close(REVOKED_CLOSE_CODE, 'certificate revoked');
      this.deps.log.warn({ vehicleId: h.vehicleId }, 'socket of a revoked certificate disconnected');
      closed++;
    }
    return closed;
  }

  /** Waits until the pushes already under way have been sent (tests, and an orderly stop). */
  async idle(): Promise<void> {
    await this.sending;
  }

  closeAll(): void {
    if (this.revocationTimer) clearInterval(this.revocationTimer);
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    if (this.deps.bus.spansProcesses) this.publish({ type: 'vehicles.here', vehicleIds: [], process: this.process });
    for (const off of this.unsubscribe) off();
    for (const set of this.vehicles.values()) for (const s of set) s.close(1001, 'hub stopping');
    for (const s of this.consoles) s.close(1001, 'hub stopping');
    this.vehicles.clear();
    this.consoles.clear();
  }

  private publish(event: HubEvent): void {
    this.deps.bus.publish(event).catch((e: unknown) => this.deps.log.error({ event: event.type, err: (e as Error).message }, 'hub event not published'));
  }

  private onEvent(event: HubEvent): void {
    switch (event.type) {
      case 'inbox.appended':
        if (this.vehicles.has(event.vehicleId)) this.sendInbox(event.vehicleId, event.fromSeq - 1, event.toSeq);
        return;
      case 'console.notice': {
        const frame = JSON.stringify(event.notice);
        for (const s of this.consoles) this.sendSafely(s, frame, { event: event.notice.type });
        return;
      }
      case 'vehicle.revoked': {
        const set = this.vehicles.get(event.vehicleId);
        if (!set) return;
        this.vehicles.delete(event.vehicleId);
        for (const s of set) s.close(REVOKED_CLOSE_CODE, 'vehicle revoked');
        this.deps.log.warn({ vehicleId: event.vehicleId, sockets: set.size }, 'revoked vehicle disconnected');
        return;
      }
      case 'revocation.changed':
        void this.closeRevoked();
        return;
      case 'vehicle.presence': {
        if (event.process === this.process) return;
        const known = this.elsewhere.get(event.process) ?? { vehicles: new Set<string>(), at: 0 };
        known.at = this.deps.clock.now().getTime();
        this.seen.set(event.vehicleId, known.at);
        if (event.connected) known.vehicles.add(event.vehicleId);
        else known.vehicles.delete(event.vehicleId);
        this.elsewhere.set(event.process, known);
        return;
      }
      case 'vehicles.here':
        if (event.process === this.process) return;
        if (event.vehicleIds.length === 0) this.elsewhere.delete(event.process);
        else this.elsewhere.set(event.process, { vehicles: new Set(event.vehicleIds), at: this.deps.clock.now().getTime() });
        return;
      default:
        return;
    }
  }

  private announceVehicles(): void {
    this.publish({ type: 'vehicles.here', vehicleIds: [...this.vehicles.keys()], process: this.process });
  }

  /** Events may have been missed: vehicles get their unacknowledged rows again, consoles re-read. */
  private resync(): void {
    for (const s of this.consoles) this.sendSafely(s, RESYNC_NOTICE, { event: 'resync' });
    for (const vehicleId of this.vehicles.keys()) this.sendInbox(vehicleId, null, null);
  }

  /** Sends inbox rows after `afterSeq` (null: after what the vehicle acknowledged) up to `toSeq`. */
  private sendInbox(vehicleId: string, afterSeq: number | null, toSeq: number | null): void {
    const { store, log } = this.deps;
    this.sending = this.sending.then(async () => {
      try {
        if (!this.vehicles.has(vehicleId)) return;
        const rows = await store.transaction(async (tx) => {
          const after = afterSeq ?? 0;
          return readInbox(tx, this.deps.sealer, vehicleId, after, toSeq === null ? RESYNC_ROWS : Math.max(1, toSeq - after), 'push', this.deps.clock.now().toISOString());
        });
        const set = this.vehicles.get(vehicleId);
        if (!set) return;
        for (const r of rows) {
          const frame = JSON.stringify({ seq: r.seq, body: r.body });
          for (const s of set) this.sendSafely(s, frame, { vehicleId, seq: r.seq });
        }
      } catch (e) {
        log.warn({ vehicleId, err: (e as Error).message }, 'inbox push not sent; the vehicle pulls it');
      }
    });
  }

  private sendSafely(s: PushSocket, frame: string, context: Record<string, unknown>): void {
    if (s.readyState !== OPEN) return;
    try {
      s.send(frame);
    } catch (e) {
      this.deps.log.warn({ ...context, err: (e as Error).message }, 'push failed; the inbox keeps the message');
    }
  }
}
