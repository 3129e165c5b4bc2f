import { describe, expect, it } from 'vitest'
import { buildLines, lineText } from './text-lines.js'
import type { TextRun } from './text-runs.js'

function run(text: string, options: Partial<TextRun> & { x: number; y: number }): TextRun {
  const fontSize = options.fontSize ?? 10
  return {
    text,
    width: text.length * fontSize * 0.5,
    fontSize,
    bold: false,
    rtl: false,
    spaceBefore: false,
    ...options,
  }
}

describe('buildLines', () => {
  it('joins runs on a baseline with spaces where there are gaps', () => {
    const lines = buildLines([
      run('Hello', { x: 10, y: 100 }),
      run('world', { x: 38, y: 100 }),
      run('again', { x: 10, y: 114 }),
    ])
    expect(lines.map(lineText)).toEqual(['Hello world', 'again'])
  })

  it('splits a line at a wide gap into segments', () => {
    const [line] = buildLines([run('Left', { x: 10, y: 100 }), run('Right', { x: 200, y: 100 })])
    expect(line?.segments.map((segment) => segment.text)).toEqual(['Left', 'Right'])
  })

  it('keeps a bullet with its text', () => {
    const [line] = buildLines([run('•', { x: 10, y: 100 }), run('Item text', { x: 40, y: 100 })])
    expect(line?.segments).toHaveLength(1)
    expect(lineText(line!)).toBe('• Item text')
  })

  it('never puts two runs stacked one above the other on one line', () => {
    // A right-column run with an offset baseline sits between two left-column lines.
    const lines = buildLines([
      run('first left', { x: 10, y: 100 }),
      run('right', { x: 300, y: 104, fontSize: 12 }),
      run('second left', { x: 10, y: 108 }),
    ])
    expect(lines.map(lineText)).toEqual(['first left right', 'second left'])
  })

  it('reads text drawn twice at the same place once', () => {
    const lines = buildLines([run('Bold', { x: 10, y: 100 }), run('Bold', { x: 10.4, y: 100.3 })])
    expect(lines.map(lineText)).toEqual(['Bold'])
  })

  it('sets apart footnote marks and words split by zero-width spaces', () => {
    const lines = buildLines([
      run('word', { x: 10, y: 100 }),
      run('1)', { x: 30, y: 97, fontSize: 6 }),
      run('next', { x: 36.2, y: 100, spaceBefore: true }),
    ])
    expect(lines.map(lineText)).toEqual(['word 1) next'])
  })
})
