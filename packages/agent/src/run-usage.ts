/**
 * Measures what a task's process tree used. Linux charges a process's CPU time and I/O counters to the parent
 * that waits for it, and a Node parent cannot read them (no `wait4`, no `RUSAGE_CHILDREN`), so the command runs
 * under a tiny Perl launcher that does what a shell's `time` does:
 *
 *   fork, `exec` the resolved program with the task's argv[0] and arguments (the same process the agent would
 *   start), `waitpid` it, then write to fd 3 (a pipe to the agent, close-on-exec so the task never holds it) the
 *   children's user and system CPU time (`times`) and the change of `/proc/self/io` across the run, and end the
 *   way the task ended: the same exit code, or the same signal raised on itself.
 *
 * It catches short tasks (nothing is sampled) and every descendant the task waited for; a descendant left
 * running in the background (re-parented to init) is not counted. Perl is part of every Debian and Ubuntu base
 * system; where it is missing, tasks run without the launcher and their runs report no usage.
 */
import { accessSync, constants } from 'node:fs';
import type { RunUsage } from '@batchite/protocol';

/** Where the launcher's interpreter is looked for (absolute: the task's PATH must not choose it). */
export const DEFAULT_PERL_PATH = '/usr/bin/perl';

/** The launcher: `perl -e LAUNCHER -- <program path> <argv0> <args…>`. No modules, so nothing extra is read. */
export const USAGE_LAUNCHER = [
  'my ($path, @argv) = @ARGV;',
  "open(my $out, '>&=', 3) or exit 126; fcntl($out, 2, 1);",
  'sub io { my %v; if (open(my $f, "<", "/proc/$$/io")) { while (<$f>) { $v{$1} = $2 if /^(\\w+): (\\d+)/ } } \\%v }',
  'my $before = io();',
  'my $pid = fork;',
  'if (!defined $pid) { print $out "launch ", $! + 0, " $!\\n"; exit 127 }',
  'if ($pid == 0) { exec { $path } @argv; print $out "launch ", $! + 0, " $!\\n"; exit 127 }',
  'waitpid($pid, 0); my $status = $?;',
  'my (undef, undef, $cu, $cs) = times; my $after = io();',
  'print $out "cpu $cu $cs\\n";',
  'for (qw(read_bytes write_bytes syscr syscw)) { print $out "io $_ ", $after->{$_} - $before->{$_}, "\\n" if exists $after->{$_} && exists $before->{$_} }',
  'close $out;',
  'if ($status & 127) { kill $status & 127, $$; exit 128 + ($status & 127) }',
  'exit($status >> 8);',
].join('\n');

/** The launcher's interpreter, or undefined when it cannot run here. */
export function findLauncher(perlPath: string = DEFAULT_PERL_PATH): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    accessSync(perlPath, constants.X_OK);
    return perlPath;
  } catch {
    return undefined;
  }
}

/** argv of the launcher for one command. */
export function launcherArgs(path: string, argv0: string, args: readonly string[]): string[] {
  return ['-e', USAGE_LAUNCHER, '--', path, argv0, ...args];
}

/** What the launcher reported: the run's usage, or why the program did not start. */
export interface LauncherReport {
  usage?: RunUsage;
  /** The launcher could not start the program: errno and its text. */
  launchFailure?: { errno: number; message: string };
}

const IO_FIELDS: Readonly<Record<string, keyof RunUsage>> = Object.freeze({
  read_bytes: 'readBytes',
  write_bytes: 'writeBytes',
  syscr: 'readOps',
  syscw: 'writeOps',
});

function seconds(text: string | undefined): number | undefined {
  const value = Number(text);
  return text === undefined || !Number.isFinite(value) || value < 0 ? undefined : Math.round(value * 1000);
}

/** Parses the launcher's lines; anything unexpected is left out rather than guessed. */
export function parseLauncherReport(text: string): LauncherReport {
  const report: LauncherReport = {};
  const usage: RunUsage = {
    userCpuMs: 0,
    kernelCpuMs: 0,
    readBytes: 0,
    writeBytes: 0,
    readOps: 0,
    writeOps: 0,
  };
  let measured = false;
  for (const line of text.split('\n')) {
    const [kind, first, ...rest] = line.split(' ');
    if (kind === 'launch' && first !== undefined) {
      report.launchFailure = { errno: Number(first), message: rest.join(' ') };
    } else if (kind === 'cpu') {
      const user = seconds(first);
      const kernel = seconds(rest[0]);
      if (user === undefined || kernel === undefined) continue;
      usage.userCpuMs = user;
      usage.kernelCpuMs = kernel;
      measured = true;
    } else if (kind === 'io' && first !== undefined) {
      const field = IO_FIELDS[first];
      const value = Number(rest[0]);
      // A counter can only grow; a negative change would mean a torn read, so it is not reported.
      if (field !== undefined && Number.isSafeInteger(value) && value >= 0) usage[field] = value;
    }
  }
  if (measured) report.usage = usage;
  return report;
}
