/**
 * Progress of `batchite run` on stderr. On a TTY: a cli-progress bar redrawn in place. Anywhere else (CI logs,
 * pipes): a plain status line when something changed, at most every `statusEveryMs`, never cursor moves.
 */
import type * as CliProgressModule from 'cli-progress';
import { formatDuration } from './output.js';

export interface ProgressState {
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  active: number;
  /** Tasks that have been retried at least once. */
  retried: number;
  /** The most common reason the waiting tasks wait. */
  reason?: string | undefined;
}

export interface ProgressView {
  update(state: ProgressState): void;
  stop(): void;
}

export interface ProgressOptions {
  tty: boolean;
  stream: NodeJS.WriteStream;
  /** Plain status lines: the least time between two lines. @defaultValue 5000 */
  statusEveryMs?: number;
  now?: () => number;
}

/** ETA from the completion rate since the view started. */
function etaText(state: ProgressState, startedAt: number, now: number): string {
  const done = state.succeeded + state.failed;
  if (done === 0 || done >= state.total) return done >= state.total ? '0s' : '?';
  const perTask = (now - startedAt) / done;
  return formatDuration(((state.total - done) * perTask) / 1000);
}

function waitingText(state: ProgressState): string {
  return `waiting ${state.active}${state.active > 0 && state.reason !== undefined ? ` (${state.reason})` : ''}`;
}

/** `12:00:05 done 180/200 running 8 failed 10 retried 4 waiting 2 (NodesBusy) ETA 3s` */
export function statusLine(state: ProgressState, eta: string, clock: Date): string {
  const time = clock.toTimeString().slice(0, 8);
  const done = state.succeeded + state.failed;
  return `${time} done ${done}/${state.total} running ${state.running} failed ${state.failed} retried ${state.retried} ${waitingText(state)} ETA ${eta}`;
}

class StatusLines implements ProgressView {
  #last: string | undefined;
  #lastAt = Number.NEGATIVE_INFINITY;
  #pending: ProgressState | undefined;
  readonly #startedAt: number;

  constructor(private readonly options: Required<Omit<ProgressOptions, 'tty'>>) {
    this.#startedAt = options.now();
  }

  update(state: ProgressState): void {
    const now = this.options.now();
    const key = JSON.stringify(state);
    if (key === this.#last) return;
    this.#pending = state;
    if (now - this.#lastAt < this.options.statusEveryMs) return;
    this.#print(state, now, key);
  }

  stop(): void {
    const state = this.#pending;
    if (state !== undefined && JSON.stringify(state) !== this.#last)
      this.#print(state, this.options.now(), JSON.stringify(state));
  }

  #print(state: ProgressState, now: number, key: string): void {
    this.options.stream.write(`${statusLine(state, etaText(state, this.#startedAt, now), new Date(now))}\n`);
    this.#last = key;
    this.#lastAt = now;
    this.#pending = undefined;
  }
}

type CliProgress = Pick<typeof CliProgressModule, 'SingleBar' | 'Presets'>;

class Bar implements ProgressView {
  readonly #bar: CliProgressModule.SingleBar;
  readonly #startedAt: number;
  #started = false;

  constructor(
    private readonly options: Required<Omit<ProgressOptions, 'tty'>>,
    cliProgress: CliProgress,
  ) {
    this.#startedAt = options.now();
    this.#bar = new cliProgress.SingleBar(
      {
        stream: options.stream,
        format:
          '{bar} {done}/{total} done | {running} running | {failed} failed | {retried} retried | {waiting} | ETA {etaText}',
        hideCursor: true,
        barsize: 30,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(state: ProgressState): void {
    const done = state.succeeded + state.failed;
    const payload = {
      done,
      running: state.running,
      failed: state.failed,
      retried: state.retried,
      waiting: waitingText(state),
      etaText: etaText(state, this.#startedAt, this.options.now()),
    };
    if (!this.#started) {
      this.#bar.start(state.total, done, payload);
      this.#started = true;
    } else this.#bar.update(done, payload);
  }

  stop(): void {
    if (this.#started) this.#bar.stop();
    this.#started = false;
  }
}

export async function progressView(options: ProgressOptions): Promise<ProgressView> {
  const resolved = {
    stream: options.stream,
    statusEveryMs: options.statusEveryMs ?? 5000,
    now: options.now ?? Date.now,
  };
  if (!options.tty) return new StatusLines(resolved);
  // Loaded only for a terminal: scripts and CI never pay for it.
  const { default: cliProgress } = await import('cli-progress');
  return new Bar(resolved, cliProgress);
}
