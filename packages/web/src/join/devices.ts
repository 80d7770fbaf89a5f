/** Cameras and microphones: asking for them, listing them, and saying why they failed. */

export interface DeviceChoice {
  cameraId?: string | undefined;
  microphoneId?: string | undefined;
}

export interface LocalMedia {
  stream: MediaStream;
  /** Why a device is missing, in words (undefined when both came). */
  problem: string | undefined;
}

const VIDEO: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

function videoConstraints(cameraId: string | undefined): MediaTrackConstraints {
  return cameraId ? { ...VIDEO, deviceId: { exact: cameraId } } : VIDEO;
}

function audioConstraints(microphoneId: string | undefined): MediaTrackConstraints {
  const base: MediaTrackConstraints = {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
  return microphoneId ? { ...base, deviceId: { exact: microphoneId } } : base;
}

/** Words for a `getUserMedia` failure. */
export function explainDeviceError(error: unknown, what = 'camera and microphone'): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Your browser did not allow the ${what}. You can join to watch and listen, or allow them in the site's settings and try again.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found. You can join to watch and listen.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} could not be started: another application may be using it.`;
    default:
      if (typeof navigator !== 'undefined' && !navigator.mediaDevices) {
        return 'This page cannot use a camera or microphone here: it needs HTTPS (or localhost).';
      }
      return `The ${what} could not be used. You can join to watch and listen.`;
  }
}

/**
 * Asks for a camera and a microphone (the chosen ones, if any); when both cannot be had, asks for
 * each alone, so that a missing camera still leaves the microphone.
 */
export async function openLocalMedia(
  choice: DeviceChoice,
  want: { audio: boolean; video: boolean } = { audio: true, video: true },
): Promise<LocalMedia> {
  const md = navigator.mediaDevices;
  if (!md?.getUserMedia) {
    return { stream: new MediaStream(), problem: explainDeviceError(undefined) };
  }
  if (!want.audio && !want.video) return { stream: new MediaStream(), problem: undefined };
  try {
    const stream = await md.getUserMedia({
      audio: want.audio ? audioConstraints(choice.microphoneId) : false,
      video: want.video ? videoConstraints(choice.cameraId) : false,
    });
    return { stream, problem: undefined };
  } catch (error) {
    if (!(want.audio && want.video))
      return { stream: new MediaStream(), problem: explainDeviceError(error) };
    const stream = new MediaStream();
    const problems: string[] = [];
    for (const kind of ['audio', 'video'] as const) {
      try {
        const one = await md.getUserMedia(
          kind === 'audio'
            ? { audio: audioConstraints(choice.microphoneId) }
            : { video: videoConstraints(choice.cameraId) },
        );
        for (const track of one.getTracks()) stream.addTrack(track);
      } catch (e) {
        problems.push(explainDeviceError(e, kind === 'audio' ? 'microphone' : 'camera'));
      }
    }
    if (problems.length === 2) return { stream, problem: explainDeviceError(error) };
    return { stream, problem: problems[0] };
  }
}

/** One device track, for a switch or turning the camera back on. */
export async function openTrack(
  kind: 'audio' | 'video',
  deviceId: string | undefined,
): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(
    kind === 'audio'
      ? { audio: audioConstraints(deviceId) }
      : { video: videoConstraints(deviceId) },
  );
  return stream.getTracks()[0]!;
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
}

export async function listDevices(): Promise<DeviceLists> {
  const all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  return {
    cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
    microphones: all.filter((d) => d.kind === 'audioinput' && d.deviceId),
  };
}

export function stopStream(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The device a track comes from. */
export function deviceOf(track: MediaStreamTrack | undefined): string | undefined {
  return track?.getSettings().deviceId || undefined;
}
