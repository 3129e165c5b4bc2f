import { describe, expect, it } from 'vitest'
import { buildLines, lineText } from './text-lines.js'
import type { TextRun } from './text-runs.js'

function run(text: string, x: number, y: number, options: Partial<TextRun> = {}): TextRun {
  const fontSize = options.fontSize ?? 10
  return {
    text,
    x,
    y,
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
    const lines = buildLines([run('Hello', 10, 100), run('world', 38, 100), run('again', 10, 114)])
    expect(lines.map(lineText)).toEqual(['Hello world', 'again'])
  })

  it('splits a line at a wide gap into segments', () => {
    const [line] = buildLines([run('Left', 10, 100), run('Right', 200, 100)])
    expect(line?.segments.map((segment) => segment.text)).toEqual(['Left', 'Right'])
  })

  it('keeps a bullet with its text', () => {
    const [line] = buildLines([run('•', 10, 100), run('Item text', 40, 100)])
    expect(line?.segments).toHaveLength(1)
    expect(lineText(line!)).toBe('• Item text')
  })

  it('never puts two runs stacked one above the other on one line', () => {
    // A right-column run with an offset baseline sits between two left-column lines.
    const lines = buildLines([
      run('first left', 10, 100),
      run('right', 300, 104, { fontSize: 12 }),
      run('second left', 10, 108),
    ])
    expect(lines.map(lineText)).toEqual(['first left right', 'second left'])
  })

  it('reads text drawn twice at the same place once', () => {
    const lines = buildLines([run('Bold', 10, 100), run('Bold', 10.4, 100.3)])
    expect(lines.map(lineText)).toEqual(['Bold'])
  })

  it('sets apart footnote marks and words split by zero-width spaces', () => {
    const lines = buildLines([
      run('word', 10, 100),
      run('1)', 30, 97, { fontSize: 6 }),
      run('next', 36.2, 100, { spaceBefore: true }),
    ])
    expect(lines.map(lineText)).toEqual(['word 1) next'])
  })
})
