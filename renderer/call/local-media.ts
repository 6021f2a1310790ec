// The camera and microphone for a consultation, on either side: echo cancellation and noise
// suppression on, a modest resolution the link can carry, more frames per second for sign language —
// and the voice alone when there is no camera (or it is refused).
//
// A computer may have a camera whose pictures cannot be sent: a depth or infrared camera (face
// sign-in) gives 16-bit grey frames WebRTC cannot encode, so the other side would see a frozen
// picture. Every camera is tried before use; such a camera is passed over.

const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const videoFor = (preferFrameRate: boolean): MediaTrackConstraints => ({ width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: preferFrameRate ? 30 : 24 } });
/** A camera gets this long to show its first picture. */
const FIRST_FRAME_MS = 3_000;

/** Opens camera and microphone; `camera` (a device id) is the one to try first. */
export async function openLocalMedia(preferFrameRate: boolean, camera?: string): Promise<MediaStream> {
  const video = videoFor(preferFrameRate);
  const open = (v: MediaTrackConstraints | false) => navigator.mediaDevices.getUserMedia({ audio, video: v });
  let stream: MediaStream;
  try {
    // An ideal device id does not win over the browser's default camera: ask for it exactly, then any.
    stream = await (camera ? open({ ...video, deviceId: { exact: camera } }).catch(() => open(video)) : open(video));
  } catch {
    return open(false);
  }
  const first = stream.getVideoTracks()[0];
  if (first && !(await sendablePictures(first))) {
    const passedOver = first.getSettings().deviceId;
    stream.removeTrack(first);
    first.stop();
    const other = await openSendableCamera(video, passedOver);
    if (other) stream.addTrack(other);
  }
  return stream;
}

/**
 * The first camera after `current` in the computer's list (going round) whose pictures can be sent,
 * opened with `constraints`; null when there is none. Some cameras share a bus and cannot run beside
 * the current one: then `release` is called once (to stop the current camera) and that camera is
 * tried again.
 */
export async function openSendableCamera(constraints: MediaTrackConstraints, current?: string, release?: () => void): Promise<MediaStreamTrack | null> {
  const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const at = cameras.findIndex((c) => c.deviceId === current);
  const order = [...cameras.slice(at + 1), ...cameras.slice(0, Math.max(0, at))];
  const open = (deviceId: string) => openCamera(deviceId, constraints);
  let released = false;
  for (const camera of order) {
    let track: MediaStreamTrack | undefined;
    try {
      track = await open(camera.deviceId);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'NotReadableError' && release && !released)) continue; // busy or gone: the next one
      release();
      released = true;
      track = await open(camera.deviceId).catch(() => undefined);
    }
    if (track && (await sendablePictures(track))) return track;
    track?.stop();
  }
  return null;
}

/** The camera with this device id, opened with `constraints` (video only). */
export async function openCamera(deviceId: string, constraints: MediaTrackConstraints): Promise<MediaStreamTrack | undefined> {
  return (await navigator.mediaDevices.getUserMedia({ video: { ...constraints, deviceId: { exact: deviceId } } })).getVideoTracks()[0];
}

/**
 * Whether the track's first picture is in a format a video encoder takes (not depth or infrared). A
 * camera that shows no picture in time is given the benefit of the doubt: it may only be slow to start.
 */
export async function sendablePictures(track: MediaStreamTrack): Promise<boolean> {
  // Where the browser cannot hand out frames, nothing can be checked: take the camera as it is.
  const Processor = (globalThis as { MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } })
    .MediaStreamTrackProcessor;
  if (!Processor) return true;
  const probe = track.clone();
  probe.enabled = true;
  const reader = new Processor({ track: probe }).readable.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const read = await Promise.race([
      reader.read(),
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), FIRST_FRAME_MS))),
    ]);
    if (!read || read.done) return true;
    const format = read.value.format;
    read.value.close();
    return format !== null;
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => undefined);
    probe.stop();
  }
}
