const FRAME_MS = 80;
const BAR_WIDTH = 28;

/**
 * A one-line progress bar on stderr for long work, drawn only when stderr is a terminal (and
 * not under CI), so piped and scripted runs stay quiet. Without a total it shows a counter.
 */
export class Progress {
  readonly enabled: boolean;
  #count = 0;
  #lastDraw = 0;
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #stream: NodeJS.WriteStream;

  constructor(label: string, total?: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = total;
    this.#stream = stream;
    this.enabled = stream.isTTY === true && !process.env.CI && process.env.TERM !== 'dumb';
  }

  tick(by = 1): void {
    this.#count += by;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < FRAME_MS) return;
    this.#lastDraw = now;
    this.#draw();
  }

  /** Clears the line, leaving the terminal as it was. */
  done(): void {
    if (this.enabled) this.#stream.write('\r\x1b[K');
  }

  #draw(): void {
    const total = this.#total;
    let text: string;
    if (total !== undefined && total > 0) {
      const ratio = Math.min(this.#count / total, 1);
      const filled = Math.round(ratio * BAR_WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      text = `${bar} ${this.#count}/${total} ${this.#label} (${Math.floor(ratio * 100)}%)`;
    } else {
      text = `${this.#count} ${this.#label}…`;
    }
    this.#stream.write(`\r\x1b[K${text}`);
  }
}
