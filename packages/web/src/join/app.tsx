/**
 * The join page's screens: a token to paste (none in the link), before joining, joining, the
 * meeting, and why one is not (or no longer) in it.
 */
import {
  CLOSE_CODES,
  RealtimeClosedError,
  joinRealtime,
  type RealtimeCloseEvent,
} from '@conclave/sdk';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { openLocalMedia, stopStream } from './devices.js';
import { formatFragment, parseFragment, parsePasted, tokenHints, type JoinLink } from './link.js';
import { MeetingController } from './meeting-controller.js';
import { Meeting } from './meeting.js';
import { Prejoin, type PrejoinResult } from './prejoin.js';
import { explainClose, formatCountdown, type Explanation } from './refusals.js';
import { forgetResumable, loadResumable, saveResumable } from './resume.js';
import { useTheme } from '../ui/use-theme.js';

type Screen =
  | { kind: 'paste' }
  | { kind: 'starting' }
  | { kind: 'prejoin'; error?: string }
  | { kind: 'joining' }
  | { kind: 'refused'; explanation: Explanation; code: number; joinFrom?: number }
  | { kind: 'meeting'; controller: MeetingController }
  | { kind: 'ended'; explanation: Explanation; code: number };

const NAME_KEY = 'conclave.name';

function rememberedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

export function App(): JSX.Element {
  const [link] = useState<JoinLink | undefined>(() => parseFragment(location.hash));
  const [screen, setScreen] = useState<Screen>(link ? { kind: 'starting' } : { kind: 'paste' });
  const [pending, setPending] = useState<PrejoinResult | undefined>();
  const hints = link ? tokenHints(link.token) : {};
  const session = screen.kind === 'meeting' ? screen.controller.session : undefined;
  useTheme(session);

  useEffect(() => {
    const onHash = () => location.reload();
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  // A reloaded page comes back as the same member, without the pre-join screen.
  useEffect(() => {
    if (!link) return;
    void (async () => {
      const saved = await loadResumable(link.token);
      if (!saved) {
        setScreen({ kind: 'prejoin' });
        return;
      }
      const media = await openLocalMedia({}, { audio: true, video: saved.cameraOn });
      void join(
        {
          name: saved.name,
          stream: media.stream,
          microphoneOn: saved.microphoneOn,
          cameraOn: saved.cameraOn,
        },
        saved.resumeToken,
      );
    })();
  }, []);

  async function join(result: PrejoinResult, resumeToken?: string): Promise<void> {
    if (!link) return;
    setPending(result);
    setScreen({ kind: 'joining' });
    if (result.name) {
      try {
        localStorage.setItem(NAME_KEY, result.name);
      } catch {
        // not kept
      }
    }
    try {
      const session = await joinRealtime({
        url: location.origin,
        token: link.token,
        ...(result.name ? { name: result.name } : {}),
        ...(resumeToken ? { resumeToken } : {}),
      });
      const controller = new MeetingController(session);
      const keep = () =>
        void saveResumable(link.token, {
          resumeToken: session.resumeToken,
          name: result.name,
          microphoneOn: controller.snapshot().microphoneOn,
          cameraOn: controller.snapshot().cameraOn,
          savedAt: Date.now(),
        });
      controller.subscribe(keep);
      keep();
      void session.closed.then((close) => void ended(close));
      setScreen({ kind: 'meeting', controller });
      setPending(undefined);
      await controller.start(result);
    } catch (error) {
      const code = error instanceof RealtimeClosedError ? error.code : 1006;
      const reason = error instanceof RealtimeClosedError ? error.reason : String(error);
      const explanation = explainClose(code, reason);
      const refusal = error instanceof RealtimeClosedError ? error.refusal : undefined;
      const joinFrom = refusal?.joinFrom ? Date.parse(refusal.joinFrom) : undefined;
      if (refusal?.message && code !== CLOSE_CODES.too_early) {
        explanation.detail = `${explanation.detail} (${refusal.message})`;
      }
      void forgetResumable(link.token);
      setScreen({ kind: 'refused', explanation, code, ...(joinFrom ? { joinFrom } : {}) });
    }
  }

  async function ended(close: RealtimeCloseEvent): Promise<void> {
    if (link) await forgetResumable(link.token);
    setScreen({
      kind: 'ended',
      explanation: explainClose(close.code, close.reason),
      code: close.code,
    });
  }

  function backToPrejoin(): void {
    stopStream(pending?.stream);
    setPending(undefined);
    setScreen({ kind: 'prejoin' });
  }

  switch (screen.kind) {
    case 'paste':
      return <Paste />;
    case 'starting':
      return (
        <main class="centered" aria-busy="true">
          <h1>Getting ready…</h1>
        </main>
      );
    case 'prejoin':
    case 'joining':
      return (
        <Prejoin
          initialName={hints.name ?? link?.name ?? rememberedName()}
          nameLocked={!!hints.name}
          initialMicrophoneOn={!hints.audioMuted}
          initialCameraOn={!hints.videoMuted}
          busy={screen.kind === 'joining'}
          error={screen.kind === 'prejoin' ? screen.error : undefined}
          onJoin={(result) => void join(result)}
        />
      );
    case 'meeting':
      return (
        <Meeting controller={screen.controller} onLeave={() => void screen.controller.leave()} />
      );
    case 'refused':
      return (
        <Refused
          explanation={screen.explanation}
          joinFrom={screen.joinFrom}
          onRetry={() => (pending ? void join(pending) : backToPrejoin())}
          onBack={backToPrejoin}
        />
      );
    case 'ended':
      return (
        <main class="centered" aria-labelledby="ended-title">
          <h1 id="ended-title">{screen.explanation.title}</h1>
          <p>{screen.explanation.detail}</p>
          {screen.explanation.retry && (
            <button type="button" class="primary" onClick={backToPrejoin}>
              Rejoin
            </button>
          )}
        </main>
      );
  }
}

/** The reason a join was refused; too early counts down to the opening and then joins. */
function Refused({
  explanation,
  joinFrom,
  onRetry,
  onBack,
}: {
  explanation: Explanation;
  joinFrom: number | undefined;
  onRetry(): void;
  onBack(): void;
}): JSX.Element {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (joinFrom === undefined) return;
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= joinFrom) {
        clearInterval(timer);
        onRetry();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [joinFrom]);
  return (
    <main class="centered" aria-labelledby="refused-title">
      <h1 id="refused-title">{explanation.title}</h1>
      {joinFrom !== undefined ? (
        <>
          <p>
            It opens at{' '}
            <time dateTime={new Date(joinFrom).toISOString()}>
              {new Date(joinFrom).toLocaleString()}
            </time>
            .
          </p>
          <p class="countdown" role="timer" aria-live="off">
            Opens in {formatCountdown(joinFrom - now)}
          </p>
          <p class="hint">This page joins by itself when it opens.</p>
        </>
      ) : (
        <p>{explanation.detail}</p>
      )}
      <div class="actions">
        {explanation.retry && joinFrom === undefined && (
          <button type="button" class="primary" onClick={onRetry}>
            Try again
          </button>
        )}
        <button type="button" class="secondary" onClick={onBack}>
          Back
        </button>
      </div>
    </main>
  );
}

/** No token in the link: paste the link (or the token) you were given. */
function Paste(): JSX.Element {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  return (
    <main class="centered" aria-labelledby="paste-title">
      <h1 id="paste-title">Join a meeting</h1>
      <p>Paste the meeting link or token you were given.</p>
      <form
        class="paste"
        onSubmit={(e) => {
          e.preventDefault();
          const parsed = parsePasted(text);
          if (!parsed) {
            setError('That is not a meeting link or token.');
            return;
          }
          location.hash = formatFragment(parsed);
        }}
      >
        <label for="paste-input">Meeting link or token</label>
        <input
          id="paste-input"
          value={text}
          autocomplete="off"
          spellcheck={false}
          aria-invalid={!!error}
          aria-describedby={error ? 'paste-error' : undefined}
          onInput={(e) => {
            setText((e.target as HTMLInputElement).value);
            setError(undefined);
          }}
        />
        {error && (
          <p id="paste-error" class="problem" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          Continue
        </button>
      </form>
    </main>
  );
}
