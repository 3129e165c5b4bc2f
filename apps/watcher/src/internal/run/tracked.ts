import type { ConversionResult } from '@numarkdown/core'
import type { Stillness } from '../detection/stability.js'
import type { FileRecord } from '../journal/journal.js'

/**
 * Where a file is in this run: `settling` until it held still, `queued` for a conversion slot, `converting`,
 * or `waiting-retry` after a transient failure (or while the output folder cannot be written).
 */
export type Phase = 'settling' | 'queued' | 'converting' | 'waiting-retry'

/** A conversion's result in hand, with the journal record that says it is done. */
export interface ResultInHand {
  result: ConversionResult
  record: FileRecord
}

/** A file the watcher is working on in this run (the journal holds what outlives the run). */
export interface Tracked extends Stillness {
  phase: Phase
  timer?: NodeJS.Timeout
  /** Seen changing while queued or converting: look again afterwards. */
  dirty: boolean
  /**
   * Found changed (or replaced) when its conversion opened it: its signature is not the file's any more, so
   * the end of its next wait looks at the file instead of trusting the signature.
   */
  changed?: boolean
  /** Jobs resumed from the journal skip the stability wait. */
  resume?: FileRecord
  /** A result in hand whose outputs could not be written yet (the output folder failed), with its record. */
  pendingOutput?: ResultInHand
  attempts: number
  /** Tries at writing the outputs while the output folder fails. */
  outputAttempts: number
  startedAt?: number
  jobId?: string
  /** A document converted page by page: the pages done so far and the pages to convert. */
  pages?: PageProgress
}

/** How far a document converted page by page is. */
export interface PageProgress {
  /** Pages converted (or failed for good) so far, in any order. */
  done: number
  /** Pages to convert: those asked for, or every page of the PDF. */
  total: number
}
