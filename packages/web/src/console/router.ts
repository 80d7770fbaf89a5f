/** The console's screens, in the URL's fragment (`#/conferences/<id>`): no credentials there. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { screen: 'conferences' }
  | { screen: 'conference-new' }
  | { screen: 'conference'; id: string }
  | { screen: 'rooms' }
  | { screen: 'room-new' }
  | { screen: 'room'; id: string }
  | { screen: 'live' }
  | { screen: 'sessions' }
  | { screen: 'session'; id: string }
  | { screen: 'recordings' }
  | { screen: 'logs' }
  | { screen: 'projects' }
  | { screen: 'project'; id: string }
  | { screen: 'not-found' };

const ID = /^[0-9a-f-]{36}$/i;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [head, id, extra] = parts;
  if (extra !== undefined) return { screen: 'not-found' };
  switch (head) {
    case undefined:
    case 'conferences':
      if (id === undefined) return { screen: 'conferences' };
      if (id === 'new') return { screen: 'conference-new' };
      return ID.test(id) ? { screen: 'conference', id } : { screen: 'not-found' };
    case 'rooms':
      if (id === undefined) return { screen: 'rooms' };
      if (id === 'new') return { screen: 'room-new' };
      return ID.test(id) ? { screen: 'room', id } : { screen: 'not-found' };
    case 'live':
      return id === undefined ? { screen: 'live' } : { screen: 'not-found' };
    case 'sessions':
      if (id === undefined) return { screen: 'sessions' };
      return ID.test(id) ? { screen: 'session', id } : { screen: 'not-found' };
    case 'recordings':
      return id === undefined ? { screen: 'recordings' } : { screen: 'not-found' };
    case 'logs':
      return id === undefined ? { screen: 'logs' } : { screen: 'not-found' };
    case 'projects':
      if (id === undefined) return { screen: 'projects' };
      return ID.test(id) ? { screen: 'project', id } : { screen: 'not-found' };
    default:
      return { screen: 'not-found' };
  }
}

export function href(path: string): string {
  return `#/${path}`;
}

export function navigate(path: string): void {
  location.hash = `/${path}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
