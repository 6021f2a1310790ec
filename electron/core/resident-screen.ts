// What the resident's screen shows: one request summary for confirmation, or nothing.
import type { ResidentView } from '../../protocol/request';
import type { TerminalEvents } from './terminal-events';

export interface ResidentScreenOptions {
  events: TerminalEvents;
}

export class ResidentScreen {
  private readonly events: TerminalEvents;
  private current: ResidentView | null = null;

  constructor(options: ResidentScreenOptions) {
    this.events = options.events;
  }

  view(): ResidentView | null {
    return this.current;
  }

  /** The request the resident may confirm, if it is the one on their screen. */
  showing(requestId: string): boolean {
    return this.current?.requestId === requestId;
  }

  show(view: ResidentView | null): void {
    this.current = view;
    this.events.emit('residentView', view);
  }

  clear(): void {
    this.show(null);
  }

  /** A request that stops (cancelled) leaves the resident's screen. */
  clearIfShowing(requestId: string): void {
    if (this.showing(requestId)) this.clear();
  }
}
