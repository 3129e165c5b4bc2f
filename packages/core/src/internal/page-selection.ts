/**
 * `pages: '1-3,7,10-'` (or `[1, 2, 3, 7]`): which pages of a PDF to convert. The spec is checked in two steps,
 * since the page count is only known once the PDF is read: its syntax before any work, its pages against the
 * document before anything is uploaded. Both failures are a ValidationError naming the spec as given.
 */
import { describe, ValidationError } from '@numarkdown/protocol'

/** A page spec as callers give it: `'1-3,7,10-'`, or page numbers from 1. */
export type PageSpec = string | readonly number[]

/** One range of a parsed spec; `last` undefined for an open end (`10-`). */
interface SpecRange {
  first: number
  last: number | undefined
}

/** A page spec whose syntax was checked, waiting for the document's page count. */
export interface PageSelection {
  /** The spec as the caller wrote it, for messages. */
  text: string
  ranges: SpecRange[]
}

const rangePattern = /^(\d+)(?:\s*(-)\s*(\d*))?$/

/**
 * Checks the syntax of `spec` (ranges `a-b`, open ranges `a-`, single pages, separated by commas; or an array of
 * page numbers). Undefined when no spec was given.
 * @throws {ValidationError} naming the spec and the part of it that is wrong.
 */
export function parsePageSpec(spec: unknown): PageSelection | undefined {
  if (spec === undefined) return undefined
  if (Array.isArray(spec)) {
    if (spec.length === 0) invalid(spec, 'the list is empty')
    const ranges = spec.map((page) => {
      if (typeof page !== 'number' || !Number.isInteger(page) || page < 1) {
        invalid(spec, `${describe(page)} is not a page number (an integer from 1)`)
      }
      return { first: page, last: page }
    })
    return { text: showSpec(spec), ranges }
  }
  if (typeof spec !== 'string')
    invalid(spec, "expected a string like '1-3,7,10-' or an array of page numbers")
  const ranges: SpecRange[] = []
  for (const part of spec.split(',')) {
    const match = rangePattern.exec(part.trim())
    if (!match) invalid(spec, `${JSON.stringify(part.trim())} is not a page or a range like 3-5 or 10-`)
    const first = Number(match[1])
    const last = match[2] === undefined ? first : match[3] === '' ? undefined : Number(match[3])
    if (first < 1) invalid(spec, 'pages count from 1')
    if (last !== undefined && last < first) invalid(spec, `the range ${part.trim()} ends before it starts`)
    ranges.push({ first, last })
  }
  return { text: showSpec(spec), ranges }
}

/**
 * The pages `selection` names in a document of `pageCount` pages, ascending and each once; every page when no
 * selection was given.
 * @throws {ValidationError} when a page is past the end of the document, naming the spec and the page count.
 */
export function selectPages(selection: PageSelection | undefined, pageCount: number): number[] {
  if (!selection) return Array.from({ length: pageCount }, (_, index) => index + 1)
  const pages = new Set<number>()
  for (const { first, last } of selection.ranges) {
    const end = last ?? pageCount
    if (first > pageCount || end > pageCount) {
      throw new ValidationError(
        `pages ${selection.text}: the document has ${pageCount} page${pageCount === 1 ? '' : 's'}; ask for pages 1 to ${pageCount}`,
        { parameter: 'pages' },
      )
    }
    for (let page = first; page <= end; page++) pages.add(page)
  }
  return [...pages].sort((a, b) => a - b)
}

function invalid(spec: unknown, why: string): never {
  throw new ValidationError(`pages ${showSpec(spec)}: ${why}`, { parameter: 'pages' })
}

/** The spec as given, short enough for a message. */
function showSpec(spec: unknown): string {
  if (typeof spec === 'string' && spec.length <= 200) return JSON.stringify(spec)
  if (Array.isArray(spec) && spec.length <= 20 && spec.every((page) => typeof page === 'number')) {
    return JSON.stringify(spec)
  }
  return describe(spec)
}
