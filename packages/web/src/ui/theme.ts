/**
 * The conference's colours (`dark_*` / `light_*`), applied as CSS custom properties for the
 * viewer's light or dark preference. A colour that is not a plain hex colour is ignored (the
 * page's own default stands), and text on a coloured surface is black or white, whichever reads
 * better, so a conference's choice cannot make the page unreadable.
 */
export type Scheme = 'dark' | 'light';

export const COLOR_ROLES = ['primary', 'background', 'foreground', 'success', 'negative'] as const;
export type ColorRole = (typeof COLOR_ROLES)[number];
export type Palette = Record<ColorRole, string>;

/** Conclave's defaults (a conference's defaults too). */
export const DEFAULT_PALETTES: Record<Scheme, Palette> = {
  dark: {
    primary: '#044ef4',
    background: '#121212',
    foreground: '#ffffff',
    success: '#17c964',
    negative: '#f31260',
  },
  light: {
    primary: '#044ef4',
    background: '#ffffff',
    foreground: '#1d2127',
    success: '#17bb58',
    negative: '#f42c50',
  },
};

/**
 * The API's defaults for a conference's colours: the same light colours for both schemes. A
 * conference whose `dark_*` colours are still exactly these has not chosen a dark theme, and
 * gets the page's own dark palette rather than a white page for a viewer who prefers dark.
 */
const API_DEFAULTS: Palette = {
  primary: '#044ef4',
  background: '#ffffff',
  foreground: '#1d2127',
  success: '#17bb58',
  negative: '#f42c50',
};

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

export type SessionColors = Partial<Record<`${Scheme}_${ColorRole}`, string | null>>;

/** The palette for `scheme`: the session's colours where valid, else the defaults. */
export function paletteFor(colors: SessionColors | null | undefined, scheme: Scheme): Palette {
  const palette = { ...DEFAULT_PALETTES[scheme] };
  const untouched = COLOR_ROLES.every(
    (role) =>
      (colors?.[`${scheme}_${role}`] ?? API_DEFAULTS[role]).toLowerCase() === API_DEFAULTS[role],
  );
  if (untouched) return palette;
  for (const role of COLOR_ROLES) {
    const value = colors?.[`${scheme}_${role}`];
    if (typeof value === 'string' && HEX.test(value.trim())) palette[role] = value.trim();
  }
  // A foreground that does not read on the background is replaced.
  if (contrast(palette.foreground, palette.background) < 4.5) {
    palette.foreground = readableOn(palette.background);
  }
  return palette;
}

/** The custom properties a palette sets on the page's root. */
export function cssVariables(palette: Palette): Record<string, string> {
  const surface = layer(palette, 0.08);
  const raised = layer(palette, 0.16);
  return {
    '--bg': palette.background,
    '--fg': palette.foreground,
    '--surface': surface,
    '--raised': raised,
    '--muted-fg': pickMuted(palette.foreground, palette.background, surface),
    '--primary': palette.primary,
    '--on-primary': readableOn(palette.primary),
    '--success': palette.success,
    '--negative': palette.negative,
    '--on-negative': readableOn(palette.negative),
    '--focus': palette.primary,
  };
}

function rgb(hex: string): [number, number, number] {
  let h = hex.replace('#', '');
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  const n = parseInt(h, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG relative luminance. */
export function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever contrasts more with `hex`. */
export function readableOn(hex: string): string {
  return contrast('#000000', hex) >= contrast('#ffffff', hex) ? '#000000' : '#ffffff';
}

function mix(a: string, b: string, t: number): string {
  const [x, y] = [rgb(a), rgb(b)];
  return toHex([0, 1, 2].map((i) => x[i]! + (y[i]! - x[i]!) * t) as [number, number, number]);
}

/** A surface a step off the background: towards the text colour (as usual for dark themes), or
 *  away from it when that would leave the text unreadable. */
function layer(palette: Palette, t: number): string {
  const toward = mix(palette.background, palette.foreground, t);
  if (contrast(palette.foreground, toward) >= 4.5) return toward;
  const away = readableOn(palette.foreground);
  return mix(palette.background, away, t * 1.5);
}

/** A softer text colour that still reads (4.5:1) on both the background and surfaces. */
function pickMuted(fg: string, bg: string, surface: string): string {
  for (const t of [0.35, 0.25, 0.15, 0]) {
    const candidate = mix(fg, bg, t);
    if (contrast(candidate, bg) >= 4.5 && contrast(candidate, surface) >= 4.5) return candidate;
  }
  return fg;
}
