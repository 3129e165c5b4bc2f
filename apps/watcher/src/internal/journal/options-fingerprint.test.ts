import { describe, expect, it } from 'vitest'
import { optionsFingerprint } from './options-fingerprint.js'

const split = { reasoning: false, splitPages: true, pages: undefined } as const

describe('optionsFingerprint', () => {
  it('changes with --on-page-error skip, which shapes the outputs, and not with the default fail', () => {
    const failing = optionsFingerprint({ ...split, onPageError: 'fail' })
    expect(optionsFingerprint({ ...split, onPageError: 'skip' })).not.toBe(failing)
    // The fingerprint of a run that never set it stays what it was: its documents are not converted again.
    const before = optionsFingerprint({ ...split } as never)
    expect(failing).toBe(before)
  })
})
