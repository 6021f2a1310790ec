// A video consultation's media path in real Chromium through a real coturn, relay-only: the vehicle's
// page reaches coturn only through a UDP proxy the test can cut (the mobile link in a tunnel), the
// consultant's page directly. Signals go from page to page through the test, checked against the hub's
// schema on the way, and can be lost or held as they would be while the call socket is down in the same gap.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, turnCredentials, type RunningCoturn } from '../../hub/server/turn';
import { SignalData } from '../../protocol/consultation';
import { launchChromium } from '../support/browser';
import { projectRoot, tempDir } from '../support/fixtures';
import { startUdpProxy, type UdpProxy } from '../support/udp-proxy';
import type { MediaPath, StartOptions } from './call-peer/page';
import { freePort } from '../support/ports';

let tmp: ReturnType<typeof tempDir>;
let turn: RunningCoturn;
let turnLog = '';
let proxy: UdpProxy;
let server: http.Server;
let origin: string;
let browser: Browser;
let vehicle: Page;
let consultant: Page;
let relay: SignalRelay;
const pageErrors: string[] = [];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


/**
 * The hub's part: every signal is checked against the hub's schema and handed to the other page in
 * order. While the call socket is down, what is sent is either lost (`lost`) or held and delivered, in
 * order, when the socket is back (`held`: the hub keeps what the party still there sends, and a terminal
 * may queue its own).
 */
class SignalRelay {
  mode: 'up' | 'lost' | 'held' = 'up';
  relayed = 0;
  dropped = 0;
  /** Offers sent by the vehicle (the first, then one per ICE restart), whatever became of them. */
  offers = 0;
  droppedOffers = 0;
  largestSdp = 0;
  readonly rejected: string[] = [];
  private held: (() => Promise<void>)[] = [];
  private chain = Promise.resolve();

  async wire(from: Page, to: Page): Promise<void> {
    await from.exposeFunction('relaySignal', (signal: unknown) => this.pass(to, signal));
  }

  restore(): void {
    this.mode = 'up';
    for (const deliver of this.held.splice(0)) this.enqueue(deliver);
  }

  private pass(to: Page, signal: unknown): void {
    const parsed = SignalData.safeParse(signal);
    if (!parsed.success) {
      this.rejected.push(`${JSON.stringify(signal).slice(0, 120)}… (${JSON.stringify(signal).length} chars): ${parsed.error.issues[0]?.message}`);
      return;
    }
    const data = parsed.data;
    if (data.type === 'offer') this.offers++;
    if ('sdp' in data) this.largestSdp = Math.max(this.largestSdp, data.sdp.length);
    const deliver = async () => {
      this.relayed++;
      await to.evaluate((d) => window.callPage.signal(d), data);
    };
    if (this.mode === 'lost') {
      this.dropped++;
      if (data.type === 'offer') this.droppedOffers++;
    }
    else if (this.mode === 'held') this.held.push(deliver);
    else this.enqueue(deliver);
  }

  private enqueue(deliver: () => Promise<void>): void {
    this.chain = this.chain.then(deliver).catch(() => undefined);
  }
}

async function until<T>(what: string, probe: () => Promise<T | false | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline) {
      const views = await Promise.all([vehicle, consultant].map((p) => p.evaluate(() => window.callPage.views()).catch(() => [])));
      const endedBy = await Promise.all([vehicle, consultant].map((p) => p.evaluate(() => window.callPage.endedBy()).catch(() => 'unknown')));
      throw new Error(
        `timed out waiting for ${what}\nproxy ${JSON.stringify(proxy.stats)}, signals relayed ${relay.relayed} dropped ${relay.dropped}\n` +
          `ended by simple-peer: vehicle ${endedBy[0] ?? '-'}, consultant ${endedBy[1] ?? '-'}\n` +
          `vehicle views ${JSON.stringify(views[0])}\nconsultant views ${JSON.stringify(views[1])}\ncoturn log tail:\n${turnLog.slice(-3000)}`,
      );
    }
    await sleep(everyMs);
  }
}

/**
 * Media goes from a TURN relay to a TURN relay: each side sends from one of its own relay addresses to
 * one of the other side's. The far end may be known as peer-reflexive rather than relay when its
 * connectivity check arrives before its candidate does (likely after a gap, when the signals were
 * held) — the address is what says it is the other side's relay.
 */
async function expectRelayToRelay(): Promise<void> {
  const read = () => Promise.all([vehicle, consultant].map((p) => p.evaluate(() => window.callPage.path())));
  // Chromium leaves out the IP of a peer-reflexive candidate (":port"): its port still names the relay.
  const isRelayOf = (far: string, to: MediaPath) => to.relayAddresses.some((own) => own === far || (far.startsWith(':') && own.endsWith(far)));
  const relayToRelay = (from: MediaPath, to: MediaPath) =>
    from.local?.type === 'relay' && ['relay', 'prflx'].includes(from.remote?.type ?? '') && isRelayOf(from.remote!.address, to);
  // Right after a restart the selected pair may be changing over: give it a moment to settle.
  let [v, c] = await read();
  for (const deadline = Date.now() + 5_000; !(relayToRelay(v!, c!) && relayToRelay(c!, v!)) && Date.now() < deadline; ) {
    await sleep(200);
    [v, c] = await read();
  }
  expect(relayToRelay(v!, c!) && relayToRelay(c!, v!), `vehicle ${JSON.stringify(v)}, consultant ${JSON.stringify(c)}`).toBe(true);
}

const frames = async (page: Page) => (await page.evaluate(() => window.callPage.stats())).framesDecoded;
const connection = (page: Page) => page.evaluate(() => window.callPage.view().connection);

/** Milliseconds until inbound video decodes again on each page: the first new frame, and ten more than now. */
async function framesResume(pages: Page[], timeoutMs: number): Promise<{ first: number; ten: number }[]> {
  const from = Date.now();
  const base = await Promise.all(pages.map(frames));
  return Promise.all(
    pages.map(async (page, i) => {
      let first = 0;
      await until(`frames growing on page ${i}`, async () => {
        const n = await frames(page);
        if (n > base[i]! && !first) first = Date.now() - from;
        return n >= base[i]! + 10;
      }, timeoutMs, 50);
      return { first, ten: Date.now() - from };
    }),
  );
}

async function startCall(extra: Partial<StartOptions> = {}): Promise<number> {
  const creds = (userId: string, url: string) => {
    const c = turnCredentials({ secret: turn.secret, userId, urls: [url] });
    return [{ urls: c.urls, username: c.username, credential: c.credential }];
  };
  const common = { relayOnly: true, preferFrameRate: true, ...extra };
  const started = Date.now();
  // The consultant is in the call before the vehicle's offer arrives, as the hub arranges it.
  await consultant.evaluate((o) => window.callPage.start(o), { ...common, initiator: false, iceServers: creds('consultant-1', turn.url) });
  // The vehicle reaches coturn only through the proxy: the same server, at the proxy's port.
  await vehicle.evaluate((o) => window.callPage.start(o), { ...common, initiator: true, iceServers: creds('vehicle-1', `turn:127.0.0.1:${proxy.port}?transport=udp`) });
  await until('both sides connected and decoding', async () => {
    const states = await Promise.all([vehicle, consultant].map(connection));
    if (states.some((s) => s !== 'connected')) return false;
    return (await Promise.all([vehicle, consultant].map(frames))).every((f) => f > 0);
  }, 30_000);
  return Date.now() - started;
}

beforeAll(async () => {
  tmp = tempDir();
  const turnPort = await freePort();
  turn = await startCoturn({ dir: join(tmp.dir, 'turn'), port: turnPort, relayPorts: [49700, 49900] });
  turn.process.stdout?.on('data', (d) => (turnLog = (turnLog + String(d)).slice(-200_000)));
  proxy = await startUdpProxy({ port: turnPort });

  const www = join(tmp.dir, 'www');
  await build({
    entryPoints: { page: join(projectRoot, 'test/e2e/call-peer/page.ts') },
    outdir: www,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    logLevel: 'warning',
  });
  writeFileSync(
    join(www, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>相談</title>
<script>
  // Every RTCPeerConnection the page makes, so the test can count them.
  window.peerConnections = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.peerConnections.push(this); }
  };
</script>
<video autoplay muted playsinline></video><audio autoplay></audio>
<script type="module" src="/page.js"></script>`,
  );
  const files: Record<string, [string, string]> = { '/': ['index.html', 'text/html'], '/page.js': ['page.js', 'text/javascript'] };
  server = http.createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(join(www, file[0])));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    // Three fake cameras, so that switching has somewhere to go (see the page); remote audio plays
    // without a gesture.
    '--use-fake-device-for-media-stream=device-count=3',
    '--autoplay-policy=no-user-gesture-required',
    // Two pages share two cores; neither may have its timers slowed as a background page.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ]);
  const page = async () => (await browser.newContext({ permissions: ['camera', 'microphone'] })).newPage();
  vehicle = await page();
  consultant = await page();
  relay = new SignalRelay();
  await relay.wire(vehicle, consultant);
  await relay.wire(consultant, vehicle);
  for (const p of [vehicle, consultant]) {
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(origin);
    await p.waitForFunction(() => window.callPage !== undefined);
  }
}, 60_000);

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await proxy?.stop();
  await turn?.stop();
  tmp?.remove();
});

describe('consultation media through TURN only', () => {
  it('connects relay-only and decodes video on both sides', async () => {
    const connectMs = await startCall();
    console.log(`connected and decoding on both sides ${connectMs} ms after the consultant's page started`);

    const before = await Promise.all([vehicle, consultant].map(frames));
    await sleep(2_000);
    const after = await Promise.all([vehicle, consultant].map(frames));
    expect(after[0]).toBeGreaterThan(before[0]! + 10);
    expect(after[1]).toBeGreaterThan(before[1]! + 10);

    await expectRelayToRelay();
    for (const page of [vehicle, consultant]) {
      const stats = await page.evaluate(() => window.callPage.stats());
      expect(stats.route?.local).toBe('relay');
      expect(stats.bytesReceived).toBeGreaterThan(0);
      const types = await page.evaluate(() => window.callPage.localCandidateTypes());
      expect(types.length).toBeGreaterThan(0);
      expect(new Set(types)).toEqual(new Set(['relay']));
    }
    // The vehicle's media really went through the proxy, both ways.
    expect(proxy.stats.up).toBeGreaterThan(100);
    expect(proxy.stats.down).toBeGreaterThan(100);

    // The sender got its cap and, for sign language, the frame-rate preference.
    const sender = await until('sender parameters', () => vehicle.evaluate(() => window.callPage.sender()), 5_000);
    console.log(`vehicle video sender: ${JSON.stringify(sender)}; largest SDP ${relay.largestSdp} chars`);
    expect(sender.maxBitrate).toBeLessThanOrEqual(600_000);
    expect(sender.active).toBe(true);
    expect(sender.degradationPreference).toBe('maintain-framerate');

    // Every signal either side sent passes the hub's schema.
    expect(relay.rejected).toEqual([]);

    // Junk, and signals meant for the other role, change nothing (simple-peer alone would end the call on most of them).
    const junk: unknown[] = [
      {}, null, 'not json', 42, [], { type: 'offer' }, { type: 'candidate', candidate: { candidate: 5 } },
      { type: 'answer', sdp: 'v=0' }, { type: 'offer', sdp: 'v=0' }, { type: 'restart-ice', extra: true }, { type: 'renegotiate', renegotiate: 'yes' },
    ];
    for (const page of [vehicle, consultant]) for (const data of junk) await page.evaluate((d) => window.callPage.signal(d), data);
    await consultant.evaluate(() => window.callPage.signal({ type: 'renegotiate', renegotiate: true }));
    await framesResume([vehicle, consultant], 10_000);
    expect(await Promise.all([vehicle, consultant].map(connection))).toEqual(['connected', 'connected']);
  }, 90_000);

  it('shows who is speaking, mutes, and switches cameras without a new offer', async () => {
    // The fake microphones beep: both sides hear each other.
    const viewOf = (page: Page) => page.evaluate(() => window.callPage.view());
    await until('both speaking flags on both sides', async () => {
      const views = await Promise.all([vehicle, consultant].map(viewOf));
      return views.every((v) => v.localSpeaking && v.remoteSpeaking);
    }, 15_000);

    await vehicle.evaluate(() => window.callPage.setAudioMuted(true));
    expect(await viewOf(vehicle)).toMatchObject({ audioMuted: true, localSpeaking: false });
    await until('the consultant to stop hearing the vehicle', async () => !(await viewOf(consultant)).remoteSpeaking, 10_000);
    await sleep(3_000);
    expect((await viewOf(consultant)).remoteSpeaking).toBe(false);
    await vehicle.evaluate(() => window.callPage.setAudioMuted(false));
    await until('the consultant to hear the vehicle again', async () => (await viewOf(consultant)).remoteSpeaking, 10_000);

    const offers = relay.offers;
    const before = await vehicle.evaluate(() => window.callPage.cameraId());
    await vehicle.evaluate(() => window.callPage.switchCamera());
    const after = await vehicle.evaluate(() => window.callPage.cameraId());
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    // The consultant keeps decoding the vehicle's video, from the other camera, with no renegotiation.
    await framesResume([consultant], 10_000);
    expect(relay.offers).toBe(offers);
    expect(await connection(consultant)).toBe('connected');

    // The next camera is a depth camera (Chromium's second fake one: 16-bit grey, which no encoder
    // takes): it is passed over, and the picture keeps moving from the camera after it.
    const cameras = await vehicle.evaluate(() => window.callPage.cameras());
    expect(cameras).toHaveLength(3);
    expect(after).toBe(cameras[0]);
    await vehicle.evaluate(() => window.callPage.switchCamera());
    expect(await vehicle.evaluate(() => window.callPage.cameraId())).toBe(cameras[2]);
    await framesResume([consultant], 10_000);
    expect(relay.offers).toBe(offers);
  }, 60_000);

  it('opens a camera whose pictures can be sent, passing over a depth camera asked for first', async () => {
    const cameras = await vehicle.evaluate(() => window.callPage.cameras());
    expect(await vehicle.evaluate(() => window.callPage.openLocalMedia(0))).toBe(cameras[0]);
    expect(await vehicle.evaluate(() => window.callPage.openLocalMedia(1))).toBe(cameras[2]);
  }, 30_000);

  // The same call through a series of cuts of the vehicle's link. The call socket to the hub either
  // stays up, or goes down with the link and the signals of the gap are lost, or held (by the hub, and
  // by the terminal for its own) and delivered late; the app calls signalingRestored() when its socket is
  // back. The link may return with a new address, as after the modem re-attaches: the old TURN
  // allocation is then gone and only an ICE restart brings media back. The 20-second cuts outlast the
  // first restarts: their offers are lost (the next must still go out), or arrive late and are answered
  // late (a stale answer must not leave the two sides with different ICE credentials).
  const cuts = [
    { signals: 'up', remap: false, cutMs: 10_000 },
    { signals: 'lost', remap: false, cutMs: 10_000 },
    { signals: 'held', remap: false, cutMs: 10_000 },
    { signals: 'lost', remap: true, cutMs: 10_000 },
    { signals: 'lost', remap: true, cutMs: 20_000 },
    { signals: 'held', remap: true, cutMs: 20_000 },
  ] as const;
  for (const { signals, remap, cutMs } of cuts) {
    it(`resumes on the same peer connection after a ${cutMs / 1000}-second cut (signals during the gap: ${signals}${remap ? ', new address after it' : ''})`, async () => {
      expect(await connection(vehicle)).toBe('connected');
      const peerConnections = await Promise.all([vehicle, consultant].map((p) => p.evaluate(() => window.peerConnections.length)));

      const offersAtCut = relay.offers;
      proxy.cut();
      if (signals !== 'up') relay.mode = signals;
      const cutAt = Date.now();
      await until('the vehicle to notice the cut', async () => (await connection(vehicle)) === 'reconnecting', 9_500);
      const noticedMs = Date.now() - cutAt;
      const stalled = await Promise.all([vehicle, consultant].map(frames));
      await sleep(cutMs - (Date.now() - cutAt));
      // Nothing came through during the cut.
      expect(await Promise.all([vehicle, consultant].map(frames))).toEqual(stalled);

      const offersBefore = relay.offers;
      proxy.restore({ remap });
      relay.restore();
      if (signals !== 'up') for (const p of [vehicle, consultant]) await p.evaluate(() => window.callPage.signalingRestored());
      const [v, c] = await framesResume([vehicle, consultant], 30_000);
      console.log(
        `${cutMs / 1000}-s cut, signals ${signals}${remap ? ', new address' : ''}: "reconnecting" ${noticedMs} ms after the cut; after the link ` +
          `returned, first frame decoded in ${v!.first} ms (vehicle) / ${c!.first} ms (consultant), ten frames in ${v!.ten} / ${c!.ten} ms; ` +
          `offers: ${offersBefore - offersAtCut} during the gap, ${relay.offers - offersBefore} after it`,
      );

      // Same CallPeer, same RTCPeerConnection: recovered, not redialled.
      expect(await Promise.all([vehicle, consultant].map((p) => p.evaluate(() => window.callPage.peers())))).toEqual([1, 1]);
      expect(await Promise.all([vehicle, consultant].map((p) => p.evaluate(() => window.peerConnections.length)))).toEqual(peerConnections);
      // Both views settle on connected (a late, stale answer can cost one more quick restart first).
      await until('both views connected', async () => (await Promise.all([vehicle, consultant].map(connection))).every((c) => c === 'connected'), 10_000);
      for (const page of [vehicle, consultant]) {
        const views = await page.evaluate(() => window.callPage.views());
        expect(views.some((v) => v.connection === 'failed')).toBe(false);
      }
      await expectRelayToRelay();
      // A new address needs a new allocation: the vehicle restarted ICE with a new offer.
      if (remap) expect(relay.offers).toBeGreaterThan(offersBefore);
      // The long gaps: restarts went out during them, and recovery came all the same.
      if (cutMs > 10_000) expect(offersBefore).toBeGreaterThan(offersAtCut);
      expect(relay.rejected).toEqual([]);
    }, 90_000);
  }

  it('gives up when the gap outlasts the limit, and stays given up when the link returns', async () => {
    for (const p of [vehicle, consultant]) await p.evaluate(() => window.callPage.destroy());
    const giveUpMs = 8_000;
    await startCall({ giveUpMs });

    proxy.cut();
    relay.mode = 'lost';
    const cutAt = Date.now();
    const failedAt = await Promise.all(
      [vehicle, consultant].map((page) =>
        until('the view to fail', async () => (await page.evaluate(() => window.callPage.views())).find((v) => v.connection === 'failed')?.at, giveUpMs + 20_000),
      ),
    );
    console.log(`gap limit ${giveUpMs} ms: failed ${failedAt.map((t) => t - cutAt).join(' / ')} ms after the cut (vehicle / consultant)`);
    for (const t of failedAt) expect(t - cutAt).toBeGreaterThanOrEqual(giveUpMs);
    for (const page of [vehicle, consultant]) {
      const views = await page.evaluate(() => window.callPage.views());
      // Reconnecting first, failed only at the end.
      expect(views.map((v) => v.connection)).toContain('reconnecting');
      expect(views.at(-1)?.connection).toBe('failed');
    }

    proxy.restore();
    relay.restore();
    for (const p of [vehicle, consultant]) await p.evaluate(() => window.callPage.signalingRestored());
    await sleep(3_000);
    expect(await Promise.all([vehicle, consultant].map(connection))).toEqual(['failed', 'failed']);
  }, 90_000);
});
