/**
 * The files a converted document leaves in the output folder: its markdown, its reasoning when asked for, and
 * no error file of an earlier try.
 */
import { rm, unlink } from 'node:fs/promises'
import type { ConversionResult } from '@numarkdown/core'
import { writeFileAtomic } from './atomic-write.js'
import { OutputError } from './output-error.js'
import { type OutputPaths, outputPaths } from './output-paths.js'

/** The outputs of one converted document. */
export interface Outputs {
  /** The output folder. */
  out: string
  /** The document's path relative to the inbox. */
  path: string
  result: ConversionResult
  /** Also write `<name>.reasoning.md`. */
  reasoning: boolean
}

/** Write the markdown (and the reasoning when asked for) of `path`, and drop an error file of an earlier try. */
export async function writeOutputs({ out, path, result, reasoning }: Outputs): Promise<OutputPaths> {
  const paths = outputPaths(out, path)
  // Together: the two share their folder's fsync.
  await Promise.all([
    writeFileAtomic(out, paths.markdown, result.markdown),
    reasoning ? writeFileAtomic(out, paths.reasoning, result.reasoning) : undefined,
  ])
  // One unlink, answered ENOENT almost always: `rm` would look at the path first.
  await unlink(paths.error).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw OutputError.wrap(error, out)
  })
  return paths
}

/** Remove every output of `path`, whichever exist. */
export async function removeOutputs(out: string, path: string): Promise<void> {
  const paths = outputPaths(out, path)
  await Promise.all([paths.markdown, paths.reasoning, paths.error].map((file) => rm(file, { force: true })))
}
