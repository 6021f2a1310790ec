// The booking intake API (the smartphone-city-hall system's relay sends the bookings made in the city's
// LINE account): its own Fastify plugin, so its JSON parser can keep the raw body bytes the signature
// covers without changing how the rest of the hub reads JSON. No operator cookie and no client
// certificate here: every call but the OpenAPI document is signed with an intake key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import openapiDocument from '../../docs/intake-api.openapi.json';
import {
  ExternalIdParam, INTAKE_API, INTAKE_HEADERS, INTAKE_KEY_ID_PATTERN, intakeAuthMessages, NoticesQuery, RelayChannelQuery, type IntakeAuthCode,
} from '../../protocol/intake-api';
import type { Logger } from '../../common/logger';
import { badRequest, unauthorized } from '../errors';
import type { HubStore } from '../store/types';
import type { BookingService } from './bookings';
import { signatureMatches } from './intake-signature';
import { parse } from './parse';

export interface IntakeRoutesOptions {
  store: HubStore;
  bookings: BookingService;
  log: Logger;
}

/** A booking is a few KiB; anything near this is not one. */
const INTAKE_BODY_LIMIT = 64 * 1024;

/** The document as kept in docs/, byte for byte (the file is written in this form). */
const openapiText = `${JSON.stringify(openapiDocument, null, 2)}\n`;

const oneHeader = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

/** JSON.parse without the keys that could reach an object's prototype when the value is later spread. */
const parseJson = (text: string): unknown => JSON.parse(text, (k, v: unknown) => (k === '__proto__' || k === 'constructor' ? undefined : v));

export async function intakeRoutes(app: FastifyInstance, options: IntakeRoutesOptions): Promise<void> {
  const { store, bookings, log } = options;

  app.get(INTAKE_API.openapi, async (_req, reply) => reply.type('application/json; charset=utf-8').send(openapiText));

  await app.register(async (signed) => {
    // The raw bytes, parsed only once the signature over them has been checked.
    signed.removeContentTypeParser('application/json');
    signed.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: INTAKE_BODY_LIMIT }, (_req, body, done) => done(null, body));

    const keyOf = new WeakMap<FastifyRequest, string>();
    const refuse = (code: IntakeAuthCode, keyId: string | null) => {
      // The key id only when it has the form of one: a header is whatever the caller sent.
      log.warn({ code, keyId }, 'intake call refused');
      return unauthorized(code, intakeAuthMessages[code]);
    };

    signed.addHook('preValidation', async (req) => {
      const keyId = oneHeader(req, INTAKE_HEADERS.key);
      const signature = oneHeader(req, INTAKE_HEADERS.signature);
      if (keyId === undefined || signature === undefined) throw refuse('INTAKE_SIGNATURE_MISSING', null);
      if (!INTAKE_KEY_ID_PATTERN.test(keyId)) throw refuse('INTAKE_KEY_UNKNOWN', null);
      // Read on every call: a key revoked through any hub process is refused by all of them at once.
      const key = await store.transaction((tx) => tx.getIntakeKey(keyId));
      if (!key) throw refuse('INTAKE_KEY_UNKNOWN', keyId);
      if (key.revokedAt !== null) throw refuse('INTAKE_KEY_REVOKED', keyId);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      // A POST signs its body; a GET (and the HEAD Fastify answers beside it) its path and query.
      const hasBody = req.method === 'POST';
      const message = hasBody ? body : req.raw.url ?? '';
      if (!signatureMatches(key.secret, message, signature)) throw refuse('INTAKE_SIGNATURE_INVALID', keyId);
      keyOf.set(req, keyId);
      if (hasBody) {
        if (body.length === 0) throw badRequest('MALFORMED_JSON', '送信データが空です。');
        try {
          req.body = parseJson(body.toString('utf8'));
        } catch {
          throw badRequest('MALFORMED_JSON', '送信データが JSON として読めません。');
        }
      }
    });
    const caller = (req: FastifyRequest) => `intake:${keyOf.get(req)!}`;

    signed.get(INTAKE_API.availability, async (req) => {
      const q = (req.query ?? {}) as Record<string, unknown>;
      return bookings.availability(q.area, q.from, q.to);
    });

    signed.get(INTAKE_API.booking, async (req) => {
      const { externalId } = parse(ExternalIdParam, req.params);
      const { channel } = parse(RelayChannelQuery, req.query ?? {});
      return bookings.getByExternalId(channel, externalId);
    });

    // What the hub would say back to residents (confirmation, reminder, change, cancellation), kept until
    // the relay acknowledges each by id: a relay that was down pulls them all when it is back.
    signed.get(INTAKE_API.notices, async (req) => {
      const q = parse(NoticesQuery, req.query ?? {});
      return { notices: await bookings.relayNotices(q.limit, q.after) };
    });
    signed.post(INTAKE_API.noticesAck, async (req) => bookings.ackRelayNotices(req.body, caller(req)));

    signed.post(INTAKE_API.bookings, async (req, reply: FastifyReply) => {
      const outcome = await bookings.book(req.body, caller(req));
      switch (outcome.status) {
        case 'created':
          return reply.code(201).send(outcome.booking);
        case 'existing':
          return reply.code(200).send(outcome.booking);
        case 'refused':
          return outcome.code === 'SLOT_TAKEN'
            ? reply.code(409).send({ code: outcome.code, message: outcome.message, nextFree: outcome.nextFree })
            : reply.code(422).send({ code: outcome.code, message: outcome.message, earliest: outcome.earliest });
      }
    });
  });
}
