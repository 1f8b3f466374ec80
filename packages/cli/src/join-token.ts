/**
 * Where `batchite agent` gets its pool join token: a file (`--join-token-file PATH`) or the first line of stdin
 * (`--join-token-file -`, how a server hands it to its local agents). Never an environment variable or an
 * argument: a task could read those from `/proc/<agent>/environ` or `ps`.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** The first line of `stream` (without its newline); the rest of the stream is left to other readers. */
export function readFirstLine(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) finish(undefined, text.slice(0, end));
    };
    const onEnd = () => finish(undefined, text);
    const onError = (error: Error) => finish(error, '');
    const finish = (error: Error | undefined, line: string) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError);
      stream.pause();
      if (error === undefined) resolve(line.trim());
      else reject(error);
    };
    stream.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

export async function readJoinToken(source: string | undefined): Promise<string> {
  if (source === undefined) {
    throw new Error(
      'batchite agent needs --join-token-file FILE (or - for stdin): get the token with `batchite pool join-token POOL`',
    );
  }
  const token = source === '-' ? await readFirstLine(process.stdin) : (await readFile(source, 'utf8')).trim();
  if (token === '') throw new Error(`no join token in ${source === '-' ? 'stdin' : source}`);
  return token;
}
