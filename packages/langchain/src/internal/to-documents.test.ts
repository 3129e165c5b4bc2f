import type { ConversionResult } from '@numarkdown/core'
import { describe, expect, it } from 'vitest'
import { toDocuments } from './to-documents.js'

const job = {
  id: 'job-1',
  jobType: 'markdown',
  status: 'completed',
  ownerUser: 'someone',
  inputData: '{}',
  startedAt: '',
  createdAt: '',
  updatedAt: '',
}

const result: ConversionResult = {
  markdown: '# One\n\n# Two',
  reasoning: 'thought',
  partial: false,
  recovered: false,
  usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, extra: 'not a count' } as never,
  jobId: 'job-1',
  job,
  pages: [
    {
      pageNumber: 1,
      lastPageNumber: 1,
      markdown: '# One',
      reasoning: 'r1',
      partial: false,
      recovered: false,
      jobId: 'job-p1',
    },
    {
      pageNumber: 2,
      lastPageNumber: 2,
      markdown: '# Two',
      reasoning: '',
      partial: true,
      recovered: false,
      jobId: 'job-p2',
    },
  ],
}

describe('toDocuments', () => {
  it('makes one Document per page, numbered from 1, with the page job', () => {
    const documents = toDocuments(result, 'a.pdf', { splitPages: true, includeReasoning: true })
    expect(documents.map((document) => [document.pageContent, document.metadata])).toEqual([
      [
        '# One',
        {
          source: 'a.pdf',
          loc: { pageNumber: 1 },
          numarkdown: { jobId: 'job-p1', partial: false, reasoning: 'r1' },
        },
      ],
      [
        '# Two',
        {
          source: 'a.pdf',
          loc: { pageNumber: 2 },
          numarkdown: { jobId: 'job-p2', partial: true, reasoning: '' },
        },
      ],
    ])
  })

  it('makes one Document without splitPages, keeping only numeric usage and no undefined values', () => {
    const [document, ...rest] = toDocuments(result, 'a.pdf', { splitPages: false, includeReasoning: false })
    expect(rest).toEqual([])
    expect(document?.pageContent).toBe('# One\n\n# Two')
    expect(document?.metadata).toStrictEqual({
      source: 'a.pdf',
      numarkdown: {
        jobId: 'job-1',
        partial: false,
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      },
    })
  })

  it('makes one Document when the service did not split the document (not a PDF)', () => {
    const { pages: _pages, ...unsplit } = result
    const documents = toDocuments(unsplit, 'a.docx', { splitPages: true, includeReasoning: false })
    expect(documents).toHaveLength(1)
    expect(documents[0]?.metadata.loc).toBeUndefined()
  })
})
