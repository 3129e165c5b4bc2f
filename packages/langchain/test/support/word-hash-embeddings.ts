import { createHash } from 'node:crypto'
import { Embeddings } from '@langchain/core/embeddings'

/**
 * Deterministic, offline embeddings for tests: each word (lower-cased, letters and digits) adds 1 to one of
 * `dimensions` buckets chosen by its hash, and the vector is normalised. Texts sharing words end up close.
 */
export class WordHashEmbeddings extends Embeddings {
  readonly dimensions: number

  constructor(dimensions = 256) {
    super({})
    this.dimensions = dimensions
  }

  embed(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0)
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      if (word.length < 3) continue
      const bucket = createHash('sha256').update(word).digest().readUInt32BE(0) % this.dimensions
      vector[bucket] = (vector[bucket] ?? 0) + 1
    }
    const norm = Math.hypot(...vector) || 1
    return vector.map((value) => value / norm)
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((document) => this.embed(document))
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.embed(document)
  }
}
