/**
 * Opening a PDF with pdf.js the one way every engine needs it on Node: the legacy build, the CMaps and standard
 * fonts that ship with pdfjs-dist (without them CJK text and non-embedded fonts come out as mojibake), nothing
 * loaded through the platform, and the file read by ranges rather than whole.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js'
import { engineFailure } from './engine-failure.js'

type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs')

const require = createRequire(import.meta.url)
let pdfjsPromise: Promise<Pdfjs> | undefined

/** pdfjs-dist's legacy build is the one that runs on Node 20; loaded on first use, it is large. */
export function loadPdfjs(): Promise<Pdfjs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs')
  return pdfjsPromise
}

function packageFolder(name: string): string {
  // pdfjs reads these folders with fs on Node and expects a trailing separator.
  return `${join(dirname(require.resolve('pdfjs-dist/package.json')), name)}/`
}

/**
 * Opens a PDF file; an encrypted or unreadable file fails with `InvalidDocument`. pdfjs reads the file by ranges
 * as it needs them, so a large upload is not held in memory whole.
 */
export async function openPdf(path: string): Promise<PDFDocumentProxy> {
  const pdfjs = await loadPdfjs()
  const task = pdfjs.getDocument({
    url: pathToFileURL(path).href,
    isEvalSupported: false,
    verbosity: 0,
    standardFontDataUrl: packageFolder('standard_fonts'),
    cMapUrl: packageFolder('cmaps'),
    cMapPacked: true,
    wasmUrl: packageFolder('wasm'),
    iccUrl: packageFolder('iccs'),
    // Documents are untrusted: no font loading through the platform, no eval.
    disableFontFace: true,
    useSystemFonts: false,
  })
  try {
    return await task.promise
  } catch (error) {
    await task.destroy().catch(() => {})
    const name = (error as { name?: string }).name
    if (name === 'PasswordException') {
      throw engineFailure('InvalidDocument', 'The PDF is encrypted and needs a password', error)
    }
    const detail = error instanceof Error ? error.message : String(error)
    throw engineFailure('InvalidDocument', `The PDF could not be read: ${detail}`, error)
  }
}
