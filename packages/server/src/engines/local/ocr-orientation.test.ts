import { createCanvas } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import { looksSideways, readOrientation, withOrientation } from './ocr-orientation.js'
import { makeScanPng, scanSentences } from './test-scans.js'

describe('looksSideways', () => {
  it('tells pages of text turned by a quarter from upright and upside-down ones', async () => {
    const lines = [...scanSentences, ...scanSentences]
    expect(await looksSideways(makeScanPng(lines))).toBe(false)
    expect(await looksSideways(makeScanPng(lines, { rotation: 180 }))).toBe(false)
    expect(await looksSideways(makeScanPng(lines, { rotation: 90 }))).toBe(true)
    expect(
      await looksSideways(makeScanPng(scanSentences.slice(0, 2), { rotation: 270, heading: 'Minutes' })),
    ).toBe(true)
  })
})

describe('withOrientation', () => {
  it('marks a PNG and a JPEG with the EXIF orientation tesseract applies, and leaves other formats alone', async () => {
    const png = makeScanPng(['One line'])
    const marked = withOrientation(png, 90) as Buffer
    expect(marked.toString('latin1', 37, 41)).toBe('eXIf')
    // The big-endian orientation tag tesseract.js looks for in the first 500 bytes: 0x0112, SHORT, 1, value 6.
    expect(marked.subarray(0, 500).join(' ')).toContain('1 18 0 3 0 0 0 1 0 6')
    const canvas = createCanvas(10, 10)
    const jpeg = Buffer.from(await canvas.encode('jpeg'))
    const markedJpeg = withOrientation(jpeg, 270) as Buffer
    expect(markedJpeg.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xe1]))
    expect(markedJpeg.subarray(0, 500).join(' ')).toContain('1 18 0 3 0 0 0 1 0 8')
    expect(withOrientation(png, 0)).toBe(png)
    expect(withOrientation(Buffer.from('II*\0 a tiff'), 180)).toBeUndefined()
  })
})

describe('readOrientation', () => {
  it('takes a clear orientation and a sure script, and reads a page as it lies otherwise', () => {
    const detected = {
      tesseract_script_id: 1,
      script: 'Japanese',
      script_confidence: 12,
      orientation_degrees: 270,
      orientation_confidence: 9,
    }
    expect(readOrientation(detected)).toEqual({ rotation: 270, confidence: 9, script: 'Japanese' })
    expect(readOrientation({ ...detected, orientation_confidence: 0.5, script_confidence: 1 })).toEqual({
      rotation: 0,
      confidence: 0.5,
    })
  })
})
