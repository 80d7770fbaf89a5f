/** Before joining: preview, devices, name, microphone and camera on or off, and Join. */
import type { JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import {
  deviceOf,
  explainDeviceError,
  listDevices,
  openLocalMedia,
  openTrack,
  stopStream,
  type DeviceLists,
} from './devices.js';
import { Icon } from '../ui/icons.js';
import { Video } from './video.js';

export interface PrejoinResult {
  name: string;
  stream: MediaStream;
  microphoneOn: boolean;
  cameraOn: boolean;
}

export interface PrejoinProps {
  initialName: string;
  /** A token's own name (a room token's `user_name`) wins over what is typed. */
  nameLocked: boolean;
  /** A room token may ask to join muted (`join_audio_muted`, `join_video_muted`). */
  initialMicrophoneOn: boolean;
  initialCameraOn: boolean;
  busy: boolean;
  error: string | undefined;
  onJoin(result: PrejoinResult): void;
}

export function Prejoin({
  initialName,
  nameLocked,
  initialMicrophoneOn,
  initialCameraOn,
  busy,
  error,
  onJoin,
}: PrejoinProps): JSX.Element {
  const [stream, setStream] = useState<MediaStream | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [devices, setDevices] = useState<DeviceLists>({ cameras: [], microphones: [] });
  const [cameraId, setCameraId] = useState<string | undefined>();
  const [microphoneId, setMicrophoneId] = useState<string | undefined>();
  const [microphoneOn, setMicrophoneOn] = useState(initialMicrophoneOn);
  const [cameraOn, setCameraOn] = useState(initialCameraOn);
  const [name, setName] = useState(initialName);
  const streamRef = useRef<MediaStream | undefined>(undefined);
  const handedOver = useRef(false);
  const ids = { name: useId(), camera: useId(), mic: useId(), problem: useId() };

  const [videoAvailable, setVideoAvailable] = useState(false);
  const cameraOnRef = useRef(initialCameraOn);

  async function open(choice: { cameraId?: string; microphoneId?: string }): Promise<void> {
    setLoading(true);
    stopStream(streamRef.current);
    // A camera that is off is not opened (its light stays off).
    const media = await openLocalMedia(choice, { audio: true, video: cameraOnRef.current });
    const lists = await listDevices();
    streamRef.current = media.stream;
    setStream(media.stream);
    setProblem(media.problem);
    const video = media.stream.getVideoTracks()[0];
    setCameraId(deviceOf(video) ?? choice.cameraId ?? lists.cameras[0]?.deviceId);
    setMicrophoneId(deviceOf(media.stream.getAudioTracks()[0]));
    // Tried and failed: no camera. Not tried (off): there is one if the browser lists one.
    setVideoAvailable(cameraOnRef.current ? !!video : lists.cameras.length > 0);
    setDevices(lists);
    setLoading(false);
  }

  async function toggleCamera(): Promise<void> {
    const current = streamRef.current;
    if (!current) return;
    if (cameraOnRef.current) {
      for (const track of current.getVideoTracks()) {
        track.stop();
        current.removeTrack(track);
      }
      cameraOnRef.current = false;
      setCameraOn(false);
      return;
    }
    try {
      current.addTrack(await openTrack('video', cameraId));
      cameraOnRef.current = true;
      setCameraOn(true);
    } catch (error) {
      setProblem(explainDeviceError(error, 'camera'));
    }
  }

  useEffect(() => {
    void open({});
    return () => {
      if (!handedOver.current) stopStream(streamRef.current);
    };
  }, []);

  const hasAudio = !!stream?.getAudioTracks().length;
  const hasVideo = videoAvailable;
  const showVideo = cameraOn && !!stream?.getVideoTracks().length;

  function submit(event: Event): void {
    event.preventDefault();
    if (!stream || busy) return;
    handedOver.current = true;
    onJoin({
      name: name.trim(),
      stream,
      microphoneOn: microphoneOn && hasAudio,
      cameraOn: cameraOn && stream.getVideoTracks().length > 0,
    });
  }

  return (
    <main class="prejoin" aria-labelledby="prejoin-title">
      <h1 id="prejoin-title">Ready to join?</h1>
      <div class="prejoin-grid">
        <section class="preview" aria-label="Your preview">
          {showVideo ? (
            <Video stream={stream} mirrored label="Your camera preview" class="preview-video" />
          ) : (
            <div class="preview-off" role="img" aria-label="Camera off">
              <Icon name="cameraOff" class="icon big" />
              <span>{loading ? 'Starting camera…' : hasVideo ? 'Camera off' : 'No camera'}</span>
            </div>
          )}
          <div class="preview-toggles">
            <button
              type="button"
              class={`round ${microphoneOn && hasAudio ? '' : 'off'}`}
              aria-pressed={microphoneOn && hasAudio}
              disabled={!hasAudio}
              onClick={() => setMicrophoneOn(!microphoneOn)}
            >
              <Icon name={microphoneOn && hasAudio ? 'mic' : 'micOff'} />
              <span class="sr-only">Microphone</span>
            </button>
            <button
              type="button"
              class={`round ${cameraOn && hasVideo ? '' : 'off'}`}
              aria-pressed={cameraOn && hasVideo}
              disabled={!hasVideo}
              onClick={() => void toggleCamera()}
            >
              <Icon name={cameraOn && hasVideo ? 'camera' : 'cameraOff'} />
              <span class="sr-only">Camera</span>
            </button>
          </div>
        </section>
        <form
          class="prejoin-form"
          onSubmit={submit}
          aria-describedby={problem ? ids.problem : undefined}
        >
          {problem && (
            <p id={ids.problem} class="problem" role="alert">
              {problem}
            </p>
          )}
          <label for={ids.name}>Your name</label>
          <input
            id={ids.name}
            name="name"
            autocomplete="name"
            maxLength={100}
            value={name}
            disabled={nameLocked}
            placeholder="Guest"
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          {nameLocked && <p class="hint">Your invitation sets your name.</p>}
          {devices.cameras.length > 0 && (
            <>
              <label for={ids.camera}>Camera</label>
              <select
                id={ids.camera}
                value={cameraId ?? ''}
                onChange={(e) => {
                  const id = (e.target as HTMLSelectElement).value;
                  if (!cameraOnRef.current) setCameraId(id);
                  else void open({ cameraId: id, ...(microphoneId ? { microphoneId } : {}) });
                }}
              >
                {devices.cameras.map((d, i) => (
                  <option key={d.deviceId} value={d.deviceId}>
                    {d.label || `Camera ${i + 1}`}
                  </option>
                ))}
              </select>
            </>
          )}
          {devices.microphones.length > 0 && (
            <>
              <label for={ids.mic}>Microphone</label>
              <select
                id={ids.mic}
                value={microphoneId ?? ''}
                onChange={(e) => {
                  const id = (e.target as HTMLSelectElement).value;
                  void open({ microphoneId: id, ...(cameraId ? { cameraId } : {}) });
                }}
              >
                {devices.microphones.map((d, i) => (
                  <option key={d.deviceId} value={d.deviceId}>
                    {d.label || `Microphone ${i + 1}`}
                  </option>
                ))}
              </select>
            </>
          )}
          {problem && (
            <button type="button" class="secondary" onClick={() => void open({})}>
              Try the devices again
            </button>
          )}
          {error && (
            <p class="problem" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary join" disabled={loading || busy}>
            {busy ? 'Joining…' : 'Join'}
          </button>
          {!hasAudio && !hasVideo && !loading && (
            <p class="hint">You will join to watch and listen.</p>
          )}
        </form>
      </div>
    </main>
  );
}
