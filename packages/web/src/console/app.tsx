/**
 * The console at `/console`: sign in with a project's id and API token (the Video API) or with
 * the admin token (projects and API tokens); then the screens, by the URL's fragment.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useTheme } from '../ui/use-theme.js';
import {
  adminClient,
  forgetCredentials,
  isAuthError,
  loadCredentials,
  projectClient,
  saveCredentials,
  signIn,
  type Credentials,
} from './auth.js';
import { ConferenceDetail, ConferenceNew, ConferencesList } from './conferences.js';
import { LogsList, Recordings, SessionDetail, SessionsList } from './history.js';
import { ConsoleContext, describeError, type ConsoleContextValue } from './kit.js';
import { Live } from './live.js';
import { ProjectDetail, ProjectsList } from './projects.js';
import { RoomDetail, RoomNew, RoomsList } from './rooms.js';
import { href, useRoute, type Route } from './router.js';

export function App(): JSX.Element {
  useTheme(undefined);
  const [credentials, setCredentials] = useState<Credentials | undefined>(loadCredentials);
  const [reason, setReason] = useState<string | undefined>();
  if (!credentials) {
    return (
      <SignIn
        reason={reason}
        onSignedIn={(c) => {
          saveCredentials(c);
          setReason(undefined);
          setCredentials(c);
          if (c.kind === 'admin') location.hash = '/projects';
          else if (/^#\/?projects/.test(location.hash)) location.hash = '/conferences';
        }}
      />
    );
  }
  return (
    <Shell
      credentials={credentials}
      onSignOut={(why) => {
        forgetCredentials();
        setReason(why);
        setCredentials(undefined);
      }}
    />
  );
}

function SignIn({
  reason,
  onSignedIn,
}: {
  reason: string | undefined;
  onSignedIn(c: Credentials): void;
}): JSX.Element {
  const [mode, setMode] = useState<'project' | 'admin'>('project');
  const [projectId, setProjectId] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title" ref={heading} tabIndex={-1}>
        Conclave console
      </h1>
      {reason && (
        <p class="problem" role="alert">
          {reason}
        </p>
      )}
      <fieldset class="segmented">
        <legend>Sign in as</legend>
        <label>
          <input
            type="radio"
            name="mode"
            checked={mode === 'project'}
            onChange={() => setMode('project')}
          />{' '}
          A project
        </label>
        <label>
          <input
            type="radio"
            name="mode"
            checked={mode === 'admin'}
            onChange={() => setMode('admin')}
          />{' '}
          The administrator
        </label>
      </fieldset>
      <form
        class="form-grid"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          const c: Credentials =
            mode === 'project'
              ? { kind: 'project', projectId: projectId.trim(), token: token.trim() }
              : { kind: 'admin', token: token.trim() };
          if ((c.kind === 'project' && !c.projectId) || !c.token) {
            setError(
              mode === 'project'
                ? 'Enter the project ID and an API token.'
                : 'Enter the admin token.',
            );
            return;
          }
          setBusy(true);
          try {
            await signIn(c);
            onSignedIn(c);
          } catch (err) {
            setError(
              isAuthError(err)
                ? mode === 'project'
                  ? 'Wrong project ID or API token.'
                  : 'Wrong admin token (or the admin API is off: CONCLAVE_ADMIN_TOKEN).'
                : describeError(err),
            );
          } finally {
            setBusy(false);
          }
        }}
      >
        {error && (
          <p class="problem" role="alert">
            {error}
          </p>
        )}
        {mode === 'project' && (
          <div class="field">
            <label for="signin-project">Project ID</label>
            <input
              id="signin-project"
              autocomplete="username"
              spellcheck={false}
              value={projectId}
              onInput={(e) => setProjectId((e.target as HTMLInputElement).value)}
            />
          </div>
        )}
        <div class="field">
          <label for="signin-token">{mode === 'project' ? 'API token' : 'Admin token'}</label>
          <input
            id="signin-token"
            type="password"
            autocomplete="current-password"
            value={token}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          />
        </div>
        <p class="hint">Kept for this tab only, until you sign out or close it.</p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </main>
  );
}

const PROJECT_NAV: [string, string][] = [
  ['conferences', 'Conferences'],
  ['rooms', 'Rooms'],
  ['live', 'Live'],
  ['sessions', 'Sessions'],
  ['recordings', 'Recordings'],
  ['logs', 'Logs'],
];
const ADMIN_NAV: [string, string][] = [['projects', 'Projects']];

function section(route: Route): string {
  return route.screen.replace(/-new$/, 's').replace(/^(conference|room|session|project)$/, '$1s');
}

function Shell({
  credentials,
  onSignOut,
}: {
  credentials: Credentials;
  onSignOut(reason?: string): void;
}): JSX.Element {
  const hashRoute = useRoute();
  // The administrator's home is Projects.
  const route: Route =
    credentials.kind === 'admin' &&
    hashRoute.screen === 'conferences' &&
    !location.hash.replace(/^#\/?/, '')
      ? { screen: 'projects' }
      : hashRoute;
  const [notices, setNotices] = useState<{ id: number; text: string }[]>([]);
  const [menuOpen, setMenuOpen] = useState(false);
  const context = useMemo<ConsoleContextValue>(() => {
    let next = 0;
    return {
      credentials,
      client: credentials.kind === 'project' ? projectClient(credentials) : undefined,
      admin: credentials.kind === 'admin' ? adminClient(credentials.token) : undefined,
      signOut: onSignOut,
      notify: (text) => {
        const notice = { id: ++next, text };
        setNotices((n) => [...n.slice(-2), notice]);
        setTimeout(() => setNotices((n) => n.filter((x) => x !== notice)), 6000);
      },
    };
  }, [credentials]);
  useEffect(() => setMenuOpen(false), [hashRoute]);
  const nav = credentials.kind === 'project' ? PROJECT_NAV : ADMIN_NAV;
  const current = section(route);
  const allowed =
    credentials.kind === 'admin'
      ? route.screen.startsWith('project')
      : !route.screen.startsWith('project');
  return (
    <ConsoleContext.Provider value={context}>
      <div class="console">
        <a class="skip" href="#content">
          Skip to content
        </a>
        <header class="console-top">
          <span class="brand">Conclave</span>
          <span class="who">
            {credentials.kind === 'project' ? (
              <>
                Project <code>{credentials.projectId.slice(0, 8)}…</code>
              </>
            ) : (
              'Administrator'
            )}
          </span>
          <button
            type="button"
            class="secondary menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="console-nav"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            Menu
          </button>
          <button type="button" class="secondary" onClick={() => onSignOut('Signed out.')}>
            Sign out
          </button>
        </header>
        <nav id="console-nav" class={`console-nav${menuOpen ? ' open' : ''}`} aria-label="Console">
          <ul>
            {nav.map(([path, label]) => (
              <li key={path}>
                <a href={href(path)} aria-current={current === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="content" class="console-main">
          {allowed ? (
            <Screen route={route} admin={credentials.kind === 'admin'} />
          ) : (
            <Elsewhere admin={credentials.kind === 'admin'} />
          )}
        </main>
        <div class="notices" role="status" aria-live="polite">
          {notices.map((n) => (
            <p key={n.id} class="notice">
              {n.text}
            </p>
          ))}
        </div>
      </div>
    </ConsoleContext.Provider>
  );
}

function Elsewhere({ admin }: { admin: boolean }): JSX.Element {
  return (
    <>
      <h1>Not here</h1>
      <p>
        {admin
          ? 'Signed in as the administrator: projects and API tokens. Sign in with a project to see its conferences.'
          : 'Signed in with a project: projects and API tokens need the admin token.'}
      </p>
      <a href={href(admin ? 'projects' : 'conferences')}>{admin ? 'Projects' : 'Conferences'}</a>
    </>
  );
}

function Screen({ route, admin }: { route: Route; admin: boolean }): JSX.Element {
  switch (route.screen) {
    case 'conferences':
      return <ConferencesList />;
    case 'conference-new':
      return <ConferenceNew />;
    case 'conference':
      return <ConferenceDetail key={route.id} id={route.id} />;
    case 'rooms':
      return <RoomsList />;
    case 'room-new':
      return <RoomNew />;
    case 'room':
      return <RoomDetail key={route.id} id={route.id} />;
    case 'live':
      return <Live />;
    case 'sessions':
      return <SessionsList />;
    case 'session':
      return <SessionDetail key={route.id} id={route.id} />;
    case 'recordings':
      return <Recordings />;
    case 'logs':
      return <LogsList />;
    case 'projects':
      return <ProjectsList />;
    case 'project':
      return <ProjectDetail key={route.id} id={route.id} />;
    case 'not-found':
      return (
        <>
          <h1>Nothing here</h1>
          <a href={href(admin ? 'projects' : 'conferences')}>Back</a>
        </>
      );
  }
}
