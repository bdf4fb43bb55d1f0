/**
 * The command that runs `cmd args` on the given cores (taskset's list, e.g. "0"), or the command
 * as it is when no cores are given. Children inherit the affinity (a worker's job processes).
 */
export function onCores(cores: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return cores ? ['taskset', ['-c', cores, cmd, ...args]] : [cmd, args];
}
