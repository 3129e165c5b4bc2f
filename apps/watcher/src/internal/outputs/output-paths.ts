import { createHash } from 'node:crypto'
import { extname, isAbsolute, join, relative, sep } from 'node:path'
import { truncateUtf8 } from './utf8-truncate.js'

/** The longest name one path segment may have on common file systems (ext4, xfs, btrfs, APFS, NTFS). */
export const nameMaxBytes = 255
/** The longest suffix an output gets after the document's name: `<name>.reasoning.md`. */
const longestOutputSuffix = '.reasoning.md'
/** What a shortened name carries between its shortened stem and its extension: `…~` and 8 hex digits. */
const shortenedMarkBytes = Buffer.byteLength('…~12345678')
/** An extension longer than this is not kept apart when a name is shortened. */
const maxKeptExtensionBytes = 16

/** Replace control characters (U+0000–U+001F, U+007F) with `replacement`. */
export function replaceControlCharacters(text: string, replacement = '_'): string {
  let result = ''
  for (const character of text) {
    const code = character.codePointAt(0)!
    result += code < 0x20 || code === 0x7f ? replacement : character
  }
  return result
}

function digestOf(relativePath: string): string {
  return createHash('sha256').update(relativePath).digest('hex').slice(0, 8)
}

/**
 * `name` shortened to `budget` bytes (UTF-8): the start of its stem, `…~` and the digest that keeps it unique,
 * then its extension, so that a reader still sees what it was (`Annual report … 2024…~1a2b3c4d.pdf`).
 */
function shorten(name: string, digest: string, budget: number): string {
  let extension = extname(name)
  if (Buffer.byteLength(extension) > maxKeptExtensionBytes) extension = ''
  const stem = name.slice(0, name.length - extension.length)
  const stemBudget = budget - shortenedMarkBytes - Buffer.byteLength(extension)
  return `${truncateUtf8(stem, stemBudget)}…~${digest}${extension}`
}

/**
 * Make a relative inbox path safe as a relative output path: no `..`, no absolute parts, no control
 * characters (a newline in a name would break most tools reading the output folder), and a last segment
 * that leaves `suffixBytes` for a suffix within the file-system limit of 255 bytes per name. When anything
 * had to change, a short hash of the original path keeps two different sources from sharing one output.
 */
export function safeRelativePath(
  relativePath: string,
  suffixBytes: number = Buffer.byteLength(longestOutputSuffix),
): string {
  const segments = relativePath.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.')
  let changed = segments.length === 0
  const cleaned = segments.map((segment) => {
    let clean = replaceControlCharacters(segment)
    if (clean === '..') clean = '_..'
    if (clean !== segment) changed = true
    return clean
  })
  if (cleaned.length === 0) cleaned.push('_')
  const last = cleaned[cleaned.length - 1]!
  const budget = nameMaxBytes - suffixBytes
  const digest = digestOf(relativePath)
  if (Buffer.byteLength(last) + (changed ? 9 : 0) > budget) {
    cleaned[cleaned.length - 1] = shorten(last, digest, budget)
  } else if (changed) cleaned[cleaned.length - 1] = `${last}~${digest}`
  return cleaned.join('/')
}

/**
 * Join `root` and a relative path, refusing any result outside `root`; the last segment leaves room for a
 * suffix of `suffixBytes` (see {@link safeRelativePath}).
 */
export function inside(root: string, relativePath: string, suffixBytes?: number): string {
  const target = join(root, ...safeRelativePath(relativePath, suffixBytes).split('/'))
  const back = relative(root, target)
  if (back === '' || back.startsWith(`..${sep}`) || back === '..' || isAbsolute(back)) {
    throw new Error(`refusing to write outside ${root}: ${JSON.stringify(relativePath)}`)
  }
  return target
}

/** The output files of one source. */
export interface OutputPaths {
  markdown: string
  reasoning: string
  error: string
}

/**
 * Where the outputs of `relativePath` go: `<out>/<path>.md`, `<out>/<path>.reasoning.md` and
 * `<out>/.failed/<path>.error.json`, the three sharing one (possibly shortened) name.
 */
export function outputPaths(out: string, relativePath: string): OutputPaths {
  const base = inside(out, relativePath)
  return {
    markdown: `${base}.md`,
    reasoning: `${base}.reasoning.md`,
    error: `${inside(join(out, '.failed'), relativePath)}.error.json`,
  }
}
