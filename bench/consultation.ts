// Video consultation benchmarks, on the real pieces (coturn relay only, the hub, the terminal host,
// Debian's Chromium with fake camera and microphone): the time from the consultant's "accept" to the
// first decoded video frame on both sides (20 calls), and the time from the network's return after a
// 10-s cut of the vehicle's link to frames decoded again (3 cuts). Run: npm run bench:call
import type { Page } from 'playwright-core';
import {
  consultantGoesAvailable, sample, staffOpensConsultations, startConsultationRig, type MediaSample,
} from '../test/support/consultation-rig';

const CALLS = 20;
const CUTS = 3;
type Row = [string, string, string?, string?];
const rows: Row[] = [];
const row = (what: string, measured: string, target = '', ok: boolean | null = null) =>
  rows.push([what, measured, target, ok === null ? '' : ok ? 'ok' : 'MISSED']);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

/** Polls a page every 20 ms until `done` holds for its sample; returns that sample. */
async function until(page: Page, done: (s: MediaSample) => boolean, timeoutMs = 30_000): Promise<MediaSample> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sample(page);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out (ice ${s.iceState}, frames ${s.framesDecoded})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rig = await startConsultationRig();
try {
  const { staff, resident, consultant } = rig;
  await consultantGoesAvailable(consultant, ['福祉・保健']);
  await staffOpensConsultations(staff);

  const firstFrame: number[] = [];
  const residentFrame: number[] = [];
  const deskFrame: number[] = [];
  const iceConnected: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    await staff.locator('button[data-department=welfare_health]').click();
    await consultant.getByRole('button', { name: '受ける' }).waitFor();
    // Each page keeps its earlier calls' (closed) peer connections: wait for the new one.
    const before = { resident: (await sample(resident)).peerConnections, desk: (await sample(consultant)).peerConnections };
    const accepted = Date.now();
    await consultant.getByRole('button', { name: '受ける' }).click();
    const connected = await until(resident, (s) => s.peerConnections > before.resident && (s.iceState === 'connected' || s.iceState === 'completed'));
    const [r, d] = await Promise.all([
      until(resident, (s) => s.peerConnections > before.resident && s.framesDecoded > 0),
      until(consultant, (s) => s.peerConnections > before.desk && s.framesDecoded > 0),
    ]);
    if (!r.relayed || !d.relayed) throw new Error('the call did not go through TURN relay candidates');
    iceConnected.push(connected.at - accepted);
    residentFrame.push(r.at - accepted);
    deskFrame.push(d.at - accepted);
    firstFrame.push(Math.max(r.at, d.at) - accepted);
    await staff.getByRole('button', { name: '相談を終える' }).click();
    await staff.getByRole('button', { name: 'はい、終える' }).click();
    await staff.getByTestId('call-finished').waitFor();
    await consultant.getByText('待っている車両はありません。').waitFor();
  }
  const med = quantile(firstFrame, 0.5);
  row(`accept → first decoded frame on both sides (median of ${CALLS})`, `${med} ms`, '≤ 1500 ms', med <= 1500);
  row(`accept → first decoded frame on both sides (p95 of ${CALLS})`, `${quantile(firstFrame, 0.95)} ms`);
  row('  of which accept → ICE connected over TURN (median)', `${quantile(iceConnected, 0.5)} ms`);
  row('  resident screen first frame (median)', `${quantile(residentFrame, 0.5)} ms`);
  row('  consultant console first frame (median)', `${quantile(deskFrame, 0.5)} ms`);

  // One more call, then the vehicle's network is cut for 10 s, three times.
  const before = { resident: (await sample(resident)).peerConnections, desk: (await sample(consultant)).peerConnections };
  await staff.locator('button[data-department=welfare_health]').click();
  await consultant.getByRole('button', { name: '受ける' }).click();
  await Promise.all([
    until(resident, (s) => s.peerConnections > before.resident && s.framesDecoded > 30),
    until(consultant, (s) => s.peerConnections > before.desk && s.framesDecoded > 30),
  ]);
  const recovery: number[] = [];
  for (let i = 0; i < CUTS; i++) {
    rig.cut();
    await new Promise((r) => setTimeout(r, 10_000));
    const [r0, d0] = await Promise.all([sample(resident), sample(consultant)]);
    rig.restore();
    const back = Date.now();
    const [r1, d1] = await Promise.all([
      until(resident, (s) => s.framesDecoded > r0.framesDecoded + 2),
      until(consultant, (s) => s.framesDecoded > d0.framesDecoded + 2),
    ]);
    if (r1.peerConnections !== r0.peerConnections || d1.peerConnections !== d0.peerConnections) throw new Error('a new peer connection was made (redial)');
    recovery.push(Math.max(r1.at, d1.at) - back);
    await new Promise((r) => setTimeout(r, 3_000));
  }
  const worst = Math.max(...recovery);
  row(`network back after a 10-s cut → frames decoded again on both sides (${CUTS} cuts)`, `${recovery.join(' / ')} ms`, '≤ 3000 ms each', worst <= 3000);
  row('  same peer connection after every cut (no redial)', 'yes');
} finally {
  await rig.stop();
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length), 6));
console.log(`video consultation benchmarks: loopback, coturn relay only, Chromium with fake media (${new Date().toISOString()})`);
for (const r of [['what', 'measured', 'target', ''] as Row, ...rows]) console.log(r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join(' | '));
process.exit(0);
