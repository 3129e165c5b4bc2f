import { readFileSync, writeFileSync } from 'node:fs'

/** Resident set size of this process in bytes. */
export function residentBytes(): number {
  return process.memoryUsage.rss()
}

/**
 * Resets the kernel's peak-RSS mark (`VmHWM`) of this process, so that {@link peakResidentBytes} reports the
 * peak from now on. Linux only; returns false where it is not available.
 */
export function resetPeakResident(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

/** The kernel's peak RSS of this process in bytes (`VmHWM`), or undefined off Linux. */
export function peakResidentBytes(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** Samples RSS every `intervalMs` until stopped; `stop()` returns the largest sample. */
export function sampleResident(intervalMs = 20): { stop(): { peakBytes: number; samples: number } } {
  let peakBytes = residentBytes()
  let samples = 1
  const timer = setInterval(() => {
    peakBytes = Math.max(peakBytes, residentBytes())
    samples++
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      peakBytes = Math.max(peakBytes, residentBytes())
      return { peakBytes, samples: samples + 1 }
    },
  }
}
