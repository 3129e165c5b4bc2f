import { basename } from 'node:path'
import { replaceControlCharacters } from '../outputs/output-paths.js'

/** The filename sent with an upload: the base name, without characters that upset multipart headers. */
export function uploadName(path: string): string {
  return replaceControlCharacters(basename(path)).replace(/["\\]/g, '_')
}

/**
 * One key for what the server records of an upload (its job's `inputData`: filename, size, sha256), so a job
 * can be matched to the document that created it.
 */
export function uploadKey(filename: unknown, size: unknown, sha256: unknown): string {
  return `${filename}\u0000${size}\u0000${String(sha256).toLowerCase()}`
}
