import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const source = dirname(fileURLToPath(import.meta.url))

/** The packages a module imports as soon as it is loaded (static imports, not `import type`, not `import()`). */
function staticImports(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  return [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm)].map(
    (match) => match[1]!,
  )
}

/** Every package loaded by importing `entry`, following the package's own modules. */
function loadedPackages(entry: string): Set<string> {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (path: string) => {
    if (seen.has(path)) return
    seen.add(path)
    for (const specifier of staticImports(path)) {
      if (specifier.startsWith('.')) visit(join(dirname(path), specifier.replace(/\.js$/, '.ts')))
      else packages.add(specifier)
    }
  }
  visit(entry)
  return packages
}

describe('importing @numarkdown/core', () => {
  it('loads no PDF library: page splitting loads it when a document is split', () => {
    const packages = loadedPackages(join(source, 'index.ts'))
    expect(packages).toContain('undici')
    expect(packages).not.toContain('pdf-lib')
  })

  it('loads no media-type database: the first upload loads it', () => {
    expect(loadedPackages(join(source, 'index.ts'))).not.toContain('mime-types')
  })
})
