/**
 * Start-up time of commands, measured the one way every start-up benchmark measures it: each round runs each
 * command once, in turn, so that the machine's load weighs on all of them alike, after one round that is not
 * counted (the file system cache warms up); wall time from spawn to exit.
 */
import { spawnSync } from 'node:child_process'

/** Wall time of one `node <args>` in milliseconds; throws when the command fails. */
function timeRun(args: readonly string[]): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const elapsed = performance.now() - started
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().trim()}`)
  }
  return elapsed
}

/** The wall times of each command (Node arguments) over `rounds` interleaved rounds, by name. */
export function timeStartups<Name extends string>(
  commands: Record<Name, readonly string[]>,
  rounds: number,
): Record<Name, number[]> {
  const entries = Object.entries(commands) as Array<[Name, readonly string[]]>
  for (const [, args] of entries) timeRun(args)
  const times = Object.fromEntries(entries.map(([name]) => [name, [] as number[]])) as Record<Name, number[]>
  for (let turn = 0; turn < rounds; turn++) {
    for (const [name, args] of entries) times[name].push(timeRun(args))
  }
  return times
}

/** Each round's difference of `times` over `floor`, so that a burst of load weighs on both sides alike. */
export function overRounds(times: readonly number[], floor: readonly number[]): number[] {
  return times.map((value, index) => value - floor[index]!)
}
