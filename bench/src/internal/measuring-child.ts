/**
 * A measuring child: a TypeScript file run in a Node process of its own (with `--expose-gc`), so that what it
 * measures (its memory, mostly) holds nothing of the parent's, and that prints its result as JSON on its last
 * line of standard output.
 */
import { spawn } from 'node:child_process'

/**
 * Runs `childPath` with `args`, and the API token and `env` in its environment; resolves with its last line, parsed.
 */
export function runMeasuringChild<Result>(
  childPath: string,
  args: readonly string[],
  { apiKey, label, env = {} }: { apiKey: string; label: string; env?: Record<string, string> },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', childPath, ...args], {
      env: { ...process.env, ...env, NUMIND_API_KEY: apiKey },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      const line = output.trim().split('\n').at(-1)
      if (code !== 0 || !line) {
        reject(new Error(`${label} exited with ${signal ?? code}`))
        return
      }
      resolve(JSON.parse(line) as Result)
    })
  })
}

/** What a measuring child reports of its resident memory: before its work, the peak it sampled, the kernel's. */
export interface ResidentPeak {
  beforeBytes: number
  sampledPeakBytes: number
  /** The kernel's high-water mark (`VmHWM`), where there is one. */
  kernelPeakBytes?: number
}

/** The growth of resident memory over a child's work in MiB: its sampled peak or the kernel's, the higher. */
export function residentGrowthMiB(result: ResidentPeak): number {
  return (Math.max(result.sampledPeakBytes, result.kernelPeakBytes ?? 0) - result.beforeBytes) / 1024 ** 2
}
