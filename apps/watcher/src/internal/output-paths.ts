import { createHash } from 'node:crypto'
import { isAbsolute, join, relative, sep } from 'node:path'

/** Replace control characters (U+0000–U+001F, U+007F) with `replacement`. */
export function replaceControlCharacters(text: string, replacement = '_'): string {
  let result = ''
  for (const character of text) {
    const code = character.codePointAt(0)!
    result += code < 0x20 || code === 0x7f ? replacement : character
  }
  return result
}

/**
 * Make a relative inbox path safe as a relative output path: no `..`, no absolute parts, no control
 * characters (a newline in a name would break most tools reading the output folder). When anything had
 * to change, a short hash of the original path keeps two different sources from sharing one output.
 */
export function safeRelativePath(relativePath: string): string {
  const segments = relativePath.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.')
  let changed = segments.length === 0
  const cleaned = segments.map((segment) => {
    let clean = replaceControlCharacters(segment)
    if (clean === '..') clean = '_..'
    if (clean !== segment) changed = true
    return clean
  })
  if (cleaned.length === 0) cleaned.push('_')
  if (changed) {
    const digest = createHash('sha256').update(relativePath).digest('hex').slice(0, 8)
    cleaned[cleaned.length - 1] = `${cleaned[cleaned.length - 1]}~${digest}`
  }
  return cleaned.join('/')
}

/** Join `root` and a relative path, refusing any result outside `root`. */
export function inside(root: string, relativePath: string): string {
  const target = join(root, ...safeRelativePath(relativePath).split('/'))
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

export function outputPaths(out: string, relativePath: string): OutputPaths {
  return {
    markdown: `${inside(out, relativePath)}.md`,
    reasoning: `${inside(out, relativePath)}.reasoning.md`,
    error: `${inside(join(out, '.failed'), relativePath)}.error.json`,
  }
}
