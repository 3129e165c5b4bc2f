import { joinLines } from './layout-markdown.js'
import type { OcrResult } from './ocr-pool.js'
import { listItemStart } from './text-lines.js'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/**
 * Writes OCR paragraphs as markdown: a short paragraph set in clearly taller type than the page's usual lines
 * becomes a heading, lines starting with a bullet or number become list items, the rest paragraphs.
 */
export function ocrToMarkdown(result: OcrResult): string {
  const heights = result.paragraphs.flatMap((paragraph) => paragraph.lines.map((line) => line.height))
  const usual = median(heights)
  const blocks: string[] = []
  for (const paragraph of result.paragraphs) {
    const lines = paragraph.lines.map((line) => line.text.trim()).filter((text) => text.length > 0)
    if (lines.length === 0) continue
    const text = joinLines(lines)
    const tall = paragraph.lines.every((line) => line.height >= usual * 1.35)
    if (tall && lines.length <= 2 && text.length <= 120 && /\p{L}/u.test(text)) {
      blocks.push(`## ${text}`)
      continue
    }
    if (lines.some((line) => listItemStart.test(line))) {
      const items: string[] = []
      for (const line of lines) {
        const marker = listItemStart.exec(line)
        if (marker || items.length === 0) {
          const number = marker?.[1]?.match(/\d+/)?.[0]
          items.push(`${number ? `${number}.` : '-'} ${marker ? line.slice(marker[0].length).trim() : line}`)
        } else {
          items[items.length - 1] = joinLines([items.at(-1) as string, line])
        }
      }
      blocks.push(items.join('\n'))
      continue
    }
    blocks.push(text)
  }
  return blocks.join('\n\n')
}
