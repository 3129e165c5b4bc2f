// Run by a package's `pnpm build` after tsc, in the package's folder: each entry point of the package's
// `exports` becomes one module holding the package's own modules it needs (code shared by two entry points goes
// to a chunk both import, so no module exists twice). Node's ESM loader pays for each module it resolves, reads
// and links: importing @numarkdown/core cost about 100 ms more CPU than importing undici alone as the 50 modules
// tsc emits, about 10 ms as one. Dependencies stay imports of their own (`packages: 'external'`), so
// @numarkdown/protocol's classes stay shared with every other package, and libraries loaded on first use
// (pdf-lib, mime-types, file-type) are still loaded only then. Declaration files stay per module: they are for
// the type checker only.
import { readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

const root = process.cwd()
const dist = join(root, 'dist')
const { exports } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
const entryPoints = Object.values(exports)
  .map((target) => (typeof target === 'string' ? target : target?.default))
  .filter((target) => typeof target === 'string' && target.endsWith('.js'))
  .map((target) => resolve(root, target))
const result = await build({
  entryPoints,
  outdir: dist,
  outbase: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
})
// Every other module is inside an entry point or a chunk now (or was types only): it goes, so that nothing can
// load a second copy of it.
const kept = new Set(Object.keys(result.metafile.outputs).map((output) => resolve(root, output)))
for (const name of await readdir(dist, { recursive: true })) {
  const path = join(dist, name)
  if ((path.endsWith('.js') || path.endsWith('.js.map')) && !kept.has(path)) await rm(path)
}
