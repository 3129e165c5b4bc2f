import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createEngineFromFlags, engineFlagHelp } from '../../cli-engine.js'
import { makeScanPng } from './test-scans.js'

/** OCR of a few pages takes seconds, and much longer on a loaded machine: a hang guard, not a speed limit. */
const ocrTimeout = 180_000

describe('numarkdown-server --engine local --languages', () => {
  it('reads scans in the languages given', { timeout: ocrTimeout }, async () => {
    const engine = await createEngineFromFlags({ engine: 'local', languages: 'deu' })
    const folder = await mkdtemp(join(tmpdir(), 'numarkdown-local-cli-'))
    try {
      const path = join(folder, 'brief.png')
      await writeFile(path, makeScanPng(['Die Größe der Straße wird täglich überprüft.']))
      const output = await engine.convert(
        { path, filename: 'brief.png', contentType: 'image/png', size: 0 },
        { temperature: 0, rasterizationDPI: 150, maxOutputTokens: 0 },
        new AbortController().signal,
      )
      expect(output.result).toContain('Die Größe der Straße wird täglich überprüft.')
      expect(output.reasoning).toContain('OCRed in deu')
    } finally {
      await engine.close?.()
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('names the flag when a language is not installed', async () => {
    await expect(createEngineFromFlags({ engine: 'local', languages: 'eng,kor' })).rejects.toThrow(
      '--languages eng,kor: the OCR language kor is not installed; install @tesseract.js-data/kor',
    )
    expect(engineFlagHelp.join('\n')).toContain('--languages <codes>')
  })
})
