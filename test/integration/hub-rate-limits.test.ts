// The hub under a sign-in flood and a stranger hammering the vehicle API, with its real limits: one
// address guessing passwords 200 times gets 429s after the first few, the real operator signs in from
// another address all the while, the hub keeps answering, and an enrolled vehicle is never limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOperator } from '../../hub/server/data-dir';
import { httpsCall, startTestHub, vehicleClient, type HttpAnswer, type TestHub, type VehicleTls } from '../support/hub';

let t: TestHub;
let car: VehicleTls;
const operator = { id: 'OP300', password: 'the-operators-own-password' };

beforeAll(async () => {
  // The production limits: 10 sign-ins and 30 certificate-less vehicle calls a minute per address.
  t = await startTestHub({ rateLimits: {} });
  await addOperator(t.hub.store, { id: operator.id, displayName: '窓口 花子', role: 'operator', password: operator.password, actor: 'test' });
  car = await t.enroll('car-limits');
});

afterAll(async () => {
  await t?.stop();
});

const origin = () => new URL(t.hub.url).origin;
const signIn = (operatorId: string, password: string, localAddress: string) =>
  httpsCall(`${t.hub.url}/api/v1/console/session`, { body: { operatorId, password }, headers: { origin: origin() }, tls: { ca: t.hub.caCert }, localAddress });

/** Runs `n` calls, `width` at a time. */
async function flood(n: number, width: number, call: (i: number) => Promise<HttpAnswer>): Promise<HttpAnswer[]> {
  const answers: HttpAnswer[] = [];
  for (let i = 0; i < n; i += width) answers.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => call(i + k)))));
  return answers;
}

describe('rate limits on the hub', () => {
  it('answers a flood of bad sign-ins from one address with 429s, while the operator signs in from another', async () => {
    const attack = flood(200, 10, () => signIn(operator.id, 'not-the-password', '127.0.0.1'));
    // While the flood runs, the hub answers others: the operator signs in from their own desk.
    const desk = await signIn(operator.id, operator.password, '127.0.0.2');
    const answers = await attack;
    expect(desk.status).toBe(200);
    expect((desk.body as { operatorId: string }).operatorId).toBe(operator.id);

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(190);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 401)).toBe(true);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/秒ほど待ってから/) });

    // And after the flood, still: a third address signs in at once.
    expect((await signIn(operator.id, operator.password, '127.0.0.3')).status).toBe(200);
  });

  it('limits vehicle API calls without a valid certificate, never an enrolled vehicle', async () => {
    const stranger = await flood(40, 10, () => httpsCall(`${t.hub.url}/api/v1/vehicle/inbox?after=0`, { tls: { ca: t.hub.caCert }, localAddress: '127.0.0.4' }));
    const statuses = stranger.map((a) => a.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 401 || s === 403)).toBe(true);

    // The enrolled vehicle pulls its inbox as often as it needs: more calls than the limit, all answered.
    const client = vehicleClient(t.hub.url, car);
    const own = await Promise.all(Array.from({ length: 40 }, () => client.inbox(0)));
    expect(own.map((a) => a.status)).toEqual(Array(40).fill(200));
  });
});
