// The hub's data directory: its certificate authority and server certificate, the Ed25519 key that
// signs print jobs, the data key that seals certificates kept in the database, and its database — a SQLite file kept here, or a PostgreSQL database whose URL is
// kept here (0600) so every hub command finds it. `initHub` creates it once; enrollment issues vehicle
// certificates from its CA.
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EnrollmentManifest, VEHICLE_ENROLLMENT_FILES } from '../../protocol/hub';
import { IntakeKeyId, IntakeKeyName } from '../../protocol/intake-api';
import { VehicleId } from '../../protocol/ids';
import { systemClock, type Clock } from '../clock';
import { badRequest, conflict, HubError, notFound } from '../errors';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../pki/openssl';
import { invalidDatabaseUrl, openHubStoreAt, PostgresUrl, redactDatabaseUrl, type HubDatabaseLocation, type PostgresStoreOptions } from '../store/open';
import type { KyselyHubStore } from '../store/store';
import type { HubStore, OperatorRole } from '../store/types';
import { parseTrustedJpkiCas } from './insurance-link';
import { parse } from './parse';
import { createHubDataKey } from './sealing';
import { generatePassword, hashPassword } from './passwords';

export function hubPaths(dataDir: string) {
  const pki = join(dataDir, 'pki');
  return {
    dataDir,
    database: join(dataDir, 'hub.sqlite3'),
    /** The PostgreSQL URL `hub init --db` recorded (JSON, 0600: it may hold a password). */
    databaseUrl: join(dataDir, 'database.json'),
    pki,
    caKey: join(pki, 'ca.key'),
    caCert: join(pki, 'ca.crt'),
    serverKey: join(pki, 'server.key'),
    serverCert: join(pki, 'server.crt'),
    printSigningKey: join(pki, 'print-signing.key'),
    printSigningPublicKey: join(pki, 'print-signing.pub'),
    /** Signs checkpoints of the audit chain (kept out of the database, so an edit to it cannot be re-signed). */
    auditSigningKey: join(pki, 'audit-signing.key'),
    auditSigningPublicKey: join(pki, 'audit-signing.pub'),
    /** HMAC key of the 照合番号 printed on certificates (kept secret: it lets the hub check them later). */
    verificationKey: join(pki, 'certificate-verification.key'),
    /** Seals the certificates' PDFs the database keeps for a while (AES-256-GCM; see sealing.ts). */
    dataKey: join(pki, 'data.key'),
    /** The JPKI CA certificate(s) card certificates must chain to for マイナ保険証紐付け (PEM). */
    jpkiCa: join(pki, 'jpki-ca.pem'),
  };
}
export type HubPaths = ReturnType<typeof hubPaths>;

export const OperatorId = VehicleId;

const DatabaseUrlFile = z.object({ url: PostgresUrl }).strict();

/**
 * Where a hub's database is: the `--db` URL when given, else the URL `hub init --db` recorded in the
 * data folder, else the SQLite file in it.
 */
export function hubDatabaseLocation(dataDir: string, db?: string): HubDatabaseLocation {
  const paths = hubPaths(dataDir);
  if (db !== undefined) {
    if (!PostgresUrl.safeParse(db).success) throw invalidDatabaseUrl();
    return { kind: 'postgres', url: db };
  }
  if (!existsSync(paths.databaseUrl)) return { kind: 'sqlite', file: paths.database };
  // Its URL may hold the database password: refuse to use a copy others can read.
  if ((statSync(paths.databaseUrl).mode & 0o077) !== 0) {
    throw new HubError(
      500,
      'DATABASE_URL_FILE_READABLE',
      `データベースの接続情報のファイルをほかの利用者も読めます（${paths.databaseUrl}）。chmod 600 ${paths.databaseUrl} を実行してから、もう一度実行してください。`,
    );
  }
  let parsed: z.ZodSafeParseResult<z.infer<typeof DatabaseUrlFile>>;
  try {
    parsed = DatabaseUrlFile.safeParse(JSON.parse(readFileSync(paths.databaseUrl, 'utf8')));
  } catch {
    parsed = { success: false } as typeof parsed;
  }
  if (!parsed.success) {
    throw new HubError(
      500,
      'DATABASE_URL_FILE_INVALID',
      `データベースの接続情報のファイルが読めません（${paths.databaseUrl}）。odekake hub start に --db postgres://… を付けて指定してください。`,
    );
  }
  return { kind: 'postgres', url: parsed.data.url };
}

function noHubHere(dataDir: string) {
  return notFound(`市役所ハブのデータ置き場がありません（${dataDir}）。先に odekake hub init --data ${dataDir} を実行してください。`);
}

/** Opens the hub's store (`db`: a postgres:// URL overriding the one recorded in the data folder). */
export async function openHubStore(dataDir: string, db?: string, options: PostgresStoreOptions = {}): Promise<KyselyHubStore> {
  const paths = hubPaths(dataDir);
  const location = hubDatabaseLocation(dataDir, db);
  // The database holds the records, the folder holds the keys: a hub needs both.
  if (location.kind === 'sqlite' ? !existsSync(paths.database) : !existsSync(paths.caCert)) throw noHubHere(dataDir);
  return openHubStoreAt(location, options);
}

/** Whether `initHub` has already made a hub in this data folder. */
export function hubExists(dataDir: string): boolean {
  const paths = hubPaths(dataDir);
  return existsSync(paths.database) || existsSync(paths.databaseUrl) || existsSync(paths.caCert);
}

export interface InitHubOptions {
  dataDir: string;
  adminId?: string;
  adminName?: string;
  /** The first admin's password; generated (and returned once) when absent. */
  adminPassword?: string;
  /** Names the server certificate is valid for. */
  hostnames?: string[];
  /** PEM of the JPKI CA certificate(s) the hub trusts for health-insurance linking; kept in the data directory. */
  jpkiCaPem?: string;
  /** Accept the committed test JPKI CA (the demo and the tests only). */
  allowTestJpkiCa?: boolean;
  /** A postgres:// URL: the hub keeps its records there (recorded in the data folder) instead of a SQLite file. */
  db?: string;
  clock?: Clock;
}

export async function initHub(options: InitHubOptions): Promise<{ adminId: string; adminPassword: string; generated: boolean; paths: HubPaths }> {
  const paths = hubPaths(options.dataDir);
  if (hubExists(options.dataDir)) throw conflict('HUB_EXISTS', `このデータ置き場にはもう市役所ハブがあります（${options.dataDir}）。別のフォルダを指定してください。`);
  if (options.db !== undefined && !PostgresUrl.safeParse(options.db).success) throw invalidDatabaseUrl();
  const adminId = OperatorId.parse(options.adminId ?? 'admin');
  const generated = options.adminPassword === undefined;
  const adminPassword = options.adminPassword ?? generatePassword();
  checkPassword(adminPassword);
  const clock = options.clock ?? systemClock;
  // Checked before anything is written, so a wrong file leaves no half-made hub behind.
  if (options.jpkiCaPem !== undefined) parseTrustedJpkiCas([options.jpkiCaPem], { allowTestCa: options.allowTestJpkiCa === true });
  // A PostgreSQL database is opened (and migrated) before the folder is made, so an unreachable or
  // already used database leaves nothing behind.
  if (options.db === undefined) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const store = await openHubStoreAt(options.db === undefined ? { kind: 'sqlite', file: paths.database } : { kind: 'postgres', url: options.db });
  try {
    if (options.db !== undefined && (await store.transaction((tx) => tx.listOperators())).length > 0) {
      throw conflict('HUB_EXISTS', `このデータベースにはもう市役所ハブがあります（${redactDatabaseUrl(options.db)}）。同じハブのプロセスを増やすときは、そのデータ置き場を写して使ってください。`);
    }
    makeHubFolder(paths, options);
    const passwordHash = await hashPassword(adminPassword);
    const at = clock.now().toISOString();
    await store.transaction(async (tx) => {
      await tx.insertOperator({ id: adminId, displayName: options.adminName ?? '管理者', role: 'admin', passwordHash, active: true, createdAt: at });
      await tx.appendAudit({ actor: 'system', action: 'hub.init', place: 'hub', detail: { adminId, store: store.dialect } }, at);
    });
  } finally {
    await store.close();
  }
  return { adminId, adminPassword, generated, paths };
}

function makeHubFolder(paths: HubPaths, options: InitHubOptions): void {
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  createCertificateAuthority(paths.caKey, paths.caCert, 'Odekake Shiyakusho Hub CA');
  const server = issueServerCertificate({ keyFile: paths.caKey, certFile: paths.caCert }, options.hostnames ?? ['127.0.0.1', 'localhost']);
  writeFileSync(paths.serverCert, server.certPem);
  writeFileSync(paths.serverKey, server.keyPem, { mode: 0o600 });
  const signing = generateKeyPairSync('ed25519');
  writeFileSync(paths.printSigningKey, signing.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(paths.printSigningPublicKey, signing.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(paths.verificationKey, randomBytes(32).toString('hex'), { mode: 0o600 });
  createHubDataKey(paths.dataKey);
  if (options.jpkiCaPem !== undefined) writeFileSync(paths.jpkiCa, options.jpkiCaPem);
  if (options.db !== undefined) {
    writeFileSync(paths.databaseUrl, `${JSON.stringify({ url: options.db })}\n`, { mode: 0o600 });
    chmodSync(paths.databaseUrl, 0o600);
  }
}

export function checkPassword(password: string): void {
  if (password.length < 12 || password.length > 200) {
    throw badRequest('WEAK_PASSWORD', 'パスワードは12文字以上にしてください。');
  }
}

export async function addOperator(
  store: HubStore,
  op: { id: string; displayName: string; role: OperatorRole; password: string; actor: string },
  clock: Clock = systemClock,
): Promise<void> {
  const id = OperatorId.parse(op.id);
  checkPassword(op.password);
  const passwordHash = await hashPassword(op.password);
  const at = clock.now().toISOString();
  await store.transaction(async (tx) => {
    if (await tx.getOperator(id)) throw conflict('OPERATOR_EXISTS', `職員番号 ${id} はもう登録されています。`);
    await tx.insertOperator({ id, displayName: op.displayName, role: op.role, passwordHash, active: true, createdAt: at });
    await tx.appendAudit({ actor: op.actor, action: 'operator.create', place: 'hub', detail: { operatorId: id, role: op.role } }, at);
  });
}

export interface EnrollVehicleOptions {
  dataDir: string;
  vehicleId: string;
  outDir: string;
  hubUrl?: string | null;
  actor?: string;
  /** A postgres:// URL overriding the one recorded in the data folder. */
  db?: string;
  clock?: Clock;
  /** Keep the vehicle's earlier certificates valid (by default a new one revokes them: the old laptop may be lost). */
  keepOldCertificates?: boolean;
}

/**
 * Tells running hub processes that a revocation was written here, so they close the sockets of revoked
 * certificates at once: on PostgreSQL through the hub's bus; a SQLite hub is one process, which checks
 * its sockets every two seconds.
 */
async function announceRevocation(dataDir: string, db: string | undefined): Promise<void> {
  const location = hubDatabaseLocation(dataDir, db);
  if (location.kind !== 'postgres') return;
  const [{ PostgresBus }, { silentLogger }] = await Promise.all([import('./bus-postgres'), import('../../common/logger')]);
  const bus = await PostgresBus.start({ url: location.url, log: silentLogger });
  try {
    await bus.publish({ type: 'revocation.changed' });
  } finally {
    await bus.close();
  }
}

/**
 * Issues a vehicle its client certificate and writes the folder it needs. Enrolling a known vehicle
 * again (a replaced laptop) adds a new certificate and revokes the earlier ones unless told to keep
 * them; a revoked vehicle stays revoked.
 */
export async function enrollVehicle(options: EnrollVehicleOptions): Promise<EnrollmentManifest & { dir: string }> {
  const parsed = VehicleId.safeParse(options.vehicleId);
  if (!parsed.success) throw badRequest('INVALID_VEHICLE_ID', '車両IDは半角英数字・ハイフン・下線の32文字以内にしてください。');
  const vehicleId = parsed.data;
  const paths = hubPaths(options.dataDir);
  const clock = options.clock ?? systemClock;
  const actor = options.actor ?? 'admin-cli';
  const store = await openHubStore(options.dataDir, options.db);
  try {
    const known = await store.transaction((tx) => tx.getVehicle(vehicleId));
    if (known?.revokedAt) throw conflict('REVOKED_VEHICLE', `車両 ${vehicleId} は失効しています。別の車両IDで登録してください。`);
    const issued = issueClientCertificate({ keyFile: paths.caKey, certFile: paths.caCert }, vehicleId);
    const at = clock.now().toISOString();
    const revoked = await store.transaction(async (tx) => {
      if (!(await tx.getVehicle(vehicleId))) await tx.insertVehicle({ id: vehicleId, enrolledAt: at, enrolledBy: actor });
      await tx.insertVehicleCertificate({ fingerprint: issued.fingerprint, vehicleId, serial: issued.serial, notAfter: issued.notAfter, issuedAt: at });
      const old = options.keepOldCertificates ? [] : await tx.revokeOtherVehicleCertificates(vehicleId, issued.fingerprint, at);
      await tx.appendAudit({ actor, action: 'vehicle.enroll', place: 'hub', detail: { vehicleId, serial: issued.serial, revokedCertificates: old.length } }, at);
      return old;
    });
    if (revoked.length > 0) await announceRevocation(options.dataDir, options.db);
    const f = VEHICLE_ENROLLMENT_FILES;
    mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(options.outDir, f.cert), issued.certPem);
    writeFileSync(join(options.outDir, f.key), issued.keyPem, { mode: 0o600 });
    chmodSync(join(options.outDir, f.key), 0o600);
    copyFileSync(paths.caCert, join(options.outDir, f.ca));
    copyFileSync(paths.printSigningPublicKey, join(options.outDir, f.printSigningKey));
    const manifest = EnrollmentManifest.parse({
      vehicleId,
      hubUrl: options.hubUrl ?? null,
      issuedAt: at,
      certificateFingerprint: issued.fingerprint,
      files: { cert: f.cert, key: f.key, ca: f.ca, printSigningKey: f.printSigningKey },
    });
    writeFileSync(join(options.outDir, f.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    return { ...manifest, dir: options.outDir };
  } finally {
    await store.close();
  }
}

export async function revokeVehicle(options: { dataDir: string; vehicleId: string; actor?: string; db?: string; clock?: Clock }): Promise<void> {
  const store = await openHubStore(options.dataDir, options.db);
  const at = (options.clock ?? systemClock).now().toISOString();
  const actor = options.actor ?? 'admin-cli';
  try {
    await store.transaction(async (tx) => {
      const v = await tx.getVehicle(options.vehicleId);
      if (!v) throw notFound(`車両 ${options.vehicleId} は登録されていません。`);
      await tx.revokeVehicle(options.vehicleId, at, actor);
      await tx.appendAudit({ actor, action: 'vehicle.revoke', place: 'hub', detail: { vehicleId: options.vehicleId } }, at);
    });
  } finally {
    await store.close();
  }
  await announceRevocation(options.dataDir, options.db);
}

/** Revokes one certificate by its SHA-256 fingerprint (`odekake vehicle revoke-cert`); the vehicle's others stay valid. */
export async function revokeVehicleCertificate(options: { dataDir: string; fingerprint: string; actor?: string; db?: string; clock?: Clock }): Promise<{ vehicleId: string }> {
  const fingerprint = options.fingerprint.trim().toUpperCase();
  if (!/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fingerprint)) {
    throw badRequest('INVALID_FINGERPRINT', '証明書の指紋は AB:CD:… の形（SHA-256、コロン区切りの32組）で指定してください。');
  }
  const store = await openHubStore(options.dataDir, options.db);
  const at = (options.clock ?? systemClock).now().toISOString();
  const actor = options.actor ?? 'admin-cli';
  let vehicleId: string;
  try {
    vehicleId = await store.transaction(async (tx) => {
      const cert = await tx.getVehicleCertificate(fingerprint);
      if (!cert) throw notFound(`指紋 ${fingerprint} の証明書はこのハブが発行したものではありません。`);
      if (!(await tx.revokeVehicleCertificate(fingerprint, at))) throw conflict('ALREADY_REVOKED', `指紋 ${fingerprint} の証明書はすでに失効しています。`);
      await tx.appendAudit({ actor, action: 'vehicle.revoke_certificate', place: 'hub', detail: { vehicleId: cert.vehicleId, fingerprint } }, at);
      return cert.vehicleId;
    });
  } finally {
    await store.close();
  }
  await announceRevocation(options.dataDir, options.db);
  return { vehicleId };
}

/**
 * Issues a key of the booking intake API for a relay (`odekake hub intake-key add`). The secret is
 * returned this once; the hub keeps it to check signatures, and neither log nor audit ever holds it.
 */
export async function addIntakeKey(options: { dataDir: string; name: string; actor?: string; db?: string; clock?: Clock }): Promise<{ keyId: string; secret: string }> {
  const name = parse(IntakeKeyName, options.name);
  const keyId = IntakeKeyId.parse(`ik-${randomBytes(8).toString('hex')}`);
  const secret = randomBytes(32).toString('base64url');
  const actor = options.actor ?? 'admin-cli';
  const at = (options.clock ?? systemClock).now().toISOString();
  const store = await openHubStore(options.dataDir, options.db);
  try {
    await store.transaction(async (tx) => {
      await tx.insertIntakeKey({ id: keyId, name, secret, createdAt: at, createdBy: actor });
      await tx.appendAudit({ actor, action: 'intake_key.add', place: 'hub', detail: { keyId } }, at);
    });
  } finally {
    await store.close();
  }
  return { keyId, secret };
}

/** Revokes an intake key (`odekake hub intake-key revoke`): every hub process refuses it from its next call on. */
export async function revokeIntakeKey(options: { dataDir: string; keyId: string; actor?: string; db?: string; clock?: Clock }): Promise<void> {
  const keyId = parse(IntakeKeyId, options.keyId);
  const actor = options.actor ?? 'admin-cli';
  const at = (options.clock ?? systemClock).now().toISOString();
  const store = await openHubStore(options.dataDir, options.db);
  try {
    await store.transaction(async (tx) => {
      const key = await tx.getIntakeKey(keyId);
      if (!key) throw notFound(`受付キー ${keyId} は登録されていません。番号を確かめてください。`);
      if (!(await tx.revokeIntakeKey(keyId, at, actor))) throw conflict('INTAKE_KEY_REVOKED', `受付キー ${keyId} はすでに失効しています。`);
      await tx.appendAudit({ actor, action: 'intake_key.revoke', place: 'hub', detail: { keyId } }, at);
    });
  } finally {
    await store.close();
  }
}

/** The hub's TLS material and print-signing key, read at start. */
export function readHubKeys(dataDir: string) {
  const p = hubPaths(dataDir);
  const caCert = readFileSync(p.caCert, 'utf8');
  return {
    caCert,
    caFingerprint: new X509Certificate(caCert).fingerprint256,
    serverCert: readFileSync(p.serverCert, 'utf8'),
    serverKey: readFileSync(p.serverKey, 'utf8'),
    printSigningKey: readFileSync(p.printSigningKey, 'utf8'),
    printSigningPublicKey: readFileSync(p.printSigningPublicKey, 'utf8'),
    verificationKey: readFileSync(p.verificationKey, 'utf8').trim(),
    /** Absent when the hub was set up without one (then every insurance link is refused). */
    jpkiCaPem: existsSync(p.jpkiCa) ? readFileSync(p.jpkiCa, 'utf8') : null,
  };
}
