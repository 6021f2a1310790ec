// The hub's own certificate authority, issued with the `openssl` command-line tool (OpenSSL 3):
// node:crypto can parse certificates (X509Certificate) but cannot issue them. Keys are EC P-256 and
// stay in files readable by the hub's user only.
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VEHICLE_ID_PATTERN } from '../../protocol/ids';

const OPENSSL = process.env.ODEKAKE_OPENSSL ?? 'openssl';

function openssl(args: string[], cwd?: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function withScratch<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'odekake-pki-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function newKey(file: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  chmodSync(file, 0o600);
}

/** A random positive 128-bit serial in hex, as X.509 wants. */
function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return `0x${b.toString('hex')}`;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as node reports it (`AA:BB:…`). */
  fingerprint: string;
  serial: string;
  notAfter: string;
}

function describe(certPem: string, keyPem: string): IssuedCertificate {
  const x = new X509Certificate(certPem);
  return { certPem, keyPem, fingerprint: x.fingerprint256, serial: x.serialNumber, notAfter: new Date(x.validTo).toISOString() };
}

/** Creates the CA's key and self-signed certificate. */
export function createCertificateAuthority(keyFile: string, certFile: string, commonName: string, days = 3650): void {
  newKey(keyFile);
  withScratch((dir) => {
    const ext = join(dir, 'ca.ext');
    writeFileSync(
      ext,
      ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${commonName}`, 'O = Iwaki City', '[v3_ca]',
        'basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'].join('\n'),
    );
    openssl(['req', '-new', '-x509', '-key', keyFile, '-out', certFile, '-days', String(days), '-config', ext, '-extensions', 'v3_ca', '-set_serial', newSerial(), '-sha256']);
  });
}

function issue(ca: { keyFile: string; certFile: string }, commonName: string, extensions: string[], days: number): IssuedCertificate {
  return withScratch((dir) => {
    const key = join(dir, 'leaf.key');
    const csr = join(dir, 'leaf.csr');
    const crt = join(dir, 'leaf.crt');
    const ext = join(dir, 'leaf.ext');
    newKey(key);
    openssl(['req', '-new', '-key', key, '-out', csr, '-subj', `/O=Iwaki City/CN=${commonName}`]);
    writeFileSync(ext, ['basicConstraints = critical, CA:FALSE', 'authorityKeyIdentifier = keyid', ...extensions].join('\n'));
    openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', newSerial(), '-out', crt, '-days', String(days), '-sha256', '-extfile', ext]);
    return describe(readFileSync(crt, 'utf8'), readFileSync(key, 'utf8'));
  });
}

/** The hub's HTTPS certificate, valid for the names vehicles and browsers use to reach it. */
export function issueServerCertificate(ca: { keyFile: string; certFile: string }, hostnames: string[], days = 825): IssuedCertificate {
  const san = hostnames.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(', ');
  return issue(ca, hostnames[0] ?? 'localhost', ['keyUsage = critical, digitalSignature', 'extendedKeyUsage = serverAuth', `subjectAltName = ${san}`], days);
}

/** A vehicle's client certificate: its common name is the vehicle id the hub knows it by. */
export function issueClientCertificate(ca: { keyFile: string; certFile: string }, vehicleId: string, days = 825): IssuedCertificate {
  if (!VEHICLE_ID_PATTERN.test(vehicleId)) throw new Error(`invalid vehicle id for a certificate: ${vehicleId}`);
  return issue(ca, vehicleId, ['keyUsage = critical, digitalSignature', 'extendedKeyUsage = clientAuth'], days);
}
