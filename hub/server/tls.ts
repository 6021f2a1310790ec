// What the hub's TLS offers. TLS 1.3 has only AEAD suites; on TLS 1.2 the hub offers only ECDHE with
// AES-GCM or ChaCha20-Poly1305, so no CBC suite (Lucky 13 and its kin) and no static-RSA key exchange
// (no forward secrecy) can be negotiated. The TLS 1.3 names are listed too: Node turns TLS 1.3 off
// when a cipher list names none of its suites.
export const HUB_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

export const HUB_TLS_MIN_VERSION = 'TLSv1.2' as const;
