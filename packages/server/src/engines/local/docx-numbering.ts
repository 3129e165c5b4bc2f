/**
 * List numbers of a DOCX as Word shows them. mammoth turns numbered paragraphs into nested `<ol>` lists, so a
 * multi-level number such as `2.3.8.1` comes out as `1.`, and a numbered heading loses its number. This computes
 * each numbered paragraph's label from `word/numbering.xml` (level formats, start values, counters that restart
 * below a level) so that those labels can be written into the text.
 */
import type { XmlElement } from './omml-to-latex.js'

const wordNamespace = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'

/** One level of a list definition. */
interface Level {
  format: string
  kind: string
  start: number
}

function elements(node: XmlElement): XmlElement[] {
  return Array.from(node.childNodes).filter((child) => child.nodeType === 1)
}

function child(node: XmlElement | undefined, name: string): XmlElement | undefined {
  return node ? elements(node).find((element) => element.localName === name) : undefined
}

function value(node: XmlElement | undefined): string | undefined {
  return node?.getAttributeNS(wordNamespace, 'val') ?? node?.getAttribute('w:val') ?? undefined
}

interface XmlDocumentLike {
  getElementsByTagNameNS(namespace: string, name: string): ArrayLike<XmlElement>
}

/** Where a paragraph's numbering comes from: its own `w:numPr`, or its style's. */
export interface NumberingReference {
  numId: string
  level: number
}

function reference(numPr: XmlElement | undefined): NumberingReference | undefined {
  const numId = value(child(numPr, 'numId'))
  if (numId === undefined) return undefined
  const level = Number(value(child(numPr, 'ilvl')) ?? 0)
  return { numId, level: Number.isInteger(level) && level >= 0 && level < 9 ? level : 0 }
}

/** Paragraph styles: the numbering each one brings and whether it is a heading (following `basedOn`). */
export class DocxStyles {
  readonly #styles = new Map<string, { numPr?: XmlElement; basedOn?: string; heading: boolean }>()

  constructor(styles: XmlDocumentLike | undefined) {
    for (const style of Array.from(styles?.getElementsByTagNameNS(wordNamespace, 'style') ?? [])) {
      const id = style.getAttributeNS(wordNamespace, 'styleId') ?? style.getAttribute('w:styleId')
      if (!id) continue
      const properties = child(style, 'pPr')
      const name = value(child(style, 'name')) ?? ''
      this.#styles.set(id, {
        numPr: child(properties, 'numPr'),
        basedOn: value(child(style, 'basedOn')),
        heading: /^heading\s*\d|^title$/i.test(name) || child(properties, 'outlineLvl') !== undefined,
      })
    }
  }

  /** The numbering a paragraph of this style gets from the style, when it has one. */
  numbering(styleId: string | undefined): NumberingReference | undefined {
    const seen = new Set<string>()
    let id = styleId
    while (id && !seen.has(id)) {
      seen.add(id)
      const style = this.#styles.get(id)
      if (style?.numPr) return reference(style.numPr)
      id = style?.basedOn
    }
    return undefined
  }

  isHeading(styleId: string | undefined): boolean {
    return styleId !== undefined && (this.#styles.get(styleId)?.heading ?? /^heading\d/i.test(styleId))
  }
}

function roman(number: number): string {
  const numerals: Array<[number, string]> = [
    [1000, 'm'],
    [900, 'cm'],
    [500, 'd'],
    [400, 'cd'],
    [100, 'c'],
    [90, 'xc'],
    [50, 'l'],
    [40, 'xl'],
    [10, 'x'],
    [9, 'ix'],
    [5, 'v'],
    [4, 'iv'],
    [1, 'i'],
  ]
  let rest = number
  let text = ''
  for (const [amount, numeral] of numerals) {
    while (rest >= amount) {
      text += numeral
      rest -= amount
    }
  }
  return text
}

function letter(number: number): string {
  const index = (number - 1) % 26
  return String.fromCharCode(97 + index).repeat(Math.floor((number - 1) / 26) + 1)
}

function formatNumber(number: number, kind: string): string {
  switch (kind) {
    case 'lowerLetter':
      return letter(number)
    case 'upperLetter':
      return letter(number).toUpperCase()
    case 'lowerRoman':
      return roman(number)
    case 'upperRoman':
      return roman(number).toUpperCase()
    case 'decimalZero':
      return String(number).padStart(2, '0')
    default:
      return String(number)
  }
}

/** The list definitions of `word/numbering.xml` and the running counters of each list. */
export class DocxNumbering {
  readonly #levels = new Map<string, Level[]>()
  readonly #counters = new Map<string, number[]>()

  constructor(numbering: XmlDocumentLike | undefined) {
    const abstracts = new Map<string, Level[]>()
    for (const abstract of Array.from(
      numbering?.getElementsByTagNameNS(wordNamespace, 'abstractNum') ?? [],
    )) {
      const id =
        abstract.getAttributeNS(wordNamespace, 'abstractNumId') ?? abstract.getAttribute('w:abstractNumId')
      if (id === null) continue
      const levels: Level[] = []
      for (const level of elements(abstract).filter((element) => element.localName === 'lvl')) {
        const index = Number(level.getAttributeNS(wordNamespace, 'ilvl') ?? level.getAttribute('w:ilvl'))
        if (!Number.isInteger(index) || index < 0 || index > 8) continue
        levels[index] = {
          format: value(child(level, 'lvlText')) ?? '',
          kind: value(child(level, 'numFmt')) ?? 'decimal',
          start: Number(value(child(level, 'start')) ?? 1) || 0,
        }
      }
      abstracts.set(id, levels)
    }
    for (const num of Array.from(numbering?.getElementsByTagNameNS(wordNamespace, 'num') ?? [])) {
      const id = num.getAttributeNS(wordNamespace, 'numId') ?? num.getAttribute('w:numId')
      const abstract = value(child(num, 'abstractNumId'))
      const levels = abstract === undefined ? undefined : abstracts.get(abstract)
      if (id !== null && levels) this.#levels.set(id, levels)
    }
  }

  /**
   * Counts a numbered paragraph and returns its label (`2.3.8.1`, `b)`), or undefined for bullets and unknown
   * lists. `multiLevel` says whether the label shows more than its own level's number.
   */
  next(reference: NumberingReference): { label: string; multiLevel: boolean } | undefined {
    const levels = this.#levels.get(reference.numId)
    const level = levels?.[reference.level]
    if (!levels || !level) return undefined
    const counters = this.#counters.get(reference.numId) ?? levels.map((entry) => (entry?.start ?? 1) - 1)
    this.#counters.set(reference.numId, counters)
    counters[reference.level] = (counters[reference.level] ?? level.start - 1) + 1
    for (let deeper = reference.level + 1; deeper < counters.length; deeper++) {
      counters[deeper] = (levels[deeper]?.start ?? 1) - 1
    }
    if (level.kind === 'bullet' || level.kind === 'none') return undefined
    let placeholders = 0
    const label = level.format.replace(/%([1-9])/g, (_, digit: string) => {
      placeholders++
      const index = Number(digit) - 1
      const shown = levels[index]
      const count = Math.max(counters[index] ?? 0, shown?.start ?? 1)
      return formatNumber(count, shown?.kind ?? 'decimal')
    })
    return { label: label.trim(), multiLevel: placeholders > 1 }
  }
}

/** The numbering a paragraph (`w:p`) asks for, directly or through its style; undefined when none. */
export function paragraphNumbering(
  paragraph: XmlElement,
  styles: DocxStyles,
): { reference?: NumberingReference; styleId?: string; direct?: XmlElement } {
  const properties = child(paragraph, 'pPr')
  const styleId = value(child(properties, 'pStyle'))
  const direct = child(properties, 'numPr')
  const own = reference(direct)
  const found = own ?? (direct ? undefined : styles.numbering(styleId))
  const result: { reference?: NumberingReference; styleId?: string; direct?: XmlElement } = {}
  if (found && found.numId !== '0') result.reference = found
  if (styleId !== undefined) result.styleId = styleId
  if (direct) result.direct = direct
  return result
}
