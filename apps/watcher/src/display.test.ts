import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createDisplay } from './display.js'

function capture(format: 'json' | 'pretty') {
  const output = new PassThrough()
  let text = ''
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  const display = createDisplay({ format, output, secrets: ['s3cr3t-token'] })
  return { display, text: () => text }
}

describe('display', () => {
  it('writes JSON lines and never the token, wherever it appears', () => {
    const { display, text } = capture('json')
    display.log('info', 'converted', { path: 'a.pdf', jobId: 'j1' })
    display.log('error', 'failed with s3cr3t-token inside', { error: 'Bearer s3cr3t-token' })
    const lines = text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines[0]).toMatchObject({ level: 'info', message: 'converted', path: 'a.pdf', jobId: 'j1' })
    expect(text()).not.toContain('s3cr3t-token')
    expect(lines[1].error).toBe('Bearer [redacted]')
  })

  it('redacts a secret added at run time', () => {
    const { display, text } = capture('json')
    display.addSecret('local-random-token')
    display.log('info', 'started', { detail: 'token=local-random-token' })
    expect(text()).not.toContain('local-random-token')
  })

  it('writes readable lines in pretty mode off a terminal', () => {
    const { display, text } = capture('pretty')
    display.log('info', 'converted', { path: 'with space.pdf', ms: 12 })
    expect(text()).toMatch(/info {2}converted {2}path="with space.pdf" ms=12\n$/)
  })
})
