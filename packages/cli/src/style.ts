/**
 * Colour for one output stream, decided once per stream (clig.dev, gh): on only when that stream is a TTY; off
 * with `--no-color`, a non-empty `NO_COLOR` or `TERM=dumb`; a non-empty `FORCE_COLOR` (other than `0`) forces it.
 */

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export interface ColorInputs {
  isTTY: boolean;
  /** False when `--no-color` was given. */
  colorFlag: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export function colorEnabled({ isTTY, colorFlag, env }: ColorInputs): boolean {
  if (!colorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

const wrap =
  (enabled: boolean, open: number, close: number) =>
  (text: string): string =>
    enabled && text !== '' ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export function makeStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    cyan: wrap(enabled, 36, 39),
  };
}

/** The style of `stream` for this process. */
export function streamStyle(stream: NodeJS.WriteStream, colorFlag = true): Style {
  return makeStyle(colorEnabled({ isTTY: stream.isTTY === true, colorFlag, env: process.env }));
}

/** Visible width of a string that may contain colour codes. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Colour of a task, job, pool or node state word. */
export function stateColor(style: Style, state: string): string {
  switch (state) {
    case 'failure':
    case 'failed':
    case 'unusable':
    case 'starttaskfailed':
    case 'offline':
    case 'deleting':
      return style.red(state);
    case 'success':
    case 'succeeded':
    case 'idle':
      return style.green(state);
    case 'running':
    case 'preparing':
    case 'steady':
      return style.cyan(state);
    case 'disabled':
    case 'disabling':
    case 'resizing':
    case 'terminating':
      return style.yellow(state);
    default:
      return state;
  }
}
