import type { HttpClient } from '../../core/http-client.js';
import { ConferenceTokens } from './conference-tokens.js';
import { Conferences } from './conferences.js';

/** `client.video` — the Video REST API (`/api/video`). */
export class Video {
  /** Conferences, and the tokens of one conference. */
  readonly conferences: Conferences;
  /** One conference token: get and reset. */
  readonly conferenceTokens: ConferenceTokens;

  constructor(http: HttpClient) {
    this.conferences = new Conferences(http);
    this.conferenceTokens = new ConferenceTokens(http);
  }
}
