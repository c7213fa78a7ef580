// The terminal (stderr) of the process, when it is one: a block of live lines redrawn in place, and log
// lines printed above it in a human format. Off a terminal nothing here draws: logs stay JSON lines.
import { pino, type DestinationStream } from 'pino';

const ESC = '\x1b[';

export class Terminal {
  private live: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  get isTTY(): boolean {
    return Boolean(this.out.isTTY);
  }

  get columns(): number {
    return this.out.columns && this.out.columns > 20 ? this.out.columns : 120;
  }

  /** Replaces the live block (lines are cut to the terminal width so the redraw math holds). */
  setLive(lines: readonly string[]): void {
    const width = this.columns - 1;
    const next = lines.map((l) => (visibleLength(l) > width ? truncate(l, width) : l));
    this.out.write(this.erase() + next.map((l) => `${l}\n`).join(''));
    this.live = next;
    this.routeStdout();
  }

  /**
   * While a block is live, command output on stdout (the same terminal) is printed above it, as logs
   * are; otherwise the next redraw would erase the output's last lines instead of the block.
   */
  private routeStdout(): void {
    const stdout = process.stdout;
    if (this.restoreStdout || !stdout.isTTY || this.out !== process.stderr) return;
    const original = stdout.write;
    const write = (...args: unknown[]): boolean => {
      if (this.live.length === 0) return (original as (...a: unknown[]) => boolean).apply(stdout, args);
      const block = this.live;
      this.out.write(this.erase());
      const result = (original as (...a: unknown[]) => boolean).apply(stdout, args);
      this.out.write(block.map((l) => `${l}\n`).join(''));
      return result;
    };
    stdout.write = write as typeof stdout.write;
    this.restoreStdout = () => {
      stdout.write = original;
    };
  }

  private restoreStdout: (() => void) | undefined;

  /** Prints a line above the live block. */
  print(line: string): void {
    const block = this.live;
    this.out.write(`${this.erase()}${line.endsWith('\n') ? line : `${line}\n`}${block.map((l) => `${l}\n`).join('')}`);
  }

  /** Leaves the live block on screen as it is and stops managing it. */
  release(): void {
    this.live = [];
    this.restoreStdout?.();
    this.restoreStdout = undefined;
  }

  private erase(): string {
    if (this.live.length === 0) return '';
    // Up to the block's first line, then clear from there to the end of the screen.
    return `${ESC}${this.live.length}F${ESC}0J`;
  }
}

export const terminal = new Terminal();

/** `STREAMTAP_LOG_FORMAT`: json, pretty, or auto (pretty on a terminal). */
export function logDestination(env: NodeJS.ProcessEnv = process.env, term: Terminal = terminal): DestinationStream {
  const format = (env.STREAMTAP_LOG_FORMAT ?? 'auto').toLowerCase();
  if (format === 'json' || (format !== 'pretty' && !term.isTTY)) return pino.destination(2);
  return { write: (line: string) => term.print(prettyLine(line, term.isTTY)) };
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '90'],
  30: ['INFO ', '36'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '31'],
};
const HIDDEN = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname', 'component']);

/** One pino JSON line as `12:03:04 WARN  message  key=value …`. */
export function prettyLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const [name, code] = LEVELS[Number(entry.level)] ?? ['LOG  ', '0'];
  const time = new Date(Number(entry.time) || Date.now()).toTimeString().slice(0, 8);
  const fields = Object.entries(entry)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : k === 'err' ? errText(v) : JSON.stringify(v)}`)
    .join(' ');
  const level = color ? `${ESC}${code}m${name}${ESC}0m` : name;
  return `${time} ${level} ${String(entry.msg ?? '')}${fields ? `  ${color ? `${ESC}2m${fields}${ESC}0m` : fields}` : ''}`;
}

function errText(err: unknown): string {
  const e = err as { type?: string; message?: string } | undefined;
  return JSON.stringify(e?.message ?? e);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

function truncate(text: string, width: number): string {
  // Cut the visible text, keep escape codes out of the count, and reset attributes at the end.
  let out = '';
  let seen = 0;
  // eslint-disable-next-line no-control-regex
  for (const part of text.split(/(\x1b\[[0-9;]*[A-Za-z])/)) {
    if (part.startsWith('\x1b[')) out += part;
    else {
      const room = width - seen;
      if (room <= 0) continue;
      out += part.slice(0, room);
      seen += Math.min(part.length, room);
    }
  }
  return `${out}${ESC}0m`;
}
