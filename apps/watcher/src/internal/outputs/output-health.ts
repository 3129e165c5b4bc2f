import type { Display } from '../../types.js'

/**
 * Whether the output folder can be written, told once when it stops and once when it can again: when the
 * folder is read-only or the disk is full, every document hits the same wall, and one clear message about the
 * folder says more than the same failure for each of them.
 */
export class OutputHealth {
  readonly #display: Display
  readonly #out: string
  #broken = false

  constructor(display: Display, out: string) {
    this.#display = display
    this.#out = out
  }

  failed(problem: OutputProblem): void {
    if (this.#broken) return
    this.#broken = true
    this.#display.log('error', `cannot write to the output folder ${problem.folder ?? this.#out}`, {
      code: problem.code,
      error: problem.message,
      hint: explain(problem.code),
    })
  }

  succeeded(): void {
    if (!this.#broken) return
    this.#broken = false
    this.#display.log('info', 'the output folder can be written again', { out: this.#out })
  }
}

/** What is known of a failed write: its message, its errno code, and the folder that could not be written. */
export interface OutputProblem {
  message: string
  code?: string | undefined
  folder?: string | undefined
}

/** What a person can do about it. */
function explain(code: string | undefined): string {
  const waiting = 'converted documents wait and are written as soon as it can be written again'
  switch (code) {
    case 'ENOSPC':
      return `the disk is full: free some space; ${waiting}`
    case 'EDQUOT':
      return `the disk quota is used up: free some space; ${waiting}`
    case 'EROFS':
      return `the file system is mounted read-only; ${waiting}`
    case 'EACCES':
    case 'EPERM':
      return `no permission to write there (or the folder is immutable): fix its permissions; ${waiting}`
    case 'ENOTDIR':
    case 'EEXIST':
      return `a file stands where a folder should be: move it away; ${waiting}`
    default:
      return waiting
  }
}
