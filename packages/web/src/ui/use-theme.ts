import type { RealtimeSession } from '@conclave/sdk';
import { useEffect } from 'preact/hooks';
import { cssVariables, paletteFor, type Scheme, type SessionColors } from './theme.js';

/** Applies the session's colours (or the defaults) for the viewer's light or dark preference. */
export function useTheme(session: RealtimeSession | undefined): void {
  useEffect(() => {
    const query = matchMedia('(prefers-color-scheme: light)');
    const apply = () => {
      const scheme: Scheme = query.matches ? 'light' : 'dark';
      const colors = (session?.session as { colors?: SessionColors } | undefined)?.colors;
      const root = document.documentElement;
      root.dataset.scheme = scheme;
      for (const [name, value] of Object.entries(cssVariables(paletteFor(colors, scheme)))) {
        root.style.setProperty(name, value);
      }
    };
    apply();
    query.addEventListener('change', apply);
    return () => query.removeEventListener('change', apply);
  }, [session]);
}
