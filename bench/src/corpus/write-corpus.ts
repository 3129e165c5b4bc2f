/**
 * Writes the generated corpus to a folder, each document beside its reference (`X.pdf` → `X.md`, `F.docx` →
 * `F.docx.md`, as in the shared docling corpus), to look at or to score with other tools:
 * `node --import tsx src/corpus/write-corpus.ts <folder>`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { generatedCorpus } from './generated-corpus.ts'

/** The reference's file name for a document, following the docling corpus's convention. */
export function referenceName(document: string): string {
  return document.endsWith('.pdf') ? document.replace(/\.pdf$/, '.md') : `${document}.md`
}

/** Builds every document and writes it with its reference into `folder`; returns the document paths. */
export async function writeCorpus(folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true })
  const paths: string[] = []
  for (const document of generatedCorpus) {
    const path = join(folder, document.name)
    await writeFile(path, await document.build())
    await writeFile(join(folder, referenceName(document.name)), `${document.reference}\n`)
    paths.push(path)
  }
  return paths
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const folder = process.argv[2]
  if (!folder) {
    console.error('usage: node --import tsx src/corpus/write-corpus.ts <folder>')
    process.exit(2)
  }
  const paths = await writeCorpus(resolve(folder))
  console.log(`${paths.length} documents written to ${resolve(folder)}`)
}
