import { rm } from 'node:fs/promises'
import type { ConversionResult } from '@numarkdown/core'
import { writeFileAtomic } from './atomic-write.js'
import { OutputError } from './output-error.js'
import { type OutputPaths, outputPaths } from './output-paths.js'

/** Write the markdown (and the reasoning when asked for) of `path`, and drop an error file of an earlier try. */
export async function writeOutputs(
  out: string,
  path: string,
  result: ConversionResult,
  reasoning: boolean,
): Promise<OutputPaths> {
  const paths = outputPaths(out, path)
  await writeFileAtomic(out, paths.markdown, result.markdown)
  if (reasoning) await writeFileAtomic(out, paths.reasoning, result.reasoning)
  await rm(paths.error, { force: true }).catch((error: unknown) => {
    throw OutputError.wrap(error, out)
  })
  return paths
}

/** Remove every output of `path`, whichever exist. */
export async function removeOutputs(out: string, path: string): Promise<void> {
  const paths = outputPaths(out, path)
  await Promise.all([paths.markdown, paths.reasoning, paths.error].map((file) => rm(file, { force: true })))
}
