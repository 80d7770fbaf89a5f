import { RealtimeSession, type RealtimeJoinOptions } from './session.js';
import { realtimeUrl } from './websocket.js';

/**
 * `client.video.realtime` — joins sessions over the realtime endpoint of the server the client
 * talks to. Authenticates with the conference or room token alone, not the API token.
 */
export class Realtime {
  /** The endpoint: `ws(s)://<server>/api/video/realtime`. */
  readonly url: string;

  constructor(baseUrl: string) {
    this.url = realtimeUrl(baseUrl);
  }

  /** `joinRealtime({ url, ...options })` with this client's server. */
  join(options: RealtimeJoinOptions): Promise<RealtimeSession> {
    return RealtimeSession.join({ ...options, url: this.url });
  }
}
