/**
 * Engine selection for the `numarkdown-server` command. The CLI spreads {@link engineFlagOptions} into its
 * `parseArgs` options, lists {@link engineFlagHelp} in `--help`, and passes the parsed values here, so an
 * engine and its flags are added in this file alone. Engines are imported only once one is chosen: `--help`
 * and `--version` do not pay for pdf.js and tesseract.js.
 */
import type { Engine } from './types.js'

/** The parsed command-line values (`parseArgs` output). */
export interface EngineFlags {
  /** The engine name given with `--engine`. */
  engine?: string
  [flag: string]: string | boolean | Array<string | boolean> | undefined
}

/** The flags of the engines, in `node:util` `parseArgs` form. */
export const engineFlagOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {
  engine: { type: 'string' },
  'openai-base-url': { type: 'string' },
  model: { type: 'string' },
  'openai-api-key': { type: 'string' },
  languages: { type: 'string' },
  'scripted-latency-ms': { type: 'string' },
}

/** Lines of `--help` describing the engine flags. */
export const engineFlagHelp: readonly string[] = [
  '  --engine <name>          The conversion engine: local (offline: PDF text layer, OCR, DOCX, HTML), openai',
  '                           (a vision model behind an OpenAI-compatible API, e.g. vLLM) or scripted',
  '                           (deterministic, no model). Default: local',
  '  --languages <codes>      local: OCR languages, comma-separated tesseract codes, e.g. eng,deu,jpn',
  '                           (bundled: eng, deu, fra, jpn). Default: eng',
  '  --openai-base-url <url>  openai: the model server, e.g. http://127.0.0.1:8000 (with or without /v1)',
  '  --model <name>           openai: the model name, e.g. numind/NuMarkdown-8B-Thinking',
  '  --openai-api-key <key>   openai: its API key; prefer the OPENAI_API_KEY environment variable',
  '  --scripted-latency-ms <n>  scripted: each conversion takes this long, as a model would. Default: 0',
]

/** The engines `--engine` accepts. */
export const engineNames: readonly string[] = ['local', 'openai', 'scripted']

/** The engine used when `--engine` is not given. */
export const defaultEngineName: string = 'local'

/** Build the engine the `numarkdown-server` flags ask for. */
export async function createEngineFromFlags(flags: EngineFlags): Promise<Engine> {
  const name = flags.engine ?? defaultEngineName
  switch (name) {
    case 'scripted': {
      const { scriptedEngine } = await import('./engines/scripted/scripted-engine.js')
      const latency = flags['scripted-latency-ms']
      if (latency === undefined) return scriptedEngine()
      const latencyMs = typeof latency === 'string' && /^\d+$/.test(latency) ? Number(latency) : Number.NaN
      if (!Number.isSafeInteger(latencyMs)) {
        throw new TypeError(
          `--scripted-latency-ms must be a whole number of milliseconds, got ${String(latency)}`,
        )
      }
      return scriptedEngine({ latencyMs })
    }
    case 'local': {
      const { localEngine } = await import('./engines/local/local-engine.js')
      const languages = flags.languages
      if (typeof languages !== 'string') return localEngine()
      const codes = languages
        .split(/[,+\s]+/)
        .map((code) => code.trim())
        .filter((code) => code.length > 0)
      try {
        return localEngine({ languages: codes })
      } catch (error) {
        const detail = error instanceof Error ? error.message.replace(/^localEngine: /, '') : String(error)
        throw new TypeError(`--languages ${languages}: ${detail}`, { cause: error })
      }
    }
    case 'openai': {
      const baseUrl = flags['openai-base-url']
      const model = flags.model
      if (typeof baseUrl !== 'string' || typeof model !== 'string') {
        throw new TypeError('--engine openai needs --openai-base-url and --model')
      }
      const apiKey = flags['openai-api-key']
      const { openaiEngine } = await import('./engines/openai/openai-engine.js')
      return openaiEngine({ baseUrl, model, ...(typeof apiKey === 'string' ? { apiKey } : {}) })
    }
    default:
      throw new TypeError(`--engine must be one of ${engineNames.join(', ')}, got ${name}`)
  }
}
