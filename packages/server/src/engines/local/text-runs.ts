import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'

/** A piece of text on a page, in top-down page coordinates (points). */
export interface TextRun {
  text: string
  /** Left edge. */
  x: number
  /** Baseline, measured from the top of the page. */
  y: number
  width: number
  fontSize: number
  bold: boolean
  rtl: boolean
  /** The text layer had a space item right before this run (whose own width may be next to nothing). */
  spaceBefore: boolean
}

/** What a page's text layer holds, ready for layout. */
export interface PageText {
  width: number
  height: number
  runs: TextRun[]
  /** Runs dropped because they were not horizontal (margin labels, rotated tables). */
  rotatedRuns: number
  /** Characters of text in the page's text layer (rotated runs included). */
  characters: number
}

const boldName = /bold|black|heavy|semibold|demibold|extrabold|ultrabold|[-,]bd\b|\+?\w*-b$/i

/** Latin ligatures (ﬁ), Arabic and CJK-compatibility presentation forms: glyph variants of ordinary letters. */
const presentationForms = /[\uFB00-\uFDFF\uFE30-\uFE4F\uFE70-\uFEFF\uFF00-\uFFEF]/gu

interface PdfjsTextItem {
  str: string
  dir: string
  transform: number[]
  width: number
  height: number
  fontName: string
}

interface FontObject {
  name?: string
  bold?: boolean
  black?: boolean
}

function multiply(m1: number[], m2: number[]): number[] {
  const [a1 = 0, b1 = 0, c1 = 0, d1 = 0, e1 = 0, f1 = 0] = m1
  const [a2 = 0, b2 = 0, c2 = 0, d2 = 0, e2 = 0, f2 = 0] = m2
  return [
    a1 * a2 + c1 * b2,
    b1 * a2 + d1 * b2,
    a1 * c2 + c1 * d2,
    b1 * c2 + d1 * d2,
    a1 * e2 + c1 * f2 + e1,
    b1 * e2 + d1 * f2 + f1,
  ]
}

/** A page's coordinates: the transform from PDF units, and the size it gives. */
interface ReadingFrame {
  transform: number[]
  width: number
  height: number
}

/**
 * The frame in which a page's text reads left to right: the viewport, turned by a quarter, half or three quarters
 * when most of the page's characters run that way (a landscape table set sideways on a portrait page), so that the
 * layout reads them instead of dropping them as rotated text.
 */
function readingFrame(items: PdfjsTextItem[], viewport: ReadingFrame): ReadingFrame {
  const { transform: viewportTransform, width, height } = viewport
  const weights = [0, 0, 0, 0]
  for (const item of items) {
    const [a = 0, b = 0] = multiply(viewportTransform, item.transform)
    const angle = Math.atan2(b, a)
    const nearest = Math.round(angle / (Math.PI / 2))
    // Only text set square to the page counts; skewed text stays dropped.
    if (Math.abs(angle - nearest * (Math.PI / 2)) > 0.05) continue
    const quarter = ((nearest % 4) + 4) % 4
    weights[quarter] = (weights[quarter] ?? 0) + item.str.trim().length
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0)
  const dominant = weights.indexOf(Math.max(...weights))
  if (dominant <= 0 || (weights[dominant] ?? 0) <= total / 2) {
    return { transform: viewportTransform, width, height }
  }
  // Turn the page back by the text's angle, then shift it to positive coordinates.
  const turn: Record<number, number[]> = {
    1: [0, -1, 1, 0, 0, width],
    2: [-1, 0, 0, -1, width, height],
    3: [0, 1, -1, 0, height, 0],
  }
  const sideways = dominant % 2 === 1
  return {
    transform: multiply(turn[dominant] as number[], viewportTransform),
    width: sideways ? height : width,
    height: sideways ? width : height,
  }
}

/**
 * Reads the positioned text of a page. Font weight is not part of pdfjs's text content: it comes from the fonts
 * that building the operator list loads, by name (`Arial-BoldMT`) or flag. Building it also decodes the page's
 * images, so it is done only for a page that uses a font not seen on earlier pages (fonts are shared across a
 * document's pages), and `weights` remembers what was learnt. Without `fontWeights`, nothing is bold.
 */
export async function readPageText(
  page: PDFPageProxy,
  fontWeights: boolean,
  weights: Map<string, boolean>,
): Promise<PageText> {
  const viewport = page.getViewport({ scale: 1 })
  // pdfjs's own normalisation reverses Arabic lam-alef ligatures; presentation forms are normalised below instead.
  const content = await page.getTextContent({ disableNormalization: true })
  const items = content.items.filter((item): item is PdfjsTextItem & typeof item => 'str' in item)
  const fontNames = new Set(items.filter((item) => item.str.trim().length > 0).map((item) => item.fontName))
  const unseen = [...fontNames].filter((fontName) => !weights.has(fontName))
  if (fontWeights && unseen.length > 0) {
    await page.getOperatorList()
    for (const fontName of unseen) {
      let font: FontObject | undefined
      try {
        font = page.commonObjs.has(fontName) ? (page.commonObjs.get(fontName) as FontObject) : undefined
      } catch {
        font = undefined
      }
      weights.set(fontName, Boolean(font?.bold || font?.black || (font?.name && boldName.test(font.name))))
    }
  }
  const frame = readingFrame(items, viewport)
  const runs: TextRun[] = []
  let rotatedRuns = 0
  let space: { end: number; y: number; fontSize: number } | undefined
  let characters = 0
  for (const item of items) {
    const text = item.str.replace(presentationForms, (form) => form.normalize('NFKC'))
    if (text.length === 0) continue
    characters += text.trim().length
    const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0] = multiply(frame.transform, item.transform)
    const horizontalScale = Math.hypot(a, b)
    const fontSize = Math.hypot(c, d)
    if (Math.abs(b) > 0.05 * horizontalScale || Math.abs(c) > 0.05 * fontSize || a <= 0) {
      rotatedRuns++
      continue
    }
    if (fontSize <= 0 || text.trim().length === 0) {
      // A space item is kept as a flag on the run right after it: some PDFs set words apart with spaces of
      // next to no width.
      if (fontSize > 0) space = { end: e + item.width * (viewport.scale || 1), y: f, fontSize }
      continue
    }
    runs.push({
      text,
      x: e,
      y: f,
      width: item.width * (viewport.scale || 1),
      fontSize,
      bold: weights.get(item.fontName) ?? false,
      rtl: item.dir === 'rtl',
      spaceBefore:
        space !== undefined &&
        Math.abs(space.y - f) < 0.5 * fontSize &&
        e - space.end > -1 &&
        e - space.end < 0.5 * Math.max(fontSize, space.fontSize),
    })
    space = undefined
  }
  return { width: frame.width, height: frame.height, runs, rotatedRuns, characters }
}
