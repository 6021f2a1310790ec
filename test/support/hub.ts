// A real hub for tests: a temp data directory made by initHub (its own CA, keys, first admin), served
// on 127.0.0.1 with real TLS; vehicles enrolled through the same code as `odekake vehicle enroll`,
// talking over mutual TLS with the certificate the enrollment wrote.
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { VEHICLE_ENROLLMENT_FILES } from '../../protocol/hub';
import type { RequestInput } from '../../protocol/request';
import type { Clock } from '../../hub/clock';
import { silentLogger, type Logger } from '../../common/logger';
import { FixtureRegistry } from '../../hub/registry';
import { enrollVehicle, initHub, startHub, type RunningHub, type TurnConfig } from '../../hub/server';
import { registryCertificates } from '../../hub/server/certificate-issuer';
import { hubExists, readHubKeys } from '../../hub/server/data-dir';
import { hashPassword } from '../../hub/server/passwords';
import type { HubStore } from '../../hub/store/types';
import { registryLookup } from '../../hub/server/registry-lookup';
import type { CertificateIssuer, ResidentLookup } from '../../hub/server/ports';
import { loadVisitRules } from '../../common/visit-rules-file';
import type { VisitRules } from '../../protocol/visit-rules';
import { feesFile, juminhyoRequest, projectRoot, tempDir } from './fixtures';
import { loadFeeTable } from '../../common/fee-table-file';

/** The demo's visit calendar (fixtures/visit-rules.json), as `hub start` reads it. */
export const testVisitRules = (): VisitRules => loadVisitRules(join(projectRoot, 'fixtures', 'visit-rules.json'));
import { testCertificates, testRegistry } from './hub-ports';
import { testHubDatabase, type TestDatabase } from './postgres';

export const adminCredentials = { operatorId: 'admin', password: 'admin-password-for-tests' };
/** The certificate operator (証明書担当) every test hub has: the one who approves, since an admin cannot. */
export const approverCredentials = { operatorId: 'shomei', password: 'shomei-password-for-tests' };

export interface VehicleTls {
  vehicleId: string;
  dir: string;
  cert: string;
  key: string;
  ca: string;
  printSigningPublicKey: string;
}

export interface TestHub {
  hub: RunningHub;
  dataDir: string;
  enroll(vehicleId: string): Promise<VehicleTls>;
  stop(): Promise<void>;
}

/** Adds the test approver to a hub started without startTestHub; scrypt at its full cost once per test file. */
let approverHash: Promise<string> | null = null;
export async function addApprover(store: HubStore): Promise<void> {
  approverHash ??= hashPassword(approverCredentials.password);
  const passwordHash = await approverHash;
  const at = new Date().toISOString();
  await store.transaction(async (tx) => {
    await tx.insertOperator({ id: approverCredentials.operatorId, displayName: '証明 一郎', role: 'operator', passwordHash, active: true, createdAt: at });
    await tx.appendAudit({ actor: 'test', action: 'operator.create', place: 'hub', detail: { operatorId: approverCredentials.operatorId, role: 'operator' } }, at);
  });
}

export async function startTestHub(
  options: {
    registry?: ResidentLookup;
    certificates?: CertificateIssuer;
    /** Use the stand-in registry (fixtures/registry) and the real certificate renderer. */
    cityPorts?: boolean;
    logger?: Logger;
    consoleDir?: string;
    port?: number;
    dataDir?: string;
    /** Trusted JPKI CA PEM(s) for health-insurance linking. */
    jpkiCaPem?: string | readonly string[];
    clock?: Clock;
    /** TURN relay for video consultations. */
    turn?: TurnConfig;
    callGraceMs?: number;
    /** How often the hub checks its vehicle sockets for revoked certificates (default 2 s). */
    revocationCheckMs?: number;
    rateLimits?: import('../../hub/server/app').RateLimitOptions;
    visitRules?: VisitRules;
  } = {},
): Promise<TestHub> {
  const tmp = options.dataDir ? null : tempDir('odekake-hub-');
  const dataDir = options.dataDir ?? join(tmp!.dir, 'hub');
  // On PostgreSQL a new hub gets its own database; the data folder records it, so a hub restarted on the
  // same folder finds the same database.
  let database: TestDatabase | null = null;
  const created = !options.dataDir || !hubExists(dataDir);
  if (created) {
    database = await testHubDatabase();
    await initHub({ dataDir, adminId: adminCredentials.operatorId, adminPassword: adminCredentials.password, db: database?.url });
  }
  const city = options.cityPorts ? await FixtureRegistry.load() : null;
  const hub = await startHub({
    dataDir,
    port: options.port ?? 0,
    registry: options.registry ?? (city ? registryLookup(city) : testRegistry()),
    certificates: options.certificates ?? (city ? registryCertificates(city, { verificationKey: readHubKeys(dataDir).verificationKey }) : testCertificates()),
    logger: options.logger ?? silentLogger,
    visitRules: options.visitRules ?? testVisitRules(),
    fees: loadFeeTable(feesFile),
    consoleDir: options.consoleDir,
    jpkiCaPem: options.jpkiCaPem,
    // The tests sign their cards under the committed test CA.
    allowTestJpkiCa: true,
    clock: options.clock,
    turn: options.turn,
    callGraceMs: options.callGraceMs,
    revocationCheckMs: options.revocationCheckMs,
    // Tests sign in and call without certificates far more often than people do; the limits' own test sets them.
    rateLimits: options.rateLimits ?? { signInPerMinute: 100_000, refusedVehiclePerMinute: 100_000 },
  });
  if (created) await addApprover(hub.store);
  return {
    hub,
    dataDir,
    async enroll(vehicleId) {
      const dir = join(tmp?.dir ?? dataDir, `vehicle-${vehicleId}-${Date.now()}`);
      await enrollVehicle({ dataDir, vehicleId, outDir: dir, hubUrl: hub.url, actor: 'test' });
      return readEnrollment(dir);
    },
    async stop() {
      await hub.stop();
      // A folder the test passed in may be started again; its database goes with the run's cluster.
      if (tmp) await database?.drop();
      tmp?.remove();
    },
  };
}

export function readEnrollment(dir: string): VehicleTls {
  const f = VEHICLE_ENROLLMENT_FILES;
  const manifest = JSON.parse(readFileSync(join(dir, f.manifest), 'utf8')) as { vehicleId: string };
  return {
    vehicleId: manifest.vehicleId,
    dir,
    cert: readFileSync(join(dir, f.cert), 'utf8'),
    key: readFileSync(join(dir, f.key), 'utf8'),
    ca: readFileSync(join(dir, f.ca), 'utf8'),
    printSigningPublicKey: readFileSync(join(dir, f.printSigningKey), 'utf8'),
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** The body as sent, for files (PNG, PDF, Excel, Shift_JIS CSV). */
  bytes: Buffer;
}

/** One HTTPS call, with a client certificate when given. */
export function httpsCall(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; tls?: { cert?: string; key?: string; ca: string }; localAddress?: string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    const req = httpsRequest(
      url,
      {
        method: init.method ?? (payload === undefined ? 'GET' : 'POST'),
        ca: init.tls?.ca,
        cert: init.tls?.cert,
        key: init.tls?.key,
        agent: false,
        ...(init.localAddress ? { localAddress: init.localAddress } : {}),
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (console files)
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, bytes });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The vehicle's side of the API, as a test drives it. */
export function vehicleClient(hubUrl: string, v: Pick<VehicleTls, 'cert' | 'key' | 'ca'>) {
  const tls = { cert: v.cert, key: v.key, ca: v.ca };
  return {
    deliver: (messages: unknown[]) => httpsCall(`${hubUrl}/api/v1/vehicle/messages`, { body: { messages }, tls }),
    inbox: (after = 0, limit?: number) => httpsCall(`${hubUrl}/api/v1/vehicle/inbox?after=${after}${limit ? `&limit=${limit}` : ''}`, { tls }),
    ack: (upTo: number) => httpsCall(`${hubUrl}/api/v1/vehicle/inbox/ack`, { body: { upTo }, tls }),
    socket(after?: number): Promise<{ ws: WebSocket; frames: any[]; next(n?: number, timeoutMs?: number): Promise<any[]> }> {
      const ws = new WebSocket(`${hubUrl.replace('https', 'wss')}/api/v1/vehicle/ws${after !== undefined ? `?after=${after}` : ''}`, { ...tls });
      const frames: any[] = [];
      const waiters: (() => void)[] = [];
      ws.on('message', (d) => {
        frames.push(JSON.parse(String(d)));
        waiters.splice(0).forEach((w) => w());
      });
      const next = async (n = 1, timeoutMs = 5000) => {
        const deadline = Date.now() + timeoutMs;
        while (frames.length < n) {
          if (Date.now() > deadline) throw new Error(`expected ${n} frames, got ${frames.length}`);
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 100);
          });
        }
        return frames.slice(0, n);
      };
      return new Promise((resolve, reject) => {
        ws.once('open', () => resolve({ ws, frames, next }));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
        ws.once('error', reject);
      });
    },
  };
}

/** A browser-like operator: keeps the session cookie and the CSRF token. */
export function operatorClient(hubUrl: string, ca: string) {
  let cookie = '';
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown, opts: { csrf?: boolean; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { origin: new URL(hubUrl).origin, ...opts.headers };
    if (cookie) headers.cookie = cookie;
    if (opts.csrf !== false && csrf) headers['x-csrf-token'] = csrf;
    const res = await httpsCall(`${hubUrl}${path}`, { method, body, headers, tls: { ca } });
    const setCookie = res.headers['set-cookie'];
    if (setCookie) cookie = (Array.isArray(setCookie) ? setCookie : [setCookie]).map((c) => c.split(';')[0]).join('; ');
    return res;
  };
  return {
    call,
    get cookie() {
      return cookie;
    },
    async signIn(operatorId: string, password: string) {
      const res = await call('POST', '/api/v1/console/session', { operatorId, password });
      if (res.status === 200) csrf = res.body.csrfToken;
      return res;
    },
  };
}

let counter = 0;
/** A request.submit message as the vehicle's outbox sends it. */
export function submitMessage(overrides: { requestId?: string; key?: string; input?: Partial<RequestInput>; number?: string } = {}) {
  counter++;
  const requestId = overrides.requestId ?? `req-${Date.now().toString(36)}-${counter}`;
  return {
    type: 'request.submit',
    idempotencyKey: overrides.key ?? `key-submit-${requestId}`,
    requestId,
    number: overrides.number ?? `A-${String(counter).padStart(3, '0')}`,
    day: '2026-11-24',
    input: juminhyoRequest(overrides.input),
    identity: { documents: [{ kind: 'drivers_license', last4: '1234' }] },
    feeYen: 300,
    staffId: 'S0001',
    sentAt: '2026-11-24T10:00:00+09:00',
  };
}

export function eventMessage(requestId: string, event: string, key = `key-${event.toLowerCase()}-${requestId}`) {
  return { type: 'request.event', idempotencyKey: key, requestId, event, at: '2026-11-24T10:30:00+09:00', staffId: 'S0001' };
}

export const consoleDist = join(projectRoot, 'dist', 'renderer', 'console');
