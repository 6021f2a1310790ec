// The host bridge's handshake names (the renderer ⇄ the headless core). Kept free of zod so the
// page's first script, which only opens the socket, does not carry the contract's schemas.

/**
 * The WebSocket sub-protocol of the terminal's host bridge, and the prefix of the second
 * sub-protocol that carries the per-launch screen token.
 */
export const HOST_WS_PROTOCOL = 'odekake.v1';
export const HOST_TOKEN_PROTOCOL_PREFIX = 'odekake-token.';
