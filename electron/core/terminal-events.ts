// The core's events to the screens (the contract's `events`), fanned out to every transport listening.
import type { EventName, EventPayload } from '../../protocol/ipc';

export type TerminalListener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export class TerminalEvents {
  private readonly listeners = new Set<TerminalListener>();

  on(listener: TerminalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const l of this.listeners) l(name, payload);
  }
}
