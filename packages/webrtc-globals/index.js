// The page's own WebRTC implementation; nothing is polyfilled.
export const RTCPeerConnection = globalThis.RTCPeerConnection;
export const RTCSessionDescription = globalThis.RTCSessionDescription;
export const RTCIceCandidate = globalThis.RTCIceCandidate;
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate };
