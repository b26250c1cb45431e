/** Function output kept per invocation: the first MB, then only a tail. */
export const MAX_KEPT_LOG_BYTES = 1024 * 1024;
const TAIL_BYTES = 4096;
/** CloudWatch splits a log event at 256 KB; a longer line without a newline is cut there too. */
const MAX_LINE_BYTES = 256 * 1024;

/** Splits a byte stream into lines, cutting overlong lines at MAX_LINE_BYTES. */
export class LineSplitter {
  #partial = '';
  readonly #onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer): void {
    const text = this.#partial + chunk.toString('utf8');
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      this.#onLine(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.#partial = text.slice(start);
    while (this.#partial.length > MAX_LINE_BYTES) {
      this.#onLine(this.#partial.slice(0, MAX_LINE_BYTES));
      this.#partial = this.#partial.slice(MAX_LINE_BYTES);
    }
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.#partial === '') return;
    const line = this.#partial;
    this.#partial = '';
    this.#onLine(line);
  }
}

/** The lines of one invocation: everything up to MAX_KEPT_LOG_BYTES, then a rolling tail. */
export class KeptLines {
  readonly head: string[] = [];
  #headBytes = 0;
  #tail: string[] = [];
  #tailBytes = 0;
  #droppedBytes = 0;
  #droppedLines = 0;

  add(line: string): void {
    const bytes = line.length + 1;
    if (this.#tail.length === 0 && this.#headBytes + bytes <= MAX_KEPT_LOG_BYTES) {
      this.head.push(line);
      this.#headBytes += bytes;
      return;
    }

    this.#tail.push(line);
    this.#tailBytes += bytes;
    while (this.#tailBytes > TAIL_BYTES && this.#tail.length > 1) {
      const dropped = this.#tail.shift() as string;
      this.#tailBytes -= dropped.length + 1;
      this.#droppedBytes += dropped.length + 1;
      this.#droppedLines += 1;
    }
  }

  lines(): string[] {
    if (this.#droppedLines === 0) return [...this.head, ...this.#tail];
    const megabytes = (this.#droppedBytes / (1024 * 1024)).toFixed(1);
    const notice = `LambdaCraft: ${this.#droppedLines} lines (${megabytes} MB) of function output dropped here; each invocation keeps its first 1 MB and its last 4 KB of output`;
    return [...this.head, notice, ...this.#tail];
  }
}
