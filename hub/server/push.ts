// Who is connected right now: vehicles (their inbox envelopes are pushed as they are committed) and
// operator consoles (told that the queue changed, then they re-read it). A push is only a hint of
// speed: the inbox is the record, and a vehicle pulls whatever it missed.
import type { Logger } from '../../common/logger';

export interface PushSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

const OPEN = 1;

export class PushHub {
  private readonly vehicles = new Map<string, Set<PushSocket>>();
  private readonly consoles = new Set<PushSocket>();

  constructor(private readonly log: Logger) {}

  addVehicle(vehicleId: string, socket: PushSocket): () => void {
    let set = this.vehicles.get(vehicleId);
    if (!set) this.vehicles.set(vehicleId, (set = new Set()));
    set.add(socket);
    return () => {
      set.delete(socket);
      if (set.size === 0 && this.vehicles.get(vehicleId) === set) this.vehicles.delete(vehicleId);
    };
  }

  addConsole(socket: PushSocket): () => void {
    this.consoles.add(socket);
    return () => this.consoles.delete(socket);
  }

  connectedVehicles(): string[] {
    return [...this.vehicles.keys()];
  }

  /** Sends inbox envelopes (already committed) to every open socket of that vehicle. */
  toVehicle(vehicleId: string, envelopes: readonly { seq: number; body: unknown }[]): void {
    const set = this.vehicles.get(vehicleId);
    if (!set) return;
    for (const env of envelopes) {
      const frame = JSON.stringify(env);
      for (const s of set) this.sendSafely(s, frame, { vehicleId, seq: env.seq });
    }
  }

  toConsoles(event: { type: string; requestId?: string }): void {
    const frame = JSON.stringify(event);
    for (const s of this.consoles) this.sendSafely(s, frame, { event: event.type });
  }

  closeAll(): void {
    for (const set of this.vehicles.values()) for (const s of set) s.close(1001, 'hub stopping');
    for (const s of this.consoles) s.close(1001, 'hub stopping');
    this.vehicles.clear();
    this.consoles.clear();
  }

  private sendSafely(s: PushSocket, frame: string, context: Record<string, unknown>): void {
    if (s.readyState !== OPEN) return;
    try {
      s.send(frame);
    } catch (e) {
      this.log.warn({ ...context, err: (e as Error).message }, 'push failed; the inbox keeps the message');
    }
  }
}
