// Everything a video consultation needs, real, on 127.0.0.1: coturn (relay only), a UDP link in front
// of it and a TCP link between the vehicle and the hub that can both be cut (the vehicle's network in
// a tunnel), the hub with its consultant console, the terminal host process, and Debian's Chromium
// with fake camera and microphone for the staff, resident and consultant pages. Used by the e2e test
// and by bench/consultation.ts.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { addOperator } from '../../hub/server';
import { startCoturn, type RunningCoturn } from '../../hub/server/turn';
import { launchChromium } from './browser';
import { demoStaff, tempDir } from './fixtures';
import { startHostProcess, type HostProcess } from './host';
import { freePort } from './ports';
import { consoleDist, startTestHub, type TestHub } from './hub';
import { startFaultProxy, type FaultProxy } from './tcp-proxy';
import { startUdpProxy, type UdpProxy } from './udp-proxy';

export const consultant = { operatorId: 'soudan1', password: 'consultant-password-1', displayName: '相談 花子' };

/** Wraps RTCPeerConnection before any page script runs, so the test can read getStats() of the page's call. */
const recordPeerConnections = () => {
  const Original = window.RTCPeerConnection;
  const seen: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = seen;
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      seen.push(this);
    }
  } as typeof RTCPeerConnection;
};

export interface MediaSample {
  /** Peer connections the page has created so far (a redial would add one). */
  peerConnections: number;
  framesDecoded: number;
  bytesReceived: number;
  /** Both ends of the selected candidate pair are TURN relay candidates. */
  relayed: boolean;
  iceState: string;
  at: number;
}

export async function sample(page: Page): Promise<MediaSample> {
  const s = await page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? [];
    const pc = pcs[pcs.length - 1];
    if (!pc) return { peerConnections: 0, framesDecoded: 0, bytesReceived: 0, relayed: false, iceState: 'none' };
    const stats = await pc.getStats();
    let framesDecoded = 0;
    let bytesReceived = 0;
    let pairId: string | undefined;
    const byId = new Map<string, Record<string, unknown>>();
    stats.forEach((r: Record<string, unknown>) => {
      byId.set(r.id as string, r);
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        framesDecoded += Number(r.framesDecoded ?? 0);
        bytesReceived += Number(r.bytesReceived ?? 0);
      }
      if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') pairId = r.selectedCandidatePairId;
    });
    const pair = pairId ? byId.get(pairId) : undefined;
    const local = pair ? byId.get(pair.localCandidateId as string) : undefined;
    const remote = pair ? byId.get(pair.remoteCandidateId as string) : undefined;
    return {
      peerConnections: pcs.length,
      framesDecoded,
      bytesReceived,
      relayed: local?.candidateType === 'relay' && remote?.candidateType === 'relay',
      iceState: pc.iceConnectionState,
    };
  });
  return { ...s, at: Date.now() };
}

/** Polls until the page decodes more video frames than `above`; returns when it first did. */
export async function framesAfter(page: Page, above: number, timeoutMs = 20_000, everyMs = 50): Promise<MediaSample> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(page);
    if (s.framesDecoded > above) return s;
    if (Date.now() > deadline) throw new Error(`no video frames decoded beyond ${above} within ${timeoutMs} ms (ice ${s.iceState}, frames ${s.framesDecoded})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface ConsultationRig {
  hub: TestHub;
  coturn: RunningCoturn;
  udp: UdpProxy;
  tcp: FaultProxy;
  host: HostProcess;
  browser: Browser;
  staff: Page;
  resident: Page;
  consultant: Page;
  enrollmentDir: string;
  /** The vehicle's network goes: the hub link refuses and drops, TURN datagrams vanish both ways. */
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startConsultationRig(options: { graceMs?: number; hostArgs?: readonly string[] } = {}): Promise<ConsultationRig> {
  const tmp = tempDir('odekake-call-');
  const stops: (() => Promise<unknown> | unknown)[] = [() => tmp.remove()];
  const stop = async () => {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => undefined);
  };
  try {
    const turnPort = await freePort();
    const coturn = await startCoturn({ dir: join(tmp.dir, 'turn'), port: turnPort });
    stops.push(() => coturn.stop());
    const udp = await startUdpProxy({ port: turnPort });
    stops.push(() => udp.stop());
    const hub = await startTestHub({
      consoleDir: consoleDist,
      // Both sides reach TURN through the link that can be cut.
      turn: { urls: [`turn:127.0.0.1:${udp.port}?transport=udp`], secret: coturn.secret },
      ...(options.graceMs ? { callGraceMs: options.graceMs } : {}),
    });
    stops.push(() => hub.stop());
    await addOperator(hub.hub.store, { id: consultant.operatorId, displayName: consultant.displayName, role: 'consultant', password: consultant.password, actor: 'test' });
    const enrollment = await hub.enroll('vehicle-call');
    const tcp = await startFaultProxy({ target: { port: hub.hub.port }, random: Math.random });
    stops.push(() => tcp.stop());
    const host = await startHostProcess(join(tmp.dir, 'vehicle'), [
      '--hub-enrollment', enrollment.dir,
      '--hub-url', `https://127.0.0.1:${tcp.port}`,
      '--hub-retry-max', '1000',
      ...(options.hostArgs ?? []),
    ]);
    stops.push(() => host.stop());
    const browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required']);
    stops.push(() => browser.close());
    const viewport = { width: 1280, height: 860 };
    const newPage = async (extra: Record<string, unknown> = {}) => {
      const context = await browser.newContext({ viewport, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', permissions: ['camera', 'microphone'], ...extra });
      await context.addInitScript(recordPeerConnections);
      return context.newPage();
    };
    const staff = await newPage();
    const resident = await newPage();
    // The hub's certificate comes from its own CA, which this throwaway profile does not trust.
    const consultantPage = await newPage({ ignoreHTTPSErrors: true });
    await Promise.all([staff.goto(host.staffUrl), resident.goto(host.residentUrl), consultantPage.goto(`${hub.hub.url}/`)]);
    return {
      hub, coturn, udp, tcp, host, browser, staff, resident, consultant: consultantPage, enrollmentDir: enrollment.dir,
      cut() {
        tcp.faults.dropRate = 1;
        tcp.cutAll();
        udp.cut();
      },
      restore() {
        tcp.faults.dropRate = 0;
        udp.restore();
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Staff sign in and open the video consultation page. */
export async function staffOpensConsultations(staff: Page): Promise<void> {
  await staff.locator('input[name=staffId]').fill(demoStaff.staffId);
  await staff.locator('input[name=pin]').fill(demoStaff.pin);
  await staff.getByRole('button', { name: 'サインイン' }).click();
  await staff.getByRole('button', { name: 'ビデオ相談' }).click();
}

/** The consultant signs in and becomes available for the given departments (labels as on screen). */
export async function consultantGoesAvailable(page: Page, departments: string[]): Promise<void> {
  await page.getByLabel('職員番号').fill(consultant.operatorId);
  await page.getByLabel('パスワード').fill(consultant.password);
  await page.getByRole('button', { name: 'サインイン' }).click();
  for (const d of departments) await page.getByLabel(d, { exact: true }).check();
  await page.getByTestId('desk-available').click();
  await page.getByTestId('desk-availability').getByText('対応可能').waitFor();
}
