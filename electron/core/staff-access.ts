// Who may use the staff screen now: sign-in, sign-out, the lock (by hand or after idling), and the
// gate every staff call passes. A locked terminal shows the resident nothing of the last request and
// keeps no card read open.
import type { SessionStatus } from '../../protocol/ipc';
import type { CardFlows } from './card-flows';
import { AppError } from './errors';
import type { ResidentScreen } from './resident-screen';
import type { StaffSessions } from './staff';
import type { TerminalEvents } from './terminal-events';

export interface StaffAccessOptions {
  sessions: StaffSessions;
  residentScreen: ResidentScreen;
  cards: CardFlows;
  events: TerminalEvents;
}

export class StaffAccess {
  private readonly sessions: StaffSessions;
  private readonly residentScreen: ResidentScreen;
  private readonly cards: CardFlows;
  private readonly events: TerminalEvents;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(options: StaffAccessOptions) {
    this.sessions = options.sessions;
    this.residentScreen = options.residentScreen;
    this.cards = options.cards;
    this.events = options.events;
  }

  status(): SessionStatus {
    return this.sessions.status();
  }

  signIn(staffId: string, pin: string): SessionStatus {
    return this.announce(this.sessions.signIn(staffId, pin));
  }

  signOut(): SessionStatus {
    this.residentScreen.clear();
    this.cards.cancel();
    this.cards.endVisit();
    return this.announce(this.sessions.signOut());
  }

  lock(): SessionStatus {
    const status = this.sessions.lock('manual');
    this.onLocked();
    return status;
  }

  touch(): void {
    this.sessions.touch();
  }

  /** A staff call: the session must be signed in and unlocked; the idle timer restarts. */
  asStaff<T>(fn: (staffId: string) => T): T {
    try {
      return fn(this.sessions.requireActive());
    } catch (e) {
      if (e instanceof AppError && e.code === 'LOCKED') this.onLocked();
      throw e;
    }
  }

  /** Checks the idle lock every few seconds so the screens lock even when nobody touches them. */
  startIdleLock(intervalMs: number): void {
    this.idleTimer ??= setInterval(() => {
      if (this.sessions.applyIdleLock()) this.onLocked();
    }, intervalMs);
    this.idleTimer.unref();
  }

  stop(): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
  }

  private onLocked(): void {
    this.residentScreen.clear();
    this.cards.cancel();
    // Staff stepped away: a card read before the lock no longer stands for the person at the counter.
    this.cards.endVisit();
    this.events.emit('sessionChanged', this.sessions.status());
  }

  private announce(status: SessionStatus): SessionStatus {
    this.events.emit('sessionChanged', status);
    return status;
  }
}
