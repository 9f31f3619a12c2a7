// stderr, shared by the log lines and the live progress line: a log line clears the progress line, is
// printed, and the progress line is drawn again under it, so the two never land inside each other.

export class StatusLine {
  #current = '';
  constructor(private readonly stream: NodeJS.WriteStream) {}

  get columns(): number {
    return this.stream.columns || 120;
  }

  /** Prints whole line(s) above the live line. One write, so nothing can come between. */
  print(text: string): void {
    const lines = text.endsWith('\n') ? text : text + '\n';
    this.stream.write(this.#current ? `\r\x1b[K${lines}${this.#current}` : lines);
  }

  /** Draws (or redraws) the live line, cut to the terminal's width. */
  show(text: string): void {
    this.#current = text.slice(0, Math.max(1, this.columns - 1));
    this.stream.write(`\r\x1b[K${this.#current}`);
  }

  /** Removes the live line. */
  clear(): void {
    if (!this.#current) return;
    this.#current = '';
    this.stream.write('\r\x1b[K');
  }
}

/** The process's stderr: every log line and the progress line go through it. */
export const stderrLine = new StatusLine(process.stderr);
