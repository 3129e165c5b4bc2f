import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineOutput, EngineParams } from '../../types.js'
import { type LocalEngine, localEngine } from './local-engine.js'
import { makeScanPdf, makeScanPng, scanSentences } from './test-scans.js'

/** OCR of a few pages takes seconds, and much longer on a loaded machine: a hang guard, not a speed limit. */
const ocrTimeout = 180_000

const params: EngineParams = { temperature: 0, rasterizationDPI: 150, maxOutputTokens: 0 }
let folder: string
let engine: LocalEngine

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'numarkdown-scans-'))
  engine = localEngine({ ocrWorkers: 2 })
})

afterAll(async () => {
  await engine.close()
  await rm(folder, { recursive: true, force: true })
})

async function convert(
  name: string,
  content: Uint8Array,
  options: { contentType: string; engine?: LocalEngine },
): Promise<EngineOutput> {
  const { contentType, engine: using = engine } = options
  const path = join(folder, name)
  await writeFile(path, content)
  return using.convert(
    { path, filename: basename(path), contentType, size: content.length },
    params,
    new AbortController().signal,
  )
}

describe('localEngine on rotated scans', () => {
  it('turns pages scanned sideways or upside down upright before reading them', {
    timeout: ocrTimeout,
  }, async () => {
    const pdf = await makeScanPdf(
      ([90, 180, 270] as const).map((rotation) =>
        makeScanPng([...scanSentences], { rotation, heading: `Minutes turned ${rotation}` }),
      ),
    )
    const output = await convert('rotated.pdf', pdf, { contentType: 'application/pdf' })
    for (const sentence of scanSentences) expect(output.result.split(sentence)).toHaveLength(4)
    for (const rotation of [90, 180, 270]) expect(output.result).toContain(`Minutes turned ${rotation}`)
    expect(output.reasoning).toMatch(/Page 1: OCR after turning the page 270° clockwise in eng/)
    expect(output.reasoning).toMatch(/Page 2: OCR after turning the page 180° clockwise in eng/)
    expect(output.reasoning).toMatch(/Page 3: OCR after turning the page 90° clockwise in eng/)
    expect(output.warnings).toBeUndefined()
  })

  it('turns a sideways image upright', { timeout: ocrTimeout }, async () => {
    const png = makeScanPng(scanSentences.slice(0, 3), { rotation: 90 })
    const output = await convert('sideways.png', png, { contentType: 'image/png' })
    expect(output.result).toContain(scanSentences[0])
    expect(output.reasoning).toMatch(/image\/png image turned 270° clockwise and OCRed in eng/)
  })

  it('leaves out and flags a page that OCR cannot read, instead of passing noise off as text', {
    timeout: ocrTimeout,
  }, async () => {
    const blind = localEngine({ ocrWorkers: 1, detectOrientation: false })
    try {
      const pdf = await makeScanPdf([
        makeScanPng([...scanSentences]),
        makeScanPng([...scanSentences], { rotation: 180 }),
      ])
      const output = await convert('upside-down.pdf', pdf, { contentType: 'application/pdf', engine: blind })
      expect(output.result).toBe(scanSentences.join(' '))
      expect(output.warnings).toHaveLength(1)
      expect(output.warnings?.[0]).toMatch(
        /^Page 2: OCR could not read the scan \(mean word confidence \d+%\); its text is left out\.$/,
      )
      const image = await convert('upside-down.png', makeScanPng([...scanSentences], { rotation: 180 }), {
        contentType: 'image/png',
        engine: blind,
      })
      expect(image.result).toBe('')
      expect(image.warnings?.[0]).toMatch(
        /^OCR could not read the image \(mean word confidence \d+%\); its text is left out\.$/,
      )
    } finally {
      await blind.close()
    }
  })
})

describe('localEngine OCR languages', () => {
  const german = [
    'Die Größe der Straße wird täglich überprüft.',
    'Über die Brücke fahren schwere Lastwagen.',
    'Die Bürger wünschen sich mehr Grünflächen.',
  ]

  it('reads German with languages: [deu]', { timeout: ocrTimeout }, async () => {
    const deu = localEngine({ ocrWorkers: 1, languages: ['deu'] })
    try {
      const output = await convert('german.png', makeScanPng(german), {
        contentType: 'image/png',
        engine: deu,
      })
      for (const line of german) expect(output.result).toContain(line)
      expect(output.reasoning).toMatch(/OCRed in deu/)
    } finally {
      await deu.close()
    }
  })

  it('refuses a language whose model is not installed, naming the package', () => {
    expect(() => localEngine({ languages: ['eng', 'kor'] })).toThrow(
      'localEngine: the OCR language kor is not installed; install @tesseract.js-data/kor beside @numarkdown/server',
    )
    expect(() => localEngine({ languages: [] })).toThrow(/expected languages to be a non-empty array/)
    expect(() => localEngine({ languages: ['English'] })).toThrow(/got "English"/)
  })
})
