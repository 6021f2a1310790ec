// Starts a virtual My Number card in a vpcd reader (tests and the demo). pcscd with the vpcd driver
// must be running; by default the card goes into Debian's "Virtual PCD 00 00" slot on port 35963.
import { VirtualMyNumberCard, type CardFaults, type InitialTries } from './card';
import { loadKeys, loadProfile, testCaCertificatePem } from './profile';
import { VpcdCardConnection, VPCD_DEFAULT_PORT } from './vpcd';

export { VirtualMyNumberCard, MY_NUMBER_ATR, PULLED, buildBasicInfoFile, type CardFaults, type InitialTries } from './card';
export { CardProfile, listProfiles, loadKeys, loadProfile, testCaCertificatePem, isValidMyNumber } from './profile';
export { VpcdCardConnection, VPCD_DEFAULT_PORT } from './vpcd';

export interface StartVirtualCardOptions {
  /** A profile name in fixtures/cards (e.g. "yamazaki-takashi"). */
  profile: string;
  host?: string;
  port?: number;
  /** Start with fewer PIN tries left (to show the last-try and blocked flows). */
  tries?: InitialTries;
  faults?: CardFaults;
  /** Leave the card out of the reader until `insert()` is called. */
  inserted?: boolean;
}

export interface VirtualCardHandle {
  card: VirtualMyNumberCard;
  /** PEM of the test CA that issued the card's certificates. */
  caCertificatePem: string;
  insert(): Promise<void>;
  remove(): void;
  stop(): void;
}

export async function startVirtualCard(options: StartVirtualCardOptions): Promise<VirtualCardHandle> {
  const profile = loadProfile(options.profile);
  const card = new VirtualMyNumberCard(profile, loadKeys(profile.id), options.tries);
  Object.assign(card.faults, options.faults ?? {});
  const connection = new VpcdCardConnection(card, { host: options.host, port: options.port ?? VPCD_DEFAULT_PORT });
  if (options.inserted !== false) await connection.insert();
  return {
    card,
    caCertificatePem: testCaCertificatePem(),
    insert: () => connection.insert(),
    remove: () => connection.remove(),
    stop: () => connection.stop(),
  };
}
