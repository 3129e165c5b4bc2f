/**
 * The OCR languages: tesseract models shipped in `@tesseract.js-data/<code>` packages, read from disk (never
 * downloaded: tesseract.js fetches from a CDN when it is given no local data). The server depends on eng, deu,
 * fra, jpn and osd; any other `@tesseract.js-data/*` package installed beside it can be named too. This file also
 * maps the writing script that orientation and script detection reports to the languages that read it.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ValidationError } from '@numarkdown/protocol'

const require = createRequire(import.meta.url)

/** The languages whose packages the server depends on. */
export const bundledLanguages: readonly string[] = ['eng', 'deu', 'fra', 'jpn']

/** Languages written in the Latin script, among those tesseract has models for. */
const latinLanguages = new Set([
  'eng',
  'deu',
  'fra',
  'spa',
  'ita',
  'por',
  'nld',
  'pol',
  'ces',
  'slk',
  'slv',
  'hrv',
  'swe',
  'dan',
  'nor',
  'fin',
  'isl',
  'est',
  'lav',
  'lit',
  'hun',
  'ron',
  'tur',
  'cat',
  'eus',
  'glg',
  'gle',
  'cym',
  'vie',
  'ind',
  'msa',
  'tgl',
  'afr',
  'swa',
  'lat',
  'epo',
  'frk',
  'sqi',
  'mlt',
])

/** What orientation and script detection calls a script → the languages that read it, most likely first. */
const scriptLanguages: Record<string, string[]> = {
  Japanese: ['jpn'],
  Hiragana: ['jpn'],
  Katakana: ['jpn'],
  Han: ['chi_sim', 'chi_tra', 'jpn'],
  Hangul: ['kor'],
  Korean: ['kor'],
  Cyrillic: ['rus', 'ukr', 'bul', 'srp'],
  Arabic: ['ara', 'fas', 'urd'],
  Greek: ['ell'],
  Hebrew: ['heb'],
  Devanagari: ['hin', 'mar', 'nep'],
  Thai: ['tha'],
  Bengali: ['ben'],
  Tamil: ['tam'],
}

/** The folder of a language package, or undefined when it is not installed. */
function packageFolder(code: string): string | undefined {
  for (const paths of [undefined, [process.cwd()]]) {
    try {
      const manifest = require.resolve(
        `@tesseract.js-data/${code}/package.json`,
        paths ? { paths } : undefined,
      )
      return dirname(manifest)
    } catch {
      // Not installed there.
    }
  }
  return undefined
}

/** Whether the model of `code` is installed. */
export function isLanguageInstalled(code: string): boolean {
  return packageFolder(code) !== undefined
}

/**
 * Checks the languages a user names: tesseract codes (`eng`, `deu`, `jpn`, `chi_sim`), each with its package
 * installed. Throws a ValidationError naming the language and the package to install.
 */
export function checkLanguages(languages: readonly string[]): string[] {
  if (!Array.isArray(languages) || languages.length === 0) {
    throw new ValidationError(
      `localEngine: expected languages to be a non-empty array of codes such as ['eng', 'deu'], got ${JSON.stringify(languages)}`,
      { parameter: 'languages' },
    )
  }
  const checked: string[] = []
  for (const code of languages) {
    if (typeof code !== 'string' || !/^[a-z]{3}(?:_[a-z]{3,4})?$/.test(code)) {
      throw new ValidationError(
        `localEngine: expected a tesseract language code such as 'eng' or 'chi_sim' in languages, got ${JSON.stringify(code)}`,
        { parameter: 'languages' },
      )
    }
    if (code === 'osd')
      throw new ValidationError(
        `localEngine: 'osd' is not a language; orientation detection uses it by itself`,
        { parameter: 'languages' },
      )
    if (!isLanguageInstalled(code)) {
      throw new ValidationError(
        `localEngine: the OCR language ${code} is not installed; install @tesseract.js-data/${code} beside @numarkdown/server (bundled: ${bundledLanguages.join(', ')})`,
        { parameter: 'languages' },
      )
    }
    if (!checked.includes(code)) checked.push(code)
  }
  return checked
}

/**
 * The folder holding `<code>.traineddata.gz` for a language: `legacy` picks the full model (orientation detection
 * needs it); otherwise the smaller LSTM-only one when the package has it.
 */
export function languageFolder(code: string, options: { legacy?: boolean } = {}): string {
  const folder = packageFolder(code)
  if (!folder) throw new Error(`The OCR language ${code} is not installed (@tesseract.js-data/${code})`)
  const lstm = join(folder, '4.0.0_best_int')
  return !options.legacy && existsSync(join(lstm, `${code}.traineddata.gz`)) ? lstm : join(folder, '4.0.0')
}

/**
 * A folder from which tesseract.js can load all of `languages`: tesseract.js takes one folder for all of a
 * worker's languages, and each language package has its own, so several languages get a temporary folder of
 * links to their models. `remove()` deletes it (a package's own folder is left alone).
 */
export async function languagesFolder(
  languages: readonly string[],
): Promise<{ path: string; remove(): Promise<void> }> {
  const [only] = languages
  if (languages.length === 1 && only) return { path: languageFolder(only), remove: async () => {} }
  const path = await mkdtemp(join(tmpdir(), 'numarkdown-ocr-languages-'))
  try {
    for (const code of languages) {
      const model = join(languageFolder(code), `${code}.traineddata.gz`)
      await symlink(model, join(path, `${code}.traineddata.gz`)).catch(() =>
        copyFile(model, join(path, `${code}.traineddata.gz`)),
      )
    }
  } catch (error) {
    await rm(path, { recursive: true, force: true })
    throw error
  }
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/**
 * The languages to read a page in, given the configured ones and the script detection found (when it is sure):
 * the configured languages of that script; else an installed language of that script, picked automatically;
 * else the configured languages.
 */
export function languagesForScript(configured: readonly string[], script: string | undefined): string[] {
  if (!script) return [...configured]
  if (script === 'Latin') {
    const latin = configured.filter((code) => latinLanguages.has(code))
    return latin.length > 0 ? latin : [...configured]
  }
  const candidates = scriptLanguages[script]
  if (!candidates) return [...configured]
  const chosen = configured.filter((code) => candidates.includes(code))
  if (chosen.length > 0) return chosen
  const installed = candidates.find((code) => isLanguageInstalled(code))
  return installed ? [installed] : [...configured]
}
