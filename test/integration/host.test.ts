import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoStaff, juminhyoRequest, tempDir } from '../support/fixtures';
import { ContractClient, startHostProcess, type HostProcess } from '../support/host';

let tmp: ReturnType<typeof tempDir>;
let host: HostProcess;

beforeAll(async () => {
  tmp = tempDir();
  host = await startHostProcess(tmp.dir);
});
afterAll(async () => {
  await host.stop();
  tmp.remove();
});

describe('host mode over a real socket', () => {
  it('serves the two screens on 127.0.0.1 with a strict content security policy', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/staff`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('staff.js');
    expect((await fetch(`http://127.0.0.1:${host.port}/resident`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${host.port}/../../package.json`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${host.port}/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
  });

  it('refuses a WebSocket without the per-launch token, with a wrong one, or from another origin', async () => {
    await expect(ContractClient.connect(host.port, null)).rejects.toThrow(/refused/);
    await expect(ContractClient.connect(host.port, 'f'.repeat(48))).rejects.toThrow(/refused/);
    await expect(ContractClient.connect(host.port, host.tokens.staff, 'http://evil.example')).rejects.toThrow(/refused/);
  });

  it('runs the contract: sign in, create, and push events to the right screen only', async () => {
    const staff = await ContractClient.connect(host.port, host.tokens.staff);
    const resident = await ContractClient.connect(host.port, host.tokens.resident);
    expect(await staff.call('signIn', demoStaff)).toMatchObject({ ok: true, value: { signedIn: true } });
    const created = await staff.call('createRequest', juminhyoRequest());
    expect(created).toMatchObject({ ok: true, value: { step: 'entered', feeYen: 300 } });
    expect(await resident.call('listToday', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SCREEN' } });
    await staff.call('showToResident', { id: created.value.id });
    await new Promise((r) => setTimeout(r, 100));
    expect(resident.events.find((e) => e.name === 'residentView')?.payload).toMatchObject({ subjectName: '磐城 髙子' });
    expect(staff.events.some((e) => e.name === 'residentView')).toBe(false);
    expect(resident.events.some((e) => e.name === 'requestsChanged')).toBe(false);
    staff.close();
    resident.close();
  });

  it('closes a connection that sends a malformed frame, and keeps serving others', async () => {
    const bad = await ContractClient.connect(host.port, host.tokens.staff);
    const closed = new Promise<number>((r) => bad.ws.once('close', (code) => r(code)));
    bad.ws.send('{"type":"call","id":"x"');
    expect(await closed).toBe(1003);
    const good = await ContractClient.connect(host.port, host.tokens.staff);
    expect(await good.call('getSession', {})).toMatchObject({ ok: true });
    good.close();
  });
});
