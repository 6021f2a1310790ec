// The hub's TLS: TLS 1.3 and, on TLS 1.2, only ECDHE with an AEAD cipher. A client that offers only
// CBC suites gets no connection; TLS 1.1 gets none at all. (The hub's key is EC P-256, so static-RSA
// key exchange cannot be agreed whatever the list says.)
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});

afterAll(async () => {
  await hub?.stop();
});

/** One handshake against the hub: the negotiated protocol and cipher, or the error's code. */
function handshake(options: ConnectionOptions): Promise<{ protocol: string | null; cipher: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: hub.hub.port, ca: hub.hub.caCert, servername: 'localhost', ...options });
    socket.once('secureConnect', () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().standardName });
      socket.end();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

describe('the hub offers AEAD cipher suites only', () => {
  it('speaks TLS 1.3 to a current client', async () => {
    expect(await handshake({ checkServerIdentity: () => undefined })).toMatchObject({ protocol: 'TLSv1.3' });
  });

  it.each([
    ['ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  ])('agrees %s on TLS 1.2', async (offered, standard) => {
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: offered, checkServerIdentity: () => undefined })).toEqual({ protocol: 'TLSv1.2', cipher: standard });
  });

  it.each([
    'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA',
  ])('refuses a TLS 1.2 client offering only CBC suites (%s)', async (offered) => {
    const answer = await handshake({ maxVersion: 'TLSv1.2', ciphers: offered, checkServerIdentity: () => undefined });
    expect(answer).toHaveProperty('error');
  });

  it('refuses TLS 1.1', async () => {
    const answer = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0', checkServerIdentity: () => undefined });
    expect(answer).toHaveProperty('error');
  });
});
