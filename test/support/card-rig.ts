// The card test rig: a private pcscd with the vpcd driver, the card service on it, and virtual cards
// put into its first slot. Nothing below pcsclite is replaced.
import { silentLogger, type Logger } from '../../common/logger';
import { PcscCardService } from '../../native/card/index';
import { startVirtualCard, type StartVirtualCardOptions, type VirtualCardHandle } from '../../native/card/virtual/index';
import { startPrivatePcscd, type PrivatePcscd } from './pcscd';

export interface CardRig {
  pcscd: PrivatePcscd;
  service: PcscCardService;
  /** The vpcd slot the virtual cards go into. */
  reader: string;
  insert(profile: string, options?: Omit<StartVirtualCardOptions, 'profile' | 'port'>): Promise<VirtualCardHandle>;
  /** Waits until the service sees a card (or none) in the rig's reader. */
  waitForCard(present: boolean, timeoutMs?: number): Promise<void>;
  /** Pulls every card still in the reader and waits until the service sees the slot empty. */
  pullAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCardRig(options: { logger?: Logger } = {}): Promise<CardRig> {
  const pcscd = await startPrivatePcscd();
  const service = new PcscCardService({ logger: options.logger ?? silentLogger, retryMs: 200 });
  const reader = pcscd.readers[0];
  const cards: VirtualCardHandle[] = [];
  const waitForCard = async (present: boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = service.readers().find((x) => x.name === reader);
      if (r && r.cardPresent === present) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`reader ${reader} did not become ${present ? 'occupied' : 'empty'}`);
  };
  await service.settle();
  return {
    pcscd,
    service,
    reader,
    waitForCard,
    async insert(profile, options = {}) {
      const handle = await startVirtualCard({ ...options, profile, port: pcscd.port });
      cards.push(handle);
      if (options.inserted !== false) await waitForCard(true);
      return handle;
    },
    async pullAll() {
      for (const c of cards.splice(0)) c.stop();
      await waitForCard(false);
    },
    async stop() {
      for (const c of cards.splice(0)) c.stop();
      service.close();
      await pcscd.stop();
    },
  };
}
