// How the vehicle reaches city hall: HTTPS with mutual TLS (the vehicle's client certificate from
// enrollment), plus a WebSocket on the same credentials for pushed messages. Every answer is parsed
// with zod before the sync loop sees it.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { exposedMode } from '../../common/file-mode';
import { request as httpsRequest, Agent } from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  DeliverResponse,
  EnrollmentManifest,
  HUB_API,
  HubEnvelope,
  INSURANCE_LINK_API,
  InboxResponse,
  LinkChallengeResponse,
  LinkCompleteResponse,
  linkErrorMessages,
  VEHICLE_ENROLLMENT_FILES,
  type LinkCompleteRequest,
  type VehicleMessage,
  type AuditHead,
} from '../../protocol/hub';
import {
  AvailabilityResponse, CallServerFrame, CallView, CONSULTATION_API, TurnCredentialsResponse, type CallClientFrame, type Department,
} from '../../protocol/consultation';
import { VehicleVisitsResponse, VISITS_API } from '../../protocol/visits';
import { AppError } from './errors';
import type { VisitTransport } from './home-visits';
import { CHUNK_CONTENT_TYPE, CHUNK_SHA256_HEADER, PhotoProgress, RISAI_API, VehicleDisasters } from '../../protocol/disaster';
import type { RisaiTransport } from './risai';

/** What the vehicle sends: the hub's message union (requests, visits, follow-ups, outing records). */
export type OutgoingMessage = VehicleMessage;

export interface HubTransport {
  /** The vehicle these credentials belong to (print jobs are signed for it). */
  readonly vehicleId: string;
  /** Sends a batch, with the head of the vehicle's audit chain for city hall to record. */
  deliver(messages: OutgoingMessage[], auditHead?: AuditHead): Promise<DeliverResponse>;
  /** Hub messages after `after`, at most `limit` (print jobs carry their PDF: small pages survive a weak link). */
  inbox(after: number, limit?: number): Promise<InboxResponse>;
  ack(upTo: number): Promise<void>;
  /** Opens the push channel; `onClose` fires once when it drops (the sync loop reconnects). */
  listen(onMessage: (envelope: HubEnvelope) => void, onClose: () => void, after?: number): Promise<{ close(): void }>;
  /** マイナ保険証紐付け, online only: a one-time challenge, then the card's signature over it. */
  linkChallenge(): Promise<LinkChallengeResponse>;
  linkComplete(body: LinkCompleteRequest): Promise<LinkCompleteResponse>;
}

type InboxResponse = import('zod').infer<typeof InboxResponse>;

/** Video consultations: the vehicle's side of the hub's call API and its call socket. */
export interface ConsultationTransport {
  availability(): Promise<AvailabilityResponse>;
  turnCredentials(): Promise<TurnCredentialsResponse>;
  startCall(department: Department, staffId: string): Promise<CallView>;
  abandonCall(callId: string): Promise<CallView>;
  endCall(callId: string, reason?: 'media_failed'): Promise<CallView>;
  /** Opens the call socket; `onClose` fires once when it drops. */
  openCallSocket(onFrame: (frame: CallServerFrame) => void, onClose: () => void): Promise<{ send(frame: CallClientFrame): boolean; close(): void }>;
}

export interface HubCredentials {
  vehicleId: string;
  hubUrl: string;
  ca: string;
  cert: string;
  key: string;
  /** The hub's Ed25519 public key (PEM): only print jobs it signed are printed. */
  printSigningKey: string;
}

/** Where the vehicle's TLS private key is kept sealed (under Electron: the OS keychain through safeStorage). */
export interface TlsKeyVault {
  /** The sealed key, unsealed; null when none was stored yet. */
  load(): string | null;
  store(pem: string): void;
}

/**
 * Reads the folder `odekake vehicle enroll` wrote; the hub URL may be overridden. The private key is
 * the vehicle's identity at city hall: with a vault (Electron) it is sealed on first use and its plain
 * file removed from the enrollment folder, so a copy of that folder identifies nobody; without one (host
 * mode) the plain file must be readable by its owner only.
 */
export function loadEnrollment(dir: string, hubUrl?: string, vault?: TlsKeyVault): HubCredentials {
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const manifest = EnrollmentManifest.parse(JSON.parse(read(VEHICLE_ENROLLMENT_FILES.manifest)));
  const url = hubUrl ?? manifest.hubUrl;
  if (!url) throw new AppError('HUB_URL_MISSING', '市役所ハブの URL が設定されていません。管理者に連絡してください。');
  return {
    vehicleId: manifest.vehicleId,
    hubUrl: url,
    ca: read(manifest.files.ca),
    cert: read(manifest.files.cert),
    key: vehicleKey(join(dir, manifest.files.key), vault),
    printSigningKey: read(manifest.files.printSigningKey),
  };
}

function vehicleKey(file: string, vault: TlsKeyVault | undefined): string {
  if (vault) {
    if (existsSync(file)) {
      const pem = readFileSync(file, 'utf8');
      vault.store(pem);
      // Overwritten before it is removed: the plain key should not linger in the folder's blocks.
      writeFileSync(file, Buffer.alloc(Buffer.byteLength(pem)));
      unlinkSync(file);
      return pem;
    }
    const sealed = vault.load();
    if (sealed === null) throw new AppError('ENROLLMENT_KEY_MISSING', '車両の鍵が見つかりません。市役所で登録し直してもらってください。');
    return sealed;
  }
  const mode = exposedMode(file);
  if (mode !== null) {
    throw new AppError('KEY_FILE_EXPOSED', `車両の鍵ファイルを他の利用者が読める状態です（${mode.toString(8)}）。chmod 600 で持ち主だけにしてください。`);
  }
  return readFileSync(file, 'utf8');
}

export class HubUnreachable extends Error {
  constructor(readonly detail: string) {
    super(`hub unreachable: ${detail}`);
  }
}

export class HttpsHubTransport implements HubTransport, ConsultationTransport, VisitTransport, RisaiTransport {
  private readonly agent: Agent;
  private readonly base: URL;
  readonly vehicleId: string;

  constructor(private readonly creds: HubCredentials, private readonly timeoutMs = 15_000) {
    this.base = new URL(creds.hubUrl);
    this.vehicleId = creds.vehicleId;
    // Four sockets: a り災証明書 photo travels as a few chunks in flight at once beside the sync loop's own calls.
    this.agent = new Agent({ ca: creds.ca, cert: creds.cert, key: creds.key, keepAlive: true, maxSockets: 4 });
  }

  async deliver(messages: OutgoingMessage[], auditHead?: AuditHead): Promise<DeliverResponse> {
    return DeliverResponse.parse(await this.send('POST', HUB_API.messages, { messages, ...(auditHead ? { auditHead } : {}) }));
  }

  async inbox(after: number, limit = 10): Promise<InboxResponse> {
    return InboxResponse.parse(await this.send('GET', `${HUB_API.inbox}?after=${after}&limit=${limit}`));
  }

  async ack(upTo: number): Promise<void> {
    await this.send('POST', HUB_API.inboxAck, { upTo });
  }

  async linkChallenge(): Promise<LinkChallengeResponse> {
    return LinkChallengeResponse.parse(await this.send('POST', INSURANCE_LINK_API.challenge, {}));
  }

  async linkComplete(body: LinkCompleteRequest): Promise<LinkCompleteResponse> {
    return LinkCompleteResponse.parse(await this.send('POST', INSURANCE_LINK_API.complete, body));
  }

  async visits(): Promise<VehicleVisitsResponse> {
    return VehicleVisitsResponse.parse(await this.send('GET', VISITS_API.vehicle));
  }

  async risaiDisasters(): Promise<VehicleDisasters> {
    return VehicleDisasters.parse(await this.send('GET', RISAI_API.disasters));
  }

  async risaiPhoto(photoId: string): Promise<PhotoProgress> {
    return PhotoProgress.parse(await this.send('GET', RISAI_API.photo.replace(':photoId', encodeURIComponent(photoId))));
  }

  async risaiChunk(photoId: string, index: number, chunk: { sha256: string; data: Buffer }): Promise<PhotoProgress> {
    const path = RISAI_API.chunk.replace(':photoId', encodeURIComponent(photoId)).replace(':index', String(index));
    return PhotoProgress.parse(await this.send('POST', path, undefined, { bytes: Buffer.from(chunk.data), headers: { 'content-type': CHUNK_CONTENT_TYPE, [CHUNK_SHA256_HEADER]: chunk.sha256 } }));
  }

  async availability(): Promise<AvailabilityResponse> {
    return AvailabilityResponse.parse(await this.send('GET', CONSULTATION_API.vehicle.availability));
  }

  async turnCredentials(): Promise<TurnCredentialsResponse> {
    return TurnCredentialsResponse.parse(await this.send('GET', CONSULTATION_API.vehicle.turn));
  }

  async startCall(department: Department, staffId: string): Promise<CallView> {
    return CallView.parse(await this.send('POST', CONSULTATION_API.vehicle.calls, { department, staffId }));
  }

  async abandonCall(callId: string): Promise<CallView> {
    return CallView.parse(await this.send('POST', CONSULTATION_API.vehicle.abandon.replace(':id', encodeURIComponent(callId)), {}));
  }

  async endCall(callId: string, reason?: 'media_failed'): Promise<CallView> {
    return CallView.parse(await this.send('POST', CONSULTATION_API.vehicle.end.replace(':id', encodeURIComponent(callId)), reason ? { reason } : {}));
  }

  async openCallSocket(onFrame: (frame: CallServerFrame) => void, onClose: () => void): Promise<{ send(frame: CallClientFrame): boolean; close(): void }> {
    let alive = true;
    // A short handshake timeout: during a call a dead link should be noticed and retried quickly.
    const ws = await this.openSocket(
      new URL(CONSULTATION_API.vehicle.socket, this.base),
      5_000,
      (text) => {
        alive = true;
        const parsed = CallServerFrame.safeParse(safeJson(text));
        if (parsed.success) onFrame(parsed.data);
      },
      onClose,
    );
    // The hub pings every 25 s; during a call a link that stays quiet through our own ping is gone.
    const watchdog = setInterval(() => {
      if (!alive) ws.terminate();
      alive = false;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, 5_000);
    watchdog.unref();
    ws.once('close', () => clearInterval(watchdog));
    ws.on('pong', () => (alive = true));
    ws.on('ping', () => (alive = true));
    return {
      send: (frame) => {
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(frame));
        return true;
      },
      close: () => ws.close(),
    };
  }

  async listen(onMessage: (envelope: HubEnvelope) => void, onClose: () => void, after?: number): Promise<{ close(): void }> {
    const url = new URL(HUB_API.socket, this.base);
    // With `after`, the hub first sends what was stored since then: nothing falls between pull and push.
    if (after !== undefined) url.searchParams.set('after', String(after));
    const ws = await this.openSocket(
      url,
      this.timeoutMs,
      (text) => {
        const parsed = HubEnvelope.safeParse(safeJson(text));
        if (parsed.success) onMessage(parsed.data);
      },
      onClose,
    );
    return { close: () => ws.close() };
  }

  /** A WebSocket to the hub on the vehicle's certificate, resolved once open; `onClose` fires once, only if it opened. */
  private openSocket(url: URL, handshakeTimeout: number, onText: (text: string) => void, onClose: () => void): Promise<WebSocket> {
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url, { ca: this.creds.ca, cert: this.creds.cert, key: this.creds.key, handshakeTimeout });
    return new Promise((resolve, reject) => {
      let opened = false;
      ws.once('open', () => {
        opened = true;
        resolve(ws);
      });
      ws.on('message', (data) => onText(String(data)));
      ws.once('close', () => (opened ? onClose() : undefined));
      ws.once('error', (e) => {
        if (!opened) reject(new HubUnreachable(e.message));
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** A JSON call, or with `raw` a body of bytes under its own headers (a photo's chunk). */
  private send(method: 'GET' | 'POST', path: string, body?: unknown, raw?: { bytes: Buffer; headers: Record<string, string> }): Promise<unknown> {
    const payload = raw ? raw.bytes : body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const contentType = raw ? raw.headers : { 'content-type': 'application/json' };
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, this.base),
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { accept: 'application/json', ...(payload ? { ...contentType, 'content-length': payload.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          // An answer cut off part-way (the link drops mid-body) ends in neither 'end' nor a request
          // error, and its socket is gone, so no timeout fires either: without this the call, and the
          // sync cycle awaiting it, would wait forever.
          res.on('error', () => undefined);
          res.on('close', () => {
            if (!res.complete) reject(new HubUnreachable('answer cut off'));
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(safeJson(text));
            else {
              const code = (safeJson(text) as { code?: string } | undefined)?.code;
              // 4xx: the hub refuses us (unknown or revoked vehicle): retrying will not help soon.
              reject(status >= 400 && status < 500 ? new AppError(code ?? `HUB_HTTP_${status}`, hubRefusal(code)) : new HubUnreachable(`HTTP ${status}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => reject(e instanceof AppError ? e : new HubUnreachable(e.message)));
      if (payload) req.write(payload);
      req.end();
    });
  }
}

function hubRefusal(code: string | undefined): string {
  if (code && code in linkErrorMessages) return linkErrorMessages[code as keyof typeof linkErrorMessages];
  if (code === 'REVOKED_VEHICLE') return 'この車両の証明書は失効しています。管理者に連絡してください。';
  if (code === 'UNKNOWN_VEHICLE') return 'この車両は市役所に登録されていません。管理者に連絡してください。';
  return '市役所ハブが受け付けませんでした。管理者に連絡してください。';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
