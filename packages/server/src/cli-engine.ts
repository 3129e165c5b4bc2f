import { scriptedEngine } from './scripted-engine.js'
import type { Engine } from './types.js'

/**
 * Engine selection for the `numarkdown-server` command. The CLI spreads {@link engineFlagOptions} into its
 * `parseArgs` options, lists {@link engineFlagHelp} in `--help`, and passes the parsed values here, so an
 * engine and its flags are added in this file alone.
 */

/** The parsed command-line values (`parseArgs` output). */
export interface EngineFlags {
  /** The engine name given with `--engine`. */
  engine?: string
  [flag: string]: string | boolean | Array<string | boolean> | undefined
}

/** The flags of the engines, in `node:util` `parseArgs` form. */
export const engineFlagOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
  engine: { type: 'string' },
}

/** Lines of `--help` describing the engine flags. */
export const engineFlagHelp: readonly string[] = [
  '  --engine <name>          The conversion engine: scripted (deterministic, no model). Default: scripted',
]

/** The engines `--engine` accepts. */
export const engineNames: readonly string[] = ['scripted']

/** The engine used when `--engine` is not given. */
export const defaultEngineName: string = 'scripted'

/** Build the engine the `numarkdown-server` flags ask for. */
export async function createEngineFromFlags(flags: EngineFlags): Promise<Engine> {
  const name = flags.engine ?? defaultEngineName
  switch (name) {
    case 'scripted':
      return scriptedEngine()
    default:
      throw new TypeError(`--engine must be one of ${engineNames.join(', ')}, got ${name}`)
  }
}
