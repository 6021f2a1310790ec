// マイナ保険証紐付け at the hub, over real TLS with enrolled vehicles, with signatures from the virtual
// My Number card through real pcscd + vpcd.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import type { KyselyHubStore } from '../../hub/store/store';
import { INSURANCE_LINK_API, linkErrorMessages, LinkChallengeResponse, LinkCompleteResponse } from '../../protocol/hub';
import { PinBuffer } from '../../native/card/index';
import { loadKeys, loadProfile, testCaCertificatePem } from '../../native/card/virtual/index';
import { startCardRig, type CardRig } from '../support/card-rig';
import { tempDir } from '../support/fixtures';
import { httpsCall, startTestHub, type TestHub, type VehicleTls } from '../support/hub';

// 070045 carries a correct 検証番号; the stand-in refuses a wrong one.
const insurance = { insurerNumber: '070045', symbol: 'いわき国保', number: '4711235', branch: '01' };

let rig: CardRig;
let t: TestHub;
let car1: VehicleTls;
let car2: VehicleTls;
let scratch: ReturnType<typeof tempDir>;
let offsetMs = 0;
const logLines: string[] = [];

beforeAll(async () => {
  scratch = tempDir('odekake-link-');
  rig = await startCardRig();
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  t = await startTestHub({ jpkiCaPem: testCaCertificatePem(), clock: { now: () => new Date(Date.now() + offsetMs) }, logger });
  car1 = await t.enroll('car-1');
  car2 = await t.enroll('car-2');
});
afterAll(async () => {
  await t?.stop();
  await rig?.stop();
  scratch?.remove();
});
afterEach(() => {
  offsetMs = 0;
});

type Tls = { cert?: string; key?: string; ca: string };
const tlsOf = (v: VehicleTls): Tls => ({ cert: v.cert, key: v.key, ca: v.ca });
const askChallenge = (tls: Tls) => httpsCall(`${t.hub.url}${INSURANCE_LINK_API.challenge}`, { method: 'POST', tls });
const complete = (tls: Tls, body: unknown) => httpsCall(`${t.hub.url}${INSURANCE_LINK_API.complete}`, { body, tls });

async function challengeFor(v: VehicleTls): Promise<LinkChallengeResponse & { bytes: Buffer }> {
  const res = await askChallenge(tlsOf(v));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const parsed = LinkChallengeResponse.parse(res.body);
  return { ...parsed, bytes: Buffer.from(parsed.challenge, 'base64') };
}

function linkBody(challengeId: string, signature: Uint8Array | string, certificateDer: Uint8Array, overrides: Record<string, unknown> = {}) {
  return {
    challengeId,
    signature: typeof signature === 'string' ? signature : Buffer.from(signature).toString('base64'),
    certificate: Buffer.from(certificateDer).toString('base64'),
    insurance,
    staffId: 'S0001',
    ...overrides,
  };
}

/** What the card computes: RSASSA-PKCS1-v1_5 with SHA-256 over the bytes, with a card's fixture key. */
function fixtureSignature(profileId: string, bytes: Uint8Array) {
  const keys = loadKeys(profileId);
  return { signature: sign('sha256', bytes, keys.authKey), certificate: keys.authCertificate.raw };
}

async function cardSignature(profileId: string, bytes: Uint8Array) {
  const profile = loadProfile(profileId);
  const card = await rig.insert(profile.id);
  try {
    return await rig.service.signForAuth(bytes, PinBuffer.digits4(profile.pin));
  } finally {
    card.stop();
    await rig.waitForCard(false);
  }
}

const audit = (action: string) => t.hub.store.transaction((tx) => tx.listAudit({ action }));
const challengeRow = (id: string) => t.hub.store.transaction((tx) => tx.getLinkChallenge(id));

/** A CA made with openssl that the hub does not trust (optionally with the trusted CA's very name), and a card-like certificate from it. */
function foreignCard(name: string, caSubject: string): { certificate: Buffer; key: KeyObject; keyPem: string; certPem: string } {
  const dir = join(scratch.dir, name);
  execFileSync('mkdir', ['-p', dir]);
  const f = (x: string) => join(dir, x);
  writeFileSync(f('leaf.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '30', '-subj', caSubject,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/C=JP/O=Odekake TEST ONLY (not JPKI)/CN=TEST-ONLY-AUTH-${name}`]);
  run(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-set_serial', '4660', '-days', '30', '-extfile', f('leaf.ext'), '-out', f('leaf.crt')]);
  const certPem = readFileSync(f('leaf.crt'), 'utf8');
  const keyPem = readFileSync(f('leaf.key'), 'utf8');
  return { certificate: new X509Certificate(certPem).raw, key: createPrivateKey(keyPem), keyPem, certPem };
}

describe('health-insurance linking at the hub', () => {
  it('accepts a signature made by the virtual card through pcscd, records the link once, and refuses the same answer again', async () => {
    const ch = await challengeFor(car1);
    expect(ch.bytes.length).toBe(32);
    expect(new Date(ch.expiresAt).getTime() - Date.now()).toBeGreaterThan(110_000);
    expect(new Date(ch.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(120_000);

    const signed = await cardSignature('yamazaki-takashi', ch.bytes);
    const body = linkBody(ch.challengeId, signed.signature, signed.certificate);
    const res = await complete(tlsOf(car1), body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const linked = LinkCompleteResponse.parse(res.body);

    const cardCert = new X509Certificate(signed.certificate);
    const row = await t.hub.store.transaction((tx) => tx.getInsuranceLink(linked.linkId));
    expect(row).toMatchObject({
      vehicleId: 'car-1', staffId: 'S0001', certificateSerial: cardCert.serialNumber, certificateSubject: cardCert.subject,
      insurerNumber: '070045', symbol: 'いわき国保', number: '4711235', branch: '01',
    });
    expect(await challengeRow(ch.challengeId)).toMatchObject({ vehicleId: 'car-1', outcome: 'LINKED' });
    const done = (await audit('insurance_link.linked')).at(-1)!;
    expect(JSON.parse(done.detail)).toEqual({ challengeId: ch.challengeId, linkId: linked.linkId, staffId: 'S0001' });
    expect(done.actor).toBe('car-1');

    // The same signed answer sent again (a retry, or someone replaying it) links nothing more.
    const again = await complete(tlsOf(car1), body);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CHALLENGE_USED', message: linkErrorMessages.CHALLENGE_USED });
  });

  it('refuses a card signature over a different challenge, which spends that challenge but not the one signed', async () => {
    const signedOne = await challengeFor(car1);
    const other = await challengeFor(car1);
    const signed = await cardSignature('watanabe-sora', signedOne.bytes);

    const res = await complete(tlsOf(car1), linkBody(other.challengeId, signed.signature, signed.certificate));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'BAD_SIGNATURE', message: linkErrorMessages.BAD_SIGNATURE });
    expect(await challengeRow(other.challengeId)).toMatchObject({ outcome: 'BAD_SIGNATURE' });
    expect((await complete(tlsOf(car1), linkBody(other.challengeId, signed.signature, signed.certificate))).body.code).toBe('CHALLENGE_USED');

    expect((await complete(tlsOf(car1), linkBody(signedOne.challengeId, signed.signature, signed.certificate))).status).toBe(200);
  });

  it("refuses a certificate from another CA, even one bearing the trusted CA's name", async () => {
    const trustedName = `/${new X509Certificate(testCaCertificatePem()).subject.split('\n').join('/')}`;
    for (const [name, caSubject] of [['other-ca', '/C=JP/O=Somewhere Else/CN=Another Card CA'], ['same-name-ca', trustedName]] as const) {
      const rogue = foreignCard(name, caSubject);
      const ch = await challengeFor(car1);
      const res = await complete(tlsOf(car1), linkBody(ch.challengeId, sign('sha256', ch.bytes, rogue.key), rogue.certificate));
      expect(res.status, name).toBe(422);
      expect(res.body).toMatchObject({ code: 'CERT_CHAIN_INVALID', message: linkErrorMessages.CERT_CHAIN_INVALID });
      expect(JSON.parse((await audit('insurance_link.refused')).at(-1)!.detail)).toMatchObject({ challengeId: ch.challengeId, code: 'CERT_CHAIN_INVALID', why: 'untrusted_issuer' });
    }
    // The trusted CA's own certificate is not a card certificate.
    const ch = await challengeFor(car1);
    const ca = new X509Certificate(testCaCertificatePem());
    const res = await complete(tlsOf(car1), linkBody(ch.challengeId, fixtureSignature('yoshida-hanako', ch.bytes).signature, ca.raw));
    expect(res.body.code).toBe('CERT_CHAIN_INVALID');
  });

  it('refuses an expired challenge, and a card certificate not yet valid at the hub clock', async () => {
    const ch = await challengeFor(car1);
    offsetMs = 2 * 60_000 + 1000;
    const late = fixtureSignature('yoshida-hanako', ch.bytes);
    const res = await complete(tlsOf(car1), linkBody(ch.challengeId, late.signature, late.certificate));
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ code: 'CHALLENGE_EXPIRED', message: linkErrorMessages.CHALLENGE_EXPIRED });
    expect(await challengeRow(ch.challengeId)).toMatchObject({ outcome: 'CHALLENGE_EXPIRED' });

    // A hub clock a day before the card certificate's validity: the chain check uses the hub's clock.
    // (The vehicle's own certificate is checked for expiry only, so the vehicle still gets in.)
    offsetMs = Date.parse(loadKeys('yoshida-hanako').authCertificate.validFrom) - Date.now() - 86_400_000;
    const early = await challengeFor(car1);
    const signed = fixtureSignature('yoshida-hanako', early.bytes);
    const notYet = await complete(tlsOf(car1), linkBody(early.challengeId, signed.signature, signed.certificate));
    expect(notYet.status).toBe(422);
    expect(notYet.body.code).toBe('CERT_CHAIN_INVALID');
    expect(JSON.parse((await audit('insurance_link.refused')).at(-1)!.detail)).toMatchObject({ why: 'outside_validity' });
  });

  it("does not let another vehicle complete this vehicle's challenge, and spends it", async () => {
    const ch = await challengeFor(car1);
    const signed = fixtureSignature('yamazaki-takashi', ch.bytes);
    const body = linkBody(ch.challengeId, signed.signature, signed.certificate);
    const res = await complete(tlsOf(car2), body);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'CHALLENGE_UNKNOWN', message: linkErrorMessages.CHALLENGE_UNKNOWN });
    const refusal = (await audit('insurance_link.refused')).at(-1)!;
    expect(refusal.actor).toBe('car-2');
    expect(JSON.parse(refusal.detail)).toMatchObject({ code: 'CHALLENGE_UNKNOWN', why: 'other_vehicle', ownerVehicleId: 'car-1' });
    // An id seen outside its vehicle is no longer trusted, even by its own vehicle.
    expect((await complete(tlsOf(car1), body)).body.code).toBe('CHALLENGE_USED');

    const unknown = await complete(tlsOf(car1), linkBody('no-such-challenge', signed.signature, signed.certificate));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CHALLENGE_UNKNOWN');
  });

  it('refuses callers without a vehicle certificate of this hub on both paths, and audits them', async () => {
    const before = (await audit('vehicle.refused')).length;
    const none = { ca: car1.ca };
    expect((await askChallenge(none)).status).toBe(401);
    const ch = await challengeFor(car1);
    const signed = fixtureSignature('yamazaki-takashi', ch.bytes);
    const anonymous = await complete(none, linkBody(ch.challengeId, signed.signature, signed.certificate));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNKNOWN_VEHICLE');
    const foreign = foreignCard('client', '/C=JP/O=Not the hub/CN=Client CA');
    const stranger = await complete({ cert: foreign.certPem, key: foreign.keyPem, ca: car1.ca }, linkBody(ch.challengeId, signed.signature, signed.certificate));
    expect(stranger.status).toBe(401);
    expect((await audit('vehicle.refused')).length).toBe(before + 3);
    // Refused callers never reached the challenge: its vehicle can still use it.
    expect((await complete(tlsOf(car1), linkBody(ch.challengeId, signed.signature, signed.certificate))).status).toBe(200);
  });

  it('answers a malformed request with INVALID_INPUT without spending the challenge', async () => {
    const ch = await challengeFor(car1);
    const signed = fixtureSignature('watanabe-sora', ch.bytes);
    const res = await complete(tlsOf(car1), linkBody(ch.challengeId, signed.signature, signed.certificate, { insurance: { ...insurance, insurerNumber: '1234' } }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_INPUT');
    expect(res.body.message).toBe('保険者番号は6けたか8けたの数字です。');
    expect(await challengeRow(ch.challengeId)).toMatchObject({ usedAt: null });
    expect((await complete(tlsOf(car1), linkBody(ch.challengeId, 'not base64!', signed.certificate))).body.code).toBe('BAD_SIGNATURE');
  });

  it("passes the linking service's refusal on as LINK_REFUSED and records no link", async () => {
    const ch = await challengeFor(car1);
    const signed = fixtureSignature('watanabe-sora', ch.bytes);
    const count = async () => Number((await (t.hub.store as KyselyHubStore).db.selectFrom('insurance_links').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const res = await complete(tlsOf(car1), linkBody(ch.challengeId, signed.signature, signed.certificate, { insurance: { ...insurance, insurerNumber: '070046' } }));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'LINK_REFUSED', message: linkErrorMessages.LINK_REFUSED });
    expect(await count()).toEqual(before);
    expect(await challengeRow(ch.challengeId)).toMatchObject({ outcome: 'LINK_REFUSED' });
  });

  it('keeps insurance numbers, PINs and signatures out of the audit log and the logs, and the audit chain intact', async () => {
    const rows = await t.hub.store.transaction((tx) => tx.listAudit({}));
    const auditText = rows.map((r) => `${r.actor} ${r.action} ${r.detail}`).join('\n');
    // Without the timestamps: a 13-digit millisecond count holds a 4-digit PIN by chance now and then.
    const logText = logLines.map((l) => l.replace(/"time":\d+,?/g, '')).join('');
    expect(rows.some((r) => r.action === 'insurance_link.challenge')).toBe(true);
    for (const secret of ['4711235', 'いわき国保', '070045', ...['yamazaki-takashi', 'watanabe-sora'].map((p) => loadProfile(p).pin)]) {
      expect(auditText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
    expect(logText).toContain('insurance linked');
    // The card certificate's subject is kept with the link, not logged.
    for (const p of ['yamazaki-takashi', 'watanabe-sora', 'yoshida-hanako']) expect(logText).not.toContain(`TEST-ONLY-AUTH-${p}`);
    expect(await t.hub.store.transaction((tx) => tx.verifyAudit())).toMatchObject({ ok: true });
  });
});

describe('a hub with no JPKI CA configured', () => {
  it('refuses every card certificate', async () => {
    const bare = await startTestHub();
    try {
      const v = await bare.enroll('car-9');
      const ch = LinkChallengeResponse.parse((await httpsCall(`${bare.hub.url}${INSURANCE_LINK_API.challenge}`, { method: 'POST', tls: tlsOf(v) })).body);
      const signed = fixtureSignature('yamazaki-takashi', Buffer.from(ch.challenge, 'base64'));
      const res = await httpsCall(`${bare.hub.url}${INSURANCE_LINK_API.complete}`, { body: linkBody(ch.challengeId, signed.signature, signed.certificate), tls: tlsOf(v) });
      expect(res.body.code).toBe('CERT_CHAIN_INVALID');
    } finally {
      await bare.stop();
    }
  });
});
