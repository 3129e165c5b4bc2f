import { describe, expect, it } from 'vitest'
import { checkLanguages, languagesForScript } from './ocr-languages.js'

describe('languagesForScript', () => {
  it('reads a Latin page in the configured Latin languages', () => {
    expect(languagesForScript(['eng', 'deu', 'jpn'], 'Latin')).toEqual(['eng', 'deu'])
  })

  it('picks an installed language for a script none of the configured languages reads', () => {
    expect(languagesForScript(['eng'], 'Japanese')).toEqual(['jpn'])
    expect(languagesForScript(['eng', 'jpn'], 'Katakana')).toEqual(['jpn'])
  })

  it('falls back to the configured languages when the script is unknown or unsure, or nothing reads it', () => {
    expect(languagesForScript(['eng', 'fra'], undefined)).toEqual(['eng', 'fra'])
    expect(languagesForScript(['eng'], 'Hangul')).toEqual(['eng'])
  })
})

describe('checkLanguages', () => {
  it('accepts the bundled languages and drops repeats', () => {
    expect(checkLanguages(['eng', 'deu', 'fra', 'jpn', 'eng'])).toEqual(['eng', 'deu', 'fra', 'jpn'])
  })

  it('refuses osd, which is not a language', () => {
    expect(() => checkLanguages(['osd'])).toThrow(/'osd' is not a language/)
  })
})
