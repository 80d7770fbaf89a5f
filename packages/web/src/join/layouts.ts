/**
 * How the conference's `layout` is drawn on a person's screen. The layouts are SignalWire's
 * names; Conclave draws them in the browser (there is no server-side composition):
 *
 * - `grid-responsive`: everyone in a grid that grows with the number of people (up to 25 on stage),
 *   wider than tall on a landscape screen, taller than wide on a portrait one.
 * - `grid-responsive-mobile`: the same, at most two columns.
 * - `highlight-1-responsive`: one large tile (a screen share, else whoever spoke last) and the
 *   others in a strip (up to 6).
 * - `5up`: one large tile and up to four small ones.
 * - `1x1`: the large tile only.
 * - `2x1`, `2x2`, `3x3` … `10x10`: a fixed grid of that many columns × rows; on a portrait
 *   screen `2x1` turns to one column.
 *
 * People who do not fit are counted ("+3 more") and remain in the member list.
 */
export interface Tile {
  /** `<memberId>:<source>`: a member's camera (or avatar) or screen share. */
  key: string;
  memberId: string;
  screen: boolean;
}

export type Plan =
  | { kind: 'grid'; columns: number; rows: number; tiles: Tile[]; hidden: number }
  | { kind: 'focus'; main: Tile; strip: Tile[]; hidden: number };

export interface PlanInput {
  layout: string;
  /** Members' tiles in joining order, screen shares among them. */
  tiles: Tile[];
  /** The member who spoke last (for the highlighted tile), if any. */
  speaker: string | undefined;
  /** This viewer's member id: not highlighted while someone else is there. */
  self: string;
  portrait: boolean;
}

const RESPONSIVE_MAX = 25;
const FIXED = /^(\d{1,2})x(\d{1,2})$/;

export function planLayout(input: PlanInput): Plan {
  const { layout, portrait } = input;
  // Screen shares lead: they are what people look at.
  const tiles = [...input.tiles.filter((t) => t.screen), ...input.tiles.filter((t) => !t.screen)];
  if (tiles.length === 0) return { kind: 'grid', columns: 1, rows: 1, tiles: [], hidden: 0 };
  switch (layout) {
    case 'highlight-1-responsive':
      return focus(tiles, input, 6);
    case '5up':
      return focus(tiles, input, 4);
    case '1x1':
      return focus(tiles, input, 0);
    case 'grid-responsive-mobile':
      return responsive(tiles, portrait, 2);
    case 'grid-responsive':
      return responsive(tiles, portrait, Infinity);
    default: {
      const fixed = FIXED.exec(layout);
      if (!fixed) return responsive(tiles, portrait, Infinity);
      let columns = Number(fixed[1]);
      let rows = Number(fixed[2]);
      if (portrait && columns > rows) [columns, rows] = [rows, columns];
      const shown = tiles.slice(0, columns * rows);
      return { kind: 'grid', columns, rows, tiles: shown, hidden: tiles.length - shown.length };
    }
  }
}

function responsive(tiles: Tile[], portrait: boolean, maxColumns: number): Plan {
  const shown = tiles.slice(0, RESPONSIVE_MAX);
  const n = shown.length;
  // Near-square grids, the long side along the screen's long side.
  let long = Math.ceil(Math.sqrt(n));
  let short = Math.ceil(n / long);
  if (portrait && n === 2) [long, short] = [2, 1];
  let columns = portrait ? short : long;
  columns = Math.max(1, Math.min(columns, maxColumns));
  const rows = Math.ceil(n / columns);
  return { kind: 'grid', columns, rows, tiles: shown, hidden: tiles.length - n };
}

function focus(tiles: Tile[], input: PlanInput, stripMax: number): Plan {
  const main =
    tiles.find((t) => t.screen) ??
    tiles.find((t) => t.memberId === input.speaker && !t.screen) ??
    tiles.find((t) => t.memberId !== input.self) ??
    tiles[0]!;
  const rest = tiles.filter((t) => t !== main);
  const strip = rest.slice(0, stripMax);
  return { kind: 'focus', main, strip, hidden: rest.length - strip.length };
}

/** The layouts a moderator may choose (the API's `layout` values), with their names in words. */
export const LAYOUTS: readonly { value: string; label: string }[] = [
  { value: 'grid-responsive', label: 'Grid' },
  { value: 'grid-responsive-mobile', label: 'Grid, two columns' },
  { value: 'highlight-1-responsive', label: 'Speaker' },
  { value: '1x1', label: 'One person' },
  { value: '2x1', label: 'Two side by side' },
  { value: '2x2', label: '2 × 2' },
  { value: '5up', label: 'One large, four small' },
  { value: '3x3', label: '3 × 3' },
  { value: '4x4', label: '4 × 4' },
  { value: '5x5', label: '5 × 5' },
  { value: '6x6', label: '6 × 6' },
  { value: '8x8', label: '8 × 8' },
  { value: '10x10', label: '10 × 10' },
];
