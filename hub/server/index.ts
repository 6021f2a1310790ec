// Starts a hub from its data directory: opens the store, reads its keys, serves HTTPS on 127.0.0.1.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { systemClock, type Clock } from '../clock';
import { newId, type IdGenerator } from '../../common/ids';
import { createLogger, type Logger } from '../../common/logger';
import type { HubStore } from '../store/types';
import type { VisitRules } from '../../protocol/visit-rules';
import { buildApp, type RateLimitOptions } from './app';
import { HubError } from '../errors';
import { checkpointAudit, CHECKPOINT_EVERY_MS, ensureAuditSigningKey, verifyAuditAnchors } from './audit-anchors';
import type { FeeTable } from '../../protocol/ipc';
import { Approvals } from './approvals';
import { BookingService } from './bookings';
import { InProcessBus, type HubEventBus } from './bus';
import { PostgresBus } from './bus-postgres';
import { Consultations, type TurnConfig } from './consultations';
import { hubDatabaseLocation, hubPaths, openHubStore, readHubKeys } from './data-dir';
import { InsuranceLinkService, parseTrustedJpkiCas, RecordingInsuranceLinkAdapter, type InsuranceLinkAdapter } from './insurance-link';
import { OperatorAuth } from './operator-auth';
import type { CertificateIssuer, ResidentLookup } from './ports';
import { PushHub } from './push';
import { ensureHubDataKey } from './sealing';
import { VehicleSync } from './vehicle-sync';
import { VisitService } from './visits';

export { addOperator, enrollVehicle, hubPaths, initHub, revokeVehicle } from './data-dir';
export type { CertificateIssuer, CertificateOrder, RegistryMatch, RenderedCertificate, ResidentLookup } from './ports';
export { RecordingInsuranceLinkAdapter } from './insurance-link';
export type { TurnConfig } from './consultations';
export type { InsuranceLinkAdapter, InsuranceLinkRequest, InsuranceLinkResult } from './insurance-link';

export interface StartHubOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  registry: ResidentLookup;
  certificates: CertificateIssuer;
  /** The city's home-visit calendar (fixtures/visit-rules.json or the city's own file, read by loadVisitRules). */
  visitRules: VisitRules;
  /** The certificate fee table (fixtures/fees.json or the city's own): every relayed request's fee is checked against it. */
  fees: FeeTable;
  consoleDir?: string;
  /**
   * PEM of the JPKI CA certificate(s) card certificates must chain to (マイナ保険証紐付け); by default the
   * one `initHub` kept in the data directory. With none, every insurance link is refused.
   */
  jpkiCaPem?: string | readonly string[];
  /** Trust the committed test JPKI CA (the demo and the tests only). */
  allowTestJpkiCa?: boolean;
  /** The insurance-linking service; by default the stand-in that records links in the hub store. */
  insuranceLinkAdapter?: InsuranceLinkAdapter;
  /** TURN relay for video consultations (coturn with a shared secret); without it calls are refused. */
  turn?: TurnConfig;
  /** How long a consultation waits for a party whose network dropped (default 30 s). */
  callGraceMs?: number;
  /** Per-address limits on sign-in and on vehicles without a valid certificate (defaults: 10 and 30 a minute). */
  rateLimits?: RateLimitOptions;
  /**
   * The hub's database: a postgres:// URL runs this process as one of several hub processes on that
   * database (events between them go through its LISTEN/NOTIFY). Absent, the database `initHub`
   * recorded in the data folder, else the data folder's SQLite file.
   */
  db?: string;
  /** How often the sockets held here are checked against revocations made outside a running hub (default 10 s). */
  revocationCheckMs?: number;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
}

export interface RunningHub {
  url: string;
  port: number;
  store: HubStore;
  push: PushHub;
  bus: HubEventBus;
  approvals: Approvals;
  bookings: BookingService;
  visits: VisitService;
  printSigningPublicKey: KeyObject;
  caCert: string;
  stop(): Promise<void>;
}

export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const log = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  const keys = readHubKeys(options.dataDir);
  const jpkiPems = options.jpkiCaPem === undefined ? (keys.jpkiCaPem === null ? [] : [keys.jpkiCaPem]) : typeof options.jpkiCaPem === 'string' ? [options.jpkiCaPem] : options.jpkiCaPem;
  // Parsed before the store opens, so a wrong CA file stops the start with nothing left open.
  const trustedJpkiCas = parseTrustedJpkiCas(jpkiPems, { allowTestCa: options.allowTestJpkiCa === true });
  // The data key that seals the certificates kept in the database: made here for a hub set up before
  // it existed, and refused when group or others can read it — before the store opens.
  const sealer = ensureHubDataKey(hubPaths(options.dataDir).dataKey);
  if (trustedJpkiCas.length === 0) log.warn('no JPKI CA configured: health-insurance links will be refused');
  // The database --db or the data folder names: the store, and on PostgreSQL the bus between processes.
  const location = hubDatabaseLocation(options.dataDir, options.db);
  const store = await openHubStore(options.dataDir, options.db, {
    // The message names the failure only: the URL may hold a password.
    onIdleError: (e) => log.warn({ code: (e as { code?: string }).code, err: e.message }, 'database connection lost while idle'),
  });
  // The audit chain is checked against its signed checkpoints before anything is served: a hub whose
  // records were rewritten does not start.
  const paths = hubPaths(options.dataDir);
  const auditKeys = ensureAuditSigningKey(paths.auditSigningKey, paths.auditSigningPublicKey);
  const verdict = await verifyAuditAnchors(store, auditKeys.publicKey).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  if (!verdict.ok) {
    await store.close();
    throw new HubError(500, 'AUDIT_CHAIN_BROKEN', `監査ログが書き換えられています（${verdict.brokenAt}番目の記録: ${verdict.why}）。ハブは起動しません。管理者に連絡してください（odekake hub audit verify で確かめられます）。`);
  }
  let bus: HubEventBus;
  try {
    bus = location.kind === 'postgres' ? await PostgresBus.start({ url: location.url, log }) : new InProcessBus(log);
  } catch (e) {
    await store.close();
    throw e;
  }
  const push = new PushHub({ store, bus, log, clock, sealer });
  push.checkRevocationsEvery(options.revocationCheckMs ?? 2_000);
  const sync = new VehicleSync({ store, clock, log, push, sealer, ids: options.ids ?? newId, fees: options.fees });
  const approvals = new Approvals({
    store, clock, log, push, ids: options.ids ?? newId, registry: options.registry, certificates: options.certificates,
    printSigningKey: createPrivateKey(keys.printSigningKey), sealer,
  });
  const auth = new OperatorAuth({ store, clock });
  const bookings = new BookingService({ store, rules: options.visitRules, clock, newId: options.ids ?? newId, log });
  const visits = new VisitService({ store, rules: options.visitRules, clock, log });
  const insuranceLink = new InsuranceLinkService({
    store, clock, log, ids: options.ids ?? newId, trustedCas: trustedJpkiCas,
    adapter: options.insuranceLinkAdapter ?? new RecordingInsuranceLinkAdapter({ store, clock, ids: options.ids ?? newId }),
  });
  const consultations = new Consultations({ store, clock, log, bus, ids: options.ids ?? newId, turn: options.turn, graceMs: options.callGraceMs });
  await consultations.init();
  const app = await buildApp({
    store, clock, log, push, sync, approvals, auth, insuranceLink, consultations, bookings, visits, visitRules: options.visitRules, consoleDir: options.consoleDir,
    tls: { key: keys.serverKey, cert: keys.serverCert, ca: keys.caCert }, sealer,
    rateLimits: options.rateLimits,
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (e) {
    push.closeAll();
    await consultations.stop();
    await bus.close();
    await store.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `https://${host}:${port}`;
  log.info({ url, dataDir: hubPaths(options.dataDir).dataDir }, 'hub listening');
  const checkpoint = () => checkpointAudit(store, auditKeys.privateKey, clock).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'audit checkpoint failed; trying again later'));
  // The first one before the hub is handed out: nothing of the hub's own is writing when the caller starts.
  await checkpoint();
  const checkpointTimer = setInterval(() => void checkpoint(), CHECKPOINT_EVERY_MS);
  checkpointTimer.unref();
  let stopped = false;
  return {
    url, port, store, push, bus, approvals, bookings, visits, caCert: keys.caCert, printSigningPublicKey: createPublicKey(keys.printSigningPublicKey),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(checkpointTimer);
      push.closeAll();
      await consultations.stop();
      await app.close();
      await push.idle();
      await bus.close();
      await checkpointAudit(store, auditKeys.privateKey, clock).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'audit checkpoint at stop failed'));
      await store.close();
    },
  };
}
