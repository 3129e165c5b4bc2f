import { describe, expect, it } from 'vitest'
import { formatEvent } from './sse.js'

describe('formatEvent', () => {
  it('writes a one-line payload as one data line', () => {
    const job = JSON.stringify({ id: 'a', outputData: JSON.stringify({ result: '# Title\n\ntext' }) })
    expect(formatEvent('result', job)).toBe(`event: result\ndata: ${job}\n\n`)
  })

  it('writes an empty payload as a bare data field', () => {
    expect(formatEvent('ping', '')).toBe('event: ping\ndata:\n\n')
  })

  it('writes one data line per line of a multi-line payload, whatever the line break', () => {
    expect(formatEvent('note', 'a\nb\r\nc\rd')).toBe('event: note\ndata: a\ndata: b\ndata: c\ndata: d\n\n')
    expect(formatEvent('note', 'a\n\nb')).toBe('event: note\ndata: a\ndata:\ndata: b\n\n')
  })
})
