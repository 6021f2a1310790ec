// A stand-in for the smartphone-city-hall system's relay: it calls the hub's booking intake API over
// HTTPS (trusting the hub's CA, presenting no client certificate) and signs each call from the recipe
// in docs/intake-api.openapi.json — base64(HMAC-SHA256(SECRET, M)), M the raw body bytes of a POST and
// the path with its query string of a GET — computed here, not with the hub's own function.
import { createHmac } from 'node:crypto';
import { httpsCall, type HttpAnswer } from './hub';

export interface IntakeKey {
  keyId: string;
  secret: string;
}

export function relaySignature(secret: string, message: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'ascii')).update(message).digest('base64');
}

export interface RelayCall {
  /** Replaces the computed signature (a forged or stale one). */
  signature?: string;
  /** Replaces the key id header. */
  keyId?: string;
  /** Sends no signing headers at all, or leaves out one of them. */
  omit?: 'both' | 'key' | 'signature';
}

export function intakeRelay(hubUrl: string, ca: string, key: IntakeKey) {
  const headersFor = (message: string | Buffer, opts: RelayCall): Record<string, string> => {
    const h: Record<string, string> = {};
    if (opts.omit !== 'both' && opts.omit !== 'key') h['X-Odekake-Key'] = opts.keyId ?? key.keyId;
    if (opts.omit !== 'both' && opts.omit !== 'signature') h['X-Odekake-Signature'] = opts.signature ?? relaySignature(key.secret, message);
    return h;
  };
  const get = (pathAndQuery: string, opts: RelayCall = {}): Promise<HttpAnswer> =>
    httpsCall(`${hubUrl}${pathAndQuery}`, { method: 'GET', headers: headersFor(pathAndQuery, opts), tls: { ca } });
  /** POSTs exactly these bytes (a relay must sign what it sends, not a re-serialization of it). */
  const postRaw = (path: string, raw: string, opts: RelayCall = {}): Promise<HttpAnswer> =>
    httpsCall(`${hubUrl}${path}`, { method: 'POST', rawBody: raw, headers: headersFor(Buffer.from(raw, 'utf8'), opts), tls: { ca } });
  const post = (path: string, body: unknown, opts: RelayCall = {}) => postRaw(path, JSON.stringify(body), opts);
  return {
    get,
    post,
    postRaw,
    availability: (area: string, from: string, to: string, opts: RelayCall = {}) =>
      get(`/api/v1/bookings/availability?area=${encodeURIComponent(area)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, opts),
    book: (booking: unknown, opts: RelayCall = {}) => post('/api/v1/bookings', booking, opts),
  };
}
