import { type FileSignature, sameSignature } from './file-signature.js'

/** A file waited for: the signature it was last seen with, and since when it has held still. */
export interface Stillness extends FileSignature {
  /** When this signature was first seen. */
  since: number
  /** When the file was first found stable but incomplete. */
  incompleteSince?: number
}

/** A look at a file waited for: its signature now, the time now, and how long it must hold still. */
export interface StillnessCheck {
  signature: FileSignature
  now: number
  stabilityMs: number
}

/**
 * A file system's timestamps lag the clock by up to a scheduler tick (they are read from a coarse clock): a
 * change is taken to have happened this much later than its ctime says.
 */
const coarseTimestampMs = 20

/**
 * Since when a file first seen now with `signature` has held still. With `fileTimes` (a local file system,
 * whose timestamps come from this machine's clock), since its last write: every write or truncation moves the
 * mtime, so its size and content have not changed since then. A file moved or copied into the inbox with its
 * times (`mv`, `cp -p`, `rsync -t`, an archive unpacked: each sets the old mtime only once the bytes are all
 * there) and not written for the window is taken at once, and files dropped together are ready together, however
 * late each was seen. An mtime set ahead of the ctime (a time of the future given by hand) tells nothing: the
 * ctime, moved by every change of the file and by every change of its times, is taken then. Otherwise (another
 * machine's clock) since now.
 */
export function stillSince(signature: FileSignature, now: number, fileTimes: boolean): number {
  if (!fileTimes) return now
  return Math.min(now, Math.min(signature.mtimeMs, signature.ctimeMs) + coarseTimestampMs)
}

/**
 * How much longer `tracked` must hold still, seen now with `signature`; `undefined` once size, mtime and
 * ctime have not moved for `stabilityMs`. A change starts the wait over. chokidar's own write-finish check looks at the size
 * only and is skipped at start-up, so the watcher decides this itself.
 */
export function remainingSettleMs(
  tracked: Stillness,
  { signature, now, stabilityMs }: StillnessCheck,
): number | undefined {
  if (!sameSignature(tracked, signature)) {
    Object.assign(tracked, signature, { since: now, incompleteSince: undefined })
    return stabilityMs
  }
  return now - tracked.since < stabilityMs ? tracked.since + stabilityMs - now : undefined
}

/**
 * When to look again at a file that held still but fails its completeness check, or `undefined` once it
 * has been incomplete for too long: a writer may pause longer than the stability time, but a file cut off
 * for good must be reported, not waited for forever.
 */
export function incompleteRecheckMs(
  tracked: Stillness,
  { now, stabilityMs }: Omit<StillnessCheck, 'signature'>,
): number | undefined {
  const graceMs = Math.max(stabilityMs * 5, 1000)
  tracked.incompleteSince ??= now
  if (now - tracked.incompleteSince < graceMs) return Math.max(stabilityMs, 250)
  return undefined
}
