import { skip } from '../skip.ts'

/**
 * Imports a workspace package for a benchmark, or skips the benchmark with the reason when the package is not
 * built yet or lacks an export the benchmark needs. Benchmarks import packages through this (never
 * statically), so that one missing package skips its benchmarks instead of breaking the runner.
 */
export async function importOrSkip<Module>(
  specifier: string,
  exportNames: readonly string[],
): Promise<Module> {
  let module: Record<string, unknown>
  try {
    module = (await import(specifier)) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      skip(`${specifier} is not built (pnpm --filter ${specifier} build)`)
    }
    throw error
  }
  const missing = exportNames.filter((name) => module[name] === undefined)
  if (missing.length > 0) skip(`${specifier} does not export ${missing.join(', ')} yet`)
  return module as Module
}

export type ServerModule = typeof import('@numarkdown/server')
export type CoreModule = typeof import('@numarkdown/core')

export function loadServer(): Promise<ServerModule> {
  return importOrSkip<ServerModule>('@numarkdown/server', ['startServer', 'scriptedEngine'])
}

export function loadCore(): Promise<CoreModule> {
  return importOrSkip<CoreModule>('@numarkdown/core', ['NuMarkdownClient'])
}

export type StreamModule = typeof import('@numarkdown/stream')

export function loadStream(): Promise<StreamModule> {
  return importOrSkip<StreamModule>('@numarkdown/stream', ['convertMany', 'toMarkdown'])
}
