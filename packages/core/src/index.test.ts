import * as protocol from '@numarkdown/protocol'
import { describe, expect, it } from 'vitest'
import * as core from './index.js'

describe('the exports shared with @numarkdown/protocol', () => {
  it('are the same classes and functions, so one catch serves every package', () => {
    expect(core.NuMarkdownError).toBe(protocol.NuMarkdownError)
    expect(core.ValidationError).toBe(protocol.ValidationError)
    expect(core.checkKnownOptions).toBe(protocol.checkKnownOptions)
    expect(() => core.validateConversionParams({ temperature: 3.4 })).toThrow(protocol.ValidationError)
  })
})
