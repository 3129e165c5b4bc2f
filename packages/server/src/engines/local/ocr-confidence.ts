/**
 * When OCR text may stand for a page. tesseract always returns something: for a page it cannot read (turned the
 * wrong way, too faint, not text) that is noise at a mean word confidence of 25–50%. Such text is left out and the
 * result says so; text read with middling confidence is kept with a warning.
 */

/** Below this mean word confidence, OCR text is noise, not the page's text. */
export const minimumOcrConfidence = 50
/** Below this, OCR text is kept but may be wrong. */
export const doubtfulOcrConfidence = 70

/** What to do with OCR text: the markdown to keep (empty when left out) and the warning to give, if any. */
export interface OcrVerdict {
  markdown: string
  unreadable: boolean
  warning?: string
}

/** Judges the OCR markdown of `subject` (`Page 3: the scan`, `the image`) read at `confidence` (0–100). */
export function judgeOcrText(markdown: string, confidence: number, subject: string): OcrVerdict {
  const percent = Math.round(confidence)
  const [prefix, what] = subject.includes(': ') ? subject.split(': ', 2) : [undefined, subject]
  const lead = prefix ? `${prefix}: ` : ''
  if (markdown.length === 0) return { markdown, unreadable: false }
  if (confidence < minimumOcrConfidence) {
    return {
      markdown: '',
      unreadable: true,
      warning: `${lead}OCR could not read ${what} (mean word confidence ${percent}%); its text is left out.`,
    }
  }
  if (confidence < doubtfulOcrConfidence) {
    return {
      markdown,
      unreadable: false,
      warning: `${lead}OCR read ${what} with low confidence (${percent}%); its text may be wrong.`,
    }
  }
  return { markdown, unreadable: false }
}
