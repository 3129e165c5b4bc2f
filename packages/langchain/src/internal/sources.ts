import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { LoaderInput, SourceName } from '../loader-options.js'
import { fail } from './validate.js'

/** One input of a loader with the name it goes by, when that is known before reading it. */
export interface PlannedSource {
  input: LoaderInput
  /** The `source` of its documents: given, the path, or a File's name; undefined means "derive from content". */
  name: string | undefined
  /** True when the name came from the caller or a File rather than a path. */
  named: boolean
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob
}

/** Checks one input and says what it is, naming the value received when it is none of the accepted kinds. */
function checkInput(value: unknown, position: string): LoaderInput {
  if (typeof value === 'string') {
    if (value.length === 0) fail(position, 'a path', value)
    return value
  }
  if (value instanceof URL) {
    if (value.protocol !== 'file:') fail(position, 'a file: URL', value.href)
    return value
  }
  if (value instanceof Uint8Array || isBlob(value)) return value
  return fail(position, 'a path, a file: URL, a Blob or a Buffer/Uint8Array', value)
}

function checkName(value: unknown, position: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.trim().length === 0) fail(position, 'a non-empty string', value)
  return value
}

function fileName(input: Blob): string | undefined {
  const name = (input as Partial<File>).name
  return typeof name === 'string' && name.length > 0 ? name : undefined
}

/**
 * Checks the inputs and the `sourceName` option and names every input whose name is known without reading it:
 * `sourceName` first, then the path, then a File's name. Two inputs may not share a name, since the `source`
 * key is what LangChain's indexing groups a document's chunks by.
 */
export function planSources(inputs: unknown, sourceName: SourceName | undefined): PlannedSource[] {
  const list = Array.isArray(inputs) ? inputs : [inputs]
  const isList = Array.isArray(inputs)
  const checked = list.map((value, index) => checkInput(value, isList ? `input[${index}]` : 'the input'))

  let names: Array<string | undefined>
  if (sourceName === undefined) {
    names = checked.map(() => undefined)
  } else if (typeof sourceName === 'string') {
    if (checked.length !== 1) {
      fail('sourceName', `an array of names or a function for ${checked.length} inputs`, sourceName)
    }
    names = [checkName(sourceName, 'sourceName')]
  } else if (Array.isArray(sourceName)) {
    if (sourceName.length !== checked.length) {
      fail('sourceName', `an array of ${checked.length} names (undefined keeps the default)`, sourceName)
    }
    names = sourceName.map((name, index) => checkName(name, `sourceName[${index}]`))
  } else if (typeof sourceName === 'function') {
    names = checked.map((input, index) => checkName(sourceName(input, index), `sourceName(input[${index}])`))
  } else {
    fail('sourceName', 'a string, an array of strings or a function', sourceName)
  }

  const planned = checked.map((input, index): PlannedSource => {
    const given = names[index]
    if (given !== undefined) return { input, name: given, named: true }
    if (typeof input === 'string') return { input, name: input, named: false }
    if (input instanceof URL) return { input, name: fileURLToPath(input), named: false }
    if (isBlob(input)) {
      const name = fileName(input)
      return { input, name, named: name !== undefined }
    }
    return { input, name: undefined, named: false }
  })

  const seen = new Map<string, number>()
  for (const [index, source] of planned.entries()) {
    if (source.name === undefined) continue
    const earlier = seen.get(source.name)
    if (earlier !== undefined) {
      fail(
        'sourceName',
        `distinct for each input, but input[${earlier}] and input[${index}] share`,
        source.name,
      )
    }
    seen.set(source.name, index)
  }
  return planned
}

/** Hex digits of SHA-256 kept in a derived name: 64 bits, plenty to tell documents of one corpus apart. */
const derivedNameDigits = 16

/**
 * The name of an unnamed Blob or buffer, derived from its bytes (`blob-<sha256 prefix>`, `buffer-<sha256 prefix>`)
 * so that loading the same content again gives the same `source` and LangChain's `index()` sees no change.
 * A Blob is hashed as a stream, so its bytes are never all in memory at once for this.
 */
export async function deriveSourceName(input: Blob | Uint8Array): Promise<string> {
  const hash = createHash('sha256')
  if (input instanceof Uint8Array) {
    hash.update(input)
    return `buffer-${hash.digest('hex').slice(0, derivedNameDigits)}`
  }
  const reader = input.stream().getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    hash.update(value)
  }
  return `blob-${hash.digest('hex').slice(0, derivedNameDigits)}`
}
