/** One Server-Sent Event: its `event` name (`message` when none was given) and its `data`. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * An incremental Server-Sent Events parser (the WHATWG `text/event-stream` rules): feed it text as
 * it arrives, in pieces of any size; it returns the events completed so far. Lines end with CRLF,
 * LF or CR; `:` lines are comments; `data` lines join with newlines; an event without data is not
 * dispatched; an unfinished event at the end of the stream is dropped.
 */
export class SseParser {
  #buffer = '';
  #started = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  push(text: string): SseEvent[] {
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.#buffer += text;
    const out: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      // A CR at the very end may be the first half of a CRLF: wait for the next piece.
      if (c === 0x0d && i === this.#buffer.length - 1) break;
      this.#line(this.#buffer.slice(start, i), out);
      if (c === 0x0d && this.#buffer.charCodeAt(i + 1) === 0x0a) i++;
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) {
        out.push({ event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id });
      }
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
  }
}
