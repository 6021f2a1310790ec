// A video consultation end to end in Debian's Chromium with fake camera and microphone: staff call 手話
// from the vehicle, a consultant accepts in the console, both sides decode video over coturn with a
// relay-only policy, the vehicle's network is cut for 10 s and the call resumes on the same peer
// connection with no redial, a third party can neither join nor signal into the call, and the call
// leaves its record (with the consultant's notes kept at the hub only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { shot } from '../support/browser';
import {
  consultant, consultantGoesAvailable, framesAfter, sample, staffOpensConsultations, startConsultationRig, type ConsultationRig,
} from '../support/consultation-rig';
import { operatorClient } from '../support/hub';

let rig: ConsultationRig;

beforeAll(async () => {
  rig = await startConsultationRig();
}, 90_000);

afterAll(async () => {
  await rig?.stop();
});

function frameSocket(url: string, options: ConstructorParameters<typeof WebSocket>[2]) {
  const ws = new WebSocket(url, options);
  const frames: any[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  return new Promise<{ ws: WebSocket; frames: any[] }>((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('error', reject);
  });
}

describe('video consultation (Chromium, coturn relay only)', () => {
  it('connects, survives a 10-s cut without redialling, keeps third parties out, and leaves a record', async () => {
    const { staff, resident, consultant: desk, hub } = rig;

    await consultantGoesAvailable(desk, ['手話']);
    await staffOpensConsultations(staff);
    const signLanguage = staff.locator('button[data-department=sign_language]');
    await signLanguage.getByText('対応できる相談員 1人').waitFor();
    await shot(staff, 'call-01-staff-departments');
    await signLanguage.click();
    await staff.getByTestId('call-position').getByText('1').waitFor();
    await shot(staff, 'call-02-staff-waiting');
    await resident.getByTestId('resident-call-waiting').getByText('手話の相談員をお呼びしています').waitFor();
    await shot(resident, 'call-02b-resident-waiting');

    await desk.getByTestId('desk-waiting').waitFor();
    await shot(desk, 'call-03-consultant-queue');
    await desk.getByRole('button', { name: '受ける' }).click();
    const accepted = Date.now();

    // Video decoded on both sides, through TURN relay candidates only.
    const [atDesk, atResident] = await Promise.all([framesAfter(desk, 0), framesAfter(resident, 0)]);
    console.log(`accept → first decoded frame: consultant ${atDesk.at - accepted} ms, resident ${atResident.at - accepted} ms`);
    const grown = await Promise.all([framesAfter(desk, atDesk.framesDecoded + 10), framesAfter(resident, atResident.framesDecoded + 10)]);
    for (const s of grown) expect(s).toMatchObject({ relayed: true, peerConnections: 1 });
    await resident.getByTestId('call-caption').getByText(/相談 花子さん/).waitFor();
    await resident.getByText('手話のご相談').waitFor();
    await staff.getByTestId('call-live').getByText('相談 花子さんと通話中').waitFor();
    await staff.getByTestId('call-quality').getByText(/通信：(良好|ふつう|弱い)/).waitFor({ timeout: 15_000 });
    await shot(resident, 'call-04-resident-consultant-full-size');
    await shot(staff, 'call-05-staff-in-call');
    await shot(desk, 'call-06-consultant-in-call');

    // A third party: another consultant cannot take the call, nor signal into it; another vehicle neither.
    const callId = (await hub.hub.store.transaction((tx) => tx.listConsultations({ limit: 1 })))[0]!.id;
    const other = operatorClient(hub.hub.url, hub.hub.caCert);
    const { addOperator } = await import('../../hub/server');
    await addOperator(hub.hub.store, { id: 'intruder', displayName: '別の相談員', role: 'consultant', password: 'intruder-password-1', actor: 'test' });
    await other.signIn('intruder', 'intruder-password-1');
    await other.call('PUT', '/api/v1/console/consultations/availability', { departments: ['sign_language'] });
    expect((await other.call('POST', `/api/v1/console/consultations/${callId}/accept`, {})).body.code).toBe('CALL_NOT_WAITING');
    const intruder = await frameSocket(`${hub.hub.url.replace('https', 'wss')}/api/v1/console/consultations/ws`, {
      ca: hub.hub.caCert, headers: { cookie: other.cookie, origin: new URL(hub.hub.url).origin },
    });
    const car2 = await hub.enroll('vehicle-other');
    const otherVehicle = await frameSocket(`${hub.hub.url.replace('https', 'wss')}/api/v1/vehicle/consultations/ws`, { cert: car2.cert, key: car2.key, ca: car2.ca });
    const bogus = { type: 'signal', callId, data: { type: 'offer', sdp: 'v=0\r\n' } };
    intruder.ws.send(JSON.stringify(bogus));
    otherVehicle.ws.send(JSON.stringify(bogus));
    await expect.poll(() => [...intruder.frames, ...otherVehicle.frames].filter((f) => f.type === 'error').map((f) => f.code), { timeout: 5_000 }).toEqual(['NOT_A_PARTY', 'NOT_A_PARTY']);
    intruder.ws.close();
    otherVehicle.ws.close();
    // The call went on untouched.
    const stillOn = await Promise.all([framesAfter(desk, grown[0]!.framesDecoded), framesAfter(resident, grown[1]!.framesDecoded)]);
    for (const s of stillOn) expect(s.peerConnections).toBe(1);

    // The vehicle's network is cut for 10 s (hub link and TURN datagrams), then comes back.
    rig.cut();
    await new Promise((r) => setTimeout(r, 3_000));
    const during = await Promise.all([sample(desk), sample(resident)]);
    await staff.getByTestId('call-connection').getByText(/つなぎ直しています|途切れています/).waitFor({ timeout: 10_000 });
    // The resident is told too, as soon as the picture stops moving (before the browser reports the cut).
    await resident.getByTestId('call-caption').getByText(/つなぎ直しています/).waitFor({ timeout: 4_000 });
    await shot(resident, 'call-07-resident-during-cut');
    await new Promise((r) => setTimeout(r, 7_000));
    const stalled = await Promise.all([sample(desk), sample(resident)]);
    // Nothing got through while the link was down (a few frames in the decoder's pipeline at most).
    expect(stalled[0]!.framesDecoded - during[0]!.framesDecoded).toBeLessThan(5);
    rig.restore();
    const back = Date.now();
    const resumed = await Promise.all([framesAfter(desk, stalled[0]!.framesDecoded + 5, 20_000), framesAfter(resident, stalled[1]!.framesDecoded + 5, 20_000)]);
    console.log(`network back → frames decoded again: consultant ${resumed[0]!.at - back} ms, resident ${resumed[1]!.at - back} ms`);
    // Same peer connections on both sides: the call resumed, nobody redialled; the hub kept the same call.
    for (const s of resumed) expect(s).toMatchObject({ peerConnections: 1, relayed: true });
    const record = await hub.hub.store.transaction((tx) => tx.getConsultation(callId));
    expect(record).toMatchObject({ outcome: null, consultantId: consultant.operatorId });
    await staff.getByTestId('call-connection').getByText('つながっています').waitFor({ timeout: 15_000 });
    await shot(staff, 'call-08-staff-resumed');

    // Staff end the call; the consultant writes notes, kept at the hub only.
    await staff.getByRole('button', { name: '相談を終える' }).click();
    await staff.getByRole('button', { name: 'はい、終える' }).click();
    await staff.getByTestId('call-finished').waitFor();
    await resident.getByText('ようこそ。職員がご案内します。').waitFor();
    await desk.getByText('きょうの相談').waitFor();
    await desk.locator('details.record summary').first().click();
    await desk.getByTestId(`notes-${callId}`).fill('手話通訳で介護保険の申請方法を説明。書類は次回訪問時に。');
    await desk.getByRole('button', { name: 'メモを保存' }).first().click();
    await desk.getByText(/保存しました/).waitFor();
    await shot(desk, 'call-09-consultant-notes');
    const ended = await hub.hub.store.transaction((tx) => tx.getConsultation(callId));
    expect(ended).toMatchObject({ department: 'sign_language', staffId: 'S0001', consultantId: consultant.operatorId, outcome: 'completed', notes: expect.stringContaining('手話通訳') });
    expect(ended!.connectedAt! < ended!.endedAt!).toBe(true);
    // The vehicle's camera is off again.
    await expect.poll(() => resident.evaluate(() => document.querySelectorAll('video').length)).toBe(0);
  }, 180_000);
});
