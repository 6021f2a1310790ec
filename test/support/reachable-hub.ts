// City hall as a vehicle's sync sees it when the VPN is up: every message applied, nothing in the
// inbox. Enough for the terminal to know it is online (cashless needs that), without a hub process.
import { generateKeyPairSync } from 'node:crypto';
import type { DeliverResponse, HubEnvelope } from '../../protocol/hub';
import { HubUnreachable, type HubTransport, type OutgoingMessage } from '../../electron/core/hub-transport';
import type { TerminalOptions } from '../../electron/core/terminal';

export class ReachableHub implements HubTransport {
  readonly vehicleId = 'vehicle-reachable';
  readonly received: OutgoingMessage[] = [];
  async deliver(messages: OutgoingMessage[]): Promise<DeliverResponse> {
    this.received.push(...messages);
    return { results: messages.map((m) => ({ idempotencyKey: m.idempotencyKey, status: 'applied' as const })) };
  }
  async inbox(): Promise<{ messages: HubEnvelope[]; latestSeq: number }> {
    return { messages: [], latestSeq: 0 };
  }
  async ack(): Promise<void> {}
  async listen(): Promise<{ close(): void }> {
    throw new HubUnreachable('no push channel here: the sync pulls');
  }
  async linkChallenge(): Promise<never> {
    throw new HubUnreachable('no insurance linking here');
  }
  async linkComplete(): Promise<never> {
    throw new HubUnreachable('no insurance linking here');
  }
}

const signingKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** The terminal's hub options for a reachable city hall. */
export function reachableHub(transport: HubTransport = new ReachableHub()): NonNullable<TerminalOptions['hub']> {
  return { transport, printSigningKey: signingKey, retry: { baseMs: 1, maxMs: 4 } };
}
