// The hub's HTTPS server. One port, two audiences: vehicles (mutual TLS with certificates from the
// hub's CA; the handshake asks for a certificate but does not demand one, so a refusal can carry a
// clear code and be audited) and operators in a browser (password sign-in, session cookie, CSRF token).
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import {
  ApproveInput, AskInput, CLOSE_VIEW_ROLES, CONSOLE_API, CSRF_HEADER, DayQuery, QueueQuery, RejectInput, ReprintDecisionInput, SignInInput,
  type ClosesMonthView, type ConsoleRole, type ConsoleSession,
} from '../../protocol/console';
import { CONSULTATION_API } from '../../protocol/consultation';
import { HUB_API, InboxAck, INSURANCE_LINK_API } from '../../protocol/hub';
import type { Clock } from '../clock';
import { AppError, forbidden, HubError } from '../errors';
import type { Logger } from '../../common/logger';
import type { HubStore } from '../store/types';
import type { Approvals } from './approvals';
import type { BookingService } from './bookings';
import type { Consultations, Party } from './consultations';
import { closesOfMonth } from './daily-closes';
import { registerDispatchRoutes } from './dispatch-routes';
import type { InsuranceLinkService } from './insurance-link';
import { intakeRoutes } from './intake-routes';
import { parse } from './parse';
import { AdminService } from './admin';
import { adminRoutes } from './admin-routes';
import { checkCsrf, requireRole, SESSION_COOKIE, type OperatorAuth } from './operator-auth';
import type { PushHub } from './push';
import type { PeerCertificate, VehicleSync } from './vehicle-sync';
import { readInbox } from './inbox';
import type { HubSealer } from './sealing';
import { recordsRoutes } from './records-routes';
import { visitRoutes } from './visit-routes';
import { risaiRoutes } from './risai-routes';
import { RisaiService } from './risai';
import type { VisitService } from './visits';
import { entityId, VehicleId } from '../../protocol/ids';
import { operatorRoles } from '../../protocol/roles';
import type { VisitRules } from '../../protocol/visit-rules';
import { HUB_CIPHERS, HUB_TLS_MIN_VERSION } from './tls';

export interface AppDeps {
  store: HubStore;
  clock: Clock;
  log: Logger;
  push: PushHub;
  sync: VehicleSync;
  approvals: Approvals;
  auth: OperatorAuth;
  insuranceLink: InsuranceLinkService;
  consultations: Consultations;
  bookings: BookingService;
  /** The visit rules the booking service applies, for the dispatcher's console to check while typing. */
  visitRules: VisitRules;
  visits: VisitService;
  tls: { key: string; cert: string; ca: string };
  /** Opens the print jobs the inbox keeps sealed. */
  sealer: HubSealer;
  /** The built operator console (dist/renderer/console); absent means API only. */
  consoleDir?: string;
  rateLimits?: RateLimitOptions;
  /** り災証明書 applications; built from the store when not given. */
  risai?: RisaiService;
}

const PING_MS = 25_000;

/** Every hub socket: pinged so idle links stay up and dead ones are noticed; `onClose` runs once it closes. */
function keepOpen(socket: import('ws').WebSocket, onClose: () => void): void {
  const ping = setInterval(() => socket.ping(), PING_MS);
  socket.on('close', () => {
    clearInterval(ping);
    onClose();
  });
  socket.on('error', () => undefined);
}
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2',
};

function peerOf(req: FastifyRequest): PeerCertificate {
  const socket = req.raw.socket as TLSSocket;
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null;
  const present = cert && Object.keys(cert).length > 0 && typeof cert.fingerprint256 === 'string';
  const cn = present ? cert.subject?.CN : undefined;
  return { authorized: socket.authorized === true, fingerprint256: present ? cert.fingerprint256 : null, commonName: typeof cn === 'string' ? cn.slice(0, 64) : null };
}


const fastifyCodes: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', '送信データが大きすぎます。分けて送ってください。'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'JSON で送ってください（Content-Type: application/json）。'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_JSON', '送信データが JSON として読めません。'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_JSON', '送信データが空です。'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'MALFORMED_REQUEST', '送信データの長さが正しくありません。'],
};

/** Requests per address per minute (tests may set them lower or higher). */
export interface RateLimitOptions {
  signInPerMinute?: number;
  /** Vehicle API calls without a valid client certificate. */
  refusedVehiclePerMinute?: number;
}

function rateLimits(o: RateLimitOptions = {}) {
  return {
    signIn: { max: o.signInPerMinute ?? 10, timeWindow: 60_000 },
    vehicle: {
      max: o.refusedVehiclePerMinute ?? 30,
      timeWindow: 60_000,
      // A vehicle whose certificate the hub's CA signed is not limited: a day's backlog drains at once.
      allowList: (req: FastifyRequest) => (req.raw.socket as TLSSocket).authorized === true,
    },
  };
}

export async function buildApp(deps: AppDeps) {
  const { log, push, sync, approvals, auth, store, clock } = deps;
  const app = Fastify({
    loggerInstance: log,
    // Request lines are not logged: the hub logs ids and codes where it acts, never URLs with queries.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 2 * 1024 * 1024,
    https: { key: deps.tls.key, cert: deps.tls.cert, ca: deps.tls.ca, requestCert: true, rejectUnauthorized: false, minVersion: HUB_TLS_MIN_VERSION, ciphers: HUB_CIPHERS, honorCipherOrder: true },
    forceCloseConnections: true,
    return503OnClosing: true,
    // A client that sends its request too slowly (byte by byte, to hold a connection) is cut off; the
    // largest body, 2 MiB of vehicle messages, takes about 17 s at 1 Mbit/s.
    requestTimeout: 60_000,
    keepAliveTimeout: 10_000,
  });
  app.server.headersTimeout = 15_000;
  // Per-address rate limits where a stranger can make the hub work: sign-in (every attempt costs a
  // scrypt hash) and the vehicle API without a valid client certificate. The limits must be declared
  // before the plugin, which reads each route's config as the route is added.
  const limits = rateLimits(deps.rateLimits);
  app.addHook('onRoute', (route) => {
    if (route.url === CONSOLE_API.session && route.method === 'POST') route.config = { ...route.config, rateLimit: limits.signIn };
    else if (route.url.startsWith('/api/v1/vehicle/')) route.config = { ...route.config, rateLimit: limits.vehicle };
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      new HubError(429, 'RATE_LIMITED', `短い時間に多くの要求がありました。${Math.ceil(context.ttl / 1000)}秒ほど待ってから、もう一度お試しください。`),
  });
  // JSON only: a text body is refused with 415 rather than parsed.
  app.removeContentTypeParser('text/plain');
  await app.register(cookie);
  // 32 KiB: a WebRTC offer is a few KiB; nothing else sent to the hub over a socket comes near it.
  await app.register(websocket, { options: { maxPayload: 32 * 1024 } });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof HubError) return reply.code(err.status).send({ code: err.code, message: err.message, fields: err.fields });
    if (err instanceof AppError) return reply.code(400).send({ code: err.code, message: err.message, fields: err.fields });
    const mapped = err.code ? fastifyCodes[err.code] : undefined;
    if (mapped) return reply.code(mapped[0]).send({ code: mapped[1], message: mapped[2] });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: 'BAD_REQUEST', message: '要求の形が正しくありません。' });
    }
    log.error({ err: err.message, code: err.code, url: req.routeOptions.url }, 'internal error');
    return reply.code(500).send({ code: 'INTERNAL', message: '市役所ハブで問題が起きました。しばらくしてからもう一度お試しください。' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: '指定のページは見つかりません。' }));

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('strict-transport-security', 'max-age=31536000');
    // A route may set a narrower policy of its own (the records charts' SVG carries its face inline).
    if (!reply.hasHeader('content-security-policy')) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    }
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // ---- vehicles (mutual TLS) ----
  const vehicleOf = (req: FastifyRequest) => sync.authenticate(peerOf(req), req.routeOptions.url ?? req.url.split('?')[0] ?? '');

  app.post(HUB_API.messages, async (req) => sync.deliver(await vehicleOf(req), req.body));
  app.get(HUB_API.inbox, async (req) => sync.inbox(await vehicleOf(req), req.query));
  app.post(HUB_API.inboxAck, async (req) => {
    const vehicleId = await vehicleOf(req);
    const { upTo } = parse(InboxAck, req.body);
    return sync.ack(vehicleId, upTo);
  });
  // マイナ保険証紐付け: same vehicle authentication; any body sent with the challenge request is ignored.
  app.post(INSURANCE_LINK_API.challenge, async (req) => deps.insuranceLink.challenge(await vehicleOf(req)));
  app.post(INSURANCE_LINK_API.complete, async (req) => deps.insuranceLink.complete(await vehicleOf(req), req.body));

  // Video consultations, the vehicle's side.
  const { consultations } = deps;
  const CallIdParam = z.object({ id: entityId('相談の番号が正しくありません。') });
  const vehicleParty = async (req: FastifyRequest): Promise<Party> => ({ kind: 'vehicle', id: await vehicleOf(req) });
  app.get(CONSULTATION_API.vehicle.availability, async (req) => {
    await vehicleOf(req);
    return consultations.availability();
  });
  app.get(CONSULTATION_API.vehicle.turn, async (req) => consultations.turnFor(await vehicleParty(req)));
  app.post(CONSULTATION_API.vehicle.calls, async (req) => consultations.call(await vehicleOf(req), req.body));
  app.post(CONSULTATION_API.vehicle.abandon, async (req) => consultations.abandon(await vehicleOf(req), parse(CallIdParam, req.params).id));
  app.post(CONSULTATION_API.vehicle.end, async (req) => consultations.end(await vehicleParty(req), parse(CallIdParam, req.params).id, req.body));

  const callParties = new WeakMap<FastifyRequest, Party>();
  const callSocket = (socket: import('ws').WebSocket, req: FastifyRequest) => {
    const party = callParties.get(req);
    if (!party) return socket.close(1008, 'unauthenticated');
    keepOpen(socket, consultations.attach(party, socket));
    socket.on('message', (data: Buffer, isBinary: boolean) => consultations.onFrame(party, socket, isBinary ? '' : data.toString('utf8')));
  };
  app.get(
    CONSULTATION_API.vehicle.socket,
    { websocket: true, preValidation: async (req: FastifyRequest) => void callParties.set(req, await vehicleParty(req)) },
    callSocket,
  );

  const vehicleSockets = new WeakMap<FastifyRequest, string>();
  app.get(
    HUB_API.socket,
    {
      websocket: true,
      preValidation: async (req: FastifyRequest) => {
        vehicleSockets.set(req, await vehicleOf(req));
      },
    },
    (socket, req) => {
      const vehicleId = vehicleSockets.get(req);
      if (!vehicleId) return socket.close(1008, 'unauthenticated');
      keepOpen(socket, push.addVehicle(vehicleId, socket, peerOf(req).fingerprint256 ?? undefined));
      // Incoming frames carry nothing the hub needs; the vehicle acknowledges over HTTPS.
      socket.on('message', () => undefined);
      const after = z.coerce.number().int().min(0).safeParse((req.query as { after?: unknown }).after);
      if (after.success) void sendBacklog(vehicleId, after.data, socket);
      log.info({ vehicleId }, 'vehicle connected');
    },
  );

  async function sendBacklog(vehicleId: string, after: number, socket: { send(d: string): void; readyState: number }): Promise<void> {
    let cursor = after;
    for (;;) {
      const rows = await store.transaction((tx) => readInbox(tx, deps.sealer, vehicleId, cursor, 50, 'socket', clock.now().toISOString()));
      if (rows.length === 0 || socket.readyState !== 1) return;
      for (const r of rows) socket.send(JSON.stringify({ seq: r.seq, body: r.body }));
      cursor = rows[rows.length - 1]!.seq;
    }
  }

  // ---- operators (password, cookie session, CSRF) ----
  const place = (req: FastifyRequest) => `hub:${req.ip}`;
  const sameOrigin = (req: FastifyRequest) => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `https://${req.headers.host}`;
  };

  async function operator(req: FastifyRequest, roles: readonly ConsoleRole[], opts: { csrf: boolean } = { csrf: true }): Promise<ConsoleSession> {
    const session = await auth.session(req.cookies[SESSION_COOKIE]);
    if (opts.csrf) {
      if (!sameOrigin(req)) throw forbidden('CSRF_REJECTED', '別のサイトからの操作は受け付けません。ページを開き直してください。');
      checkCsrf(session, req.headers[CSRF_HEADER]);
    }
    requireRole(session, roles);
    return session;
  }
  // Certificates are decided by 証明書担当 only: an admin, who creates accounts, cannot also approve.
  const deciders: ConsoleRole[] = ['operator'];
  const everyone: readonly ConsoleRole[] = operatorRoles;

  app.post(CONSOLE_API.session, async (req, reply) => {
    if (!sameOrigin(req)) throw forbidden('CSRF_REJECTED', '別のサイトからの操作は受け付けません。ページを開き直してください。');
    const input = parse(SignInInput, req.body);
    const { token, session } = await auth.signIn(input.operatorId, input.password, place(req));
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
    return session;
  });
  app.get(CONSOLE_API.session, async (req) => operator(req, everyone, { csrf: false }));
  app.delete(CONSOLE_API.session, async (req, reply) => {
    const s = await operator(req, everyone);
    if (s.role === 'consultant') await consultations.leave(s.operatorId);
    await auth.signOut(req.cookies[SESSION_COOKIE], place(req));
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'strict' });
    return { signedOut: true };
  });

  app.get(CONSOLE_API.queue, async (req) => {
    const s = await operator(req, deciders, { csrf: false });
    return approvals.queue(parse(QueueQuery, req.query), s.operatorId);
  });
  const IdParam = z.object({ id: entityId('受付の番号が正しくありません。') });
  app.get(CONSOLE_API.request, async (req) => {
    const s = await operator(req, deciders, { csrf: false });
    return approvals.detail(parse(IdParam, req.params).id, s.operatorId);
  });
  // The certificate as it will print: for the 証明書担当 who decides (the route's answer is never cached: all /api/ is no-store).
  app.get(CONSOLE_API.preview, async (req) => {
    const s = await operator(req, ['operator'], { csrf: false });
    return approvals.preview(parse(IdParam, req.params).id, s.operatorId);
  });
  app.post(CONSOLE_API.approve, async (req) => {
    const s = await operator(req, deciders);
    return approvals.approve(parse(IdParam, req.params).id, s.operatorId, parse(ApproveInput, req.body ?? {}).preview);
  });
  app.post(CONSOLE_API.reject, async (req) => {
    const s = await operator(req, deciders);
    await approvals.reject(parse(IdParam, req.params).id, s.operatorId, parse(RejectInput, req.body).reason);
    return { rejected: true };
  });
  app.post(CONSOLE_API.ask, async (req) => {
    const s = await operator(req, deciders);
    await approvals.ask(parse(IdParam, req.params).id, s.operatorId, parse(AskInput, req.body).text);
    return { asked: true };
  });
  const ReprintParams = z.object({ vehicleId: VehicleId, id: z.string().min(1).max(64) });
  app.post(CONSOLE_API.reprintDecision, async (req) => {
    const s = await operator(req, deciders);
    const p = parse(ReprintParams, req.params);
    return approvals.decideReprint(p.vehicleId, p.id, s.operatorId, parse(ReprintDecisionInput, req.body).approve);
  });
  app.get(CONSOLE_API.day, async (req) => {
    await operator(req, deciders, { csrf: false });
    return approvals.day(parse(DayQuery, req.query).date);
  });

  // ---- consultants (video consultations) ----
  const consultantOnly: ConsoleRole[] = ['consultant'];
  app.get(CONSULTATION_API.consultant.desk, async (req) => {
    const s = await operator(req, consultantOnly, { csrf: false });
    return consultations.desk(s.operatorId);
  });
  app.get(CONSULTATION_API.consultant.turn, async (req) => {
    const s = await operator(req, consultantOnly, { csrf: false });
    return consultations.turnFor({ kind: 'consultant', id: s.operatorId });
  });
  app.put(CONSULTATION_API.consultant.availability, async (req) => {
    const s = await operator(req, consultantOnly);
    return consultations.setAvailable(s.operatorId, s.displayName, req.body);
  });
  app.post(CONSULTATION_API.consultant.accept, async (req) => {
    const s = await operator(req, consultantOnly);
    return consultations.accept(s.operatorId, s.displayName, parse(CallIdParam, req.params).id);
  });
  app.post(CONSULTATION_API.consultant.end, async (req) => {
    const s = await operator(req, consultantOnly);
    return consultations.end({ kind: 'consultant', id: s.operatorId }, parse(CallIdParam, req.params).id, req.body);
  });
  app.put(CONSULTATION_API.consultant.notes, async (req) => {
    const s = await operator(req, consultantOnly);
    return consultations.saveNotes(s.operatorId, parse(CallIdParam, req.params).id, req.body);
  });
  app.get(
    CONSULTATION_API.consultant.socket,
    {
      websocket: true,
      preValidation: async (req: FastifyRequest) => {
        if (req.headers.origin !== `https://${req.headers.host}`) throw forbidden('CSRF_REJECTED', '別のサイトからの接続は受け付けません。');
        const s = await operator(req, consultantOnly, { csrf: false });
        callParties.set(req, { kind: 'consultant', id: s.operatorId });
      },
    },
    callSocket,
  );

  registerDispatchRoutes(app, { bookings: deps.bookings, rules: deps.visitRules, clock, store, operator, place });
  await app.register(visitRoutes, { visits: deps.visits, vehicleOf, operator });
  await app.register(recordsRoutes, { store, clock, operator, place });
  await app.register(risaiRoutes, { risai: deps.risai ?? new RisaiService({ store, clock, log, push, printJobs: deps.approvals }), vehicleOf, operator });

  // ---- records: the daily closes (日計表) and the monthly fee summary ----
  app.get(CONSOLE_API.records.closes, async (req): Promise<ClosesMonthView> => {
    await operator(req, CLOSE_VIEW_ROLES, { csrf: false });
    return closesOfMonth(store, req.query);
  });

  // ---- admins ----
  await app.register(adminRoutes, { admin: new AdminService({ store, clock, push }), operator, place });

  app.get(
    CONSOLE_API.socket,
    {
      websocket: true,
      preValidation: async (req: FastifyRequest) => {
        // Browsers send Origin on WebSocket upgrades; a cross-site page must not ride the cookie.
        if (req.headers.origin !== `https://${req.headers.host}`) throw forbidden('CSRF_REJECTED', '別のサイトからの接続は受け付けません。');
        // The tax department's console re-reads its queue on the same notices.
        await operator(req, [...deciders, 'tax'], { csrf: false });
      },
    },
    (socket) => {
      keepOpen(socket, push.addConsole(socket));
      socket.on('message', () => undefined);
    },
  );

  await app.register(intakeRoutes, { store, bookings: deps.bookings, log });

  // ---- the console's files ----
  if (deps.consoleDir) {
    const dir = deps.consoleDir;
    const sendFile = (reply: FastifyReply, name: string) => {
      const file = join(dir, name);
      if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.') || !existsSync(file)) {
        return reply.code(404).send({ code: 'NOT_FOUND', message: '指定のページは見つかりません。' });
      }
      return reply.type(contentTypes[extname(name)] ?? 'application/octet-stream').send(readFileSync(file));
    };
    app.get('/', (_req, reply) => sendFile(reply, 'console.html'));
    app.get('/:file', (req, reply) => sendFile(reply, (req.params as { file: string }).file));
  }
  return app;
}
