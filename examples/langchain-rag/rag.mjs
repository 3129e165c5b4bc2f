// A retrieval round trip with @numarkdown/langchain: documents → markdown → chunks → vectors → the best chunk
// for a question. Offline: a local server with the local engine, and a toy embeddings class (swap in a real
// one, such as OpenAIEmbeddings, in a real pipeline).
//
//   node rag.mjs ["question"]
import { fileURLToPath } from 'node:url'
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory'
import { Embeddings } from '@langchain/core/embeddings'
import { MarkdownTextSplitter } from '@langchain/textsplitters'
import { NuMarkdownClient } from '@numarkdown/core'
import { NuMarkdownLoader } from '@numarkdown/langchain'
import { localEngine, startServer } from '@numarkdown/server'

/** Bag-of-words vectors hashed into 256 dimensions: deterministic, offline, good enough to show the flow. */
class WordHashEmbeddings extends Embeddings {
  constructor() {
    super({})
  }
  embedQuery(text) {
    const vector = new Array(256).fill(0)
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      let hash = 0
      for (const character of word) hash = (hash * 31 + character.charCodeAt(0)) >>> 0
      vector[hash % 256] += 1
    }
    return Promise.resolve(vector)
  }
  embedDocuments(texts) {
    return Promise.all(texts.map((text) => this.embedQuery(text)))
  }
}

const question = process.argv[2] ?? 'Orders and revenue per region'
const inbox = (name) => fileURLToPath(new URL(`../inbox/${name}`, import.meta.url))

const local = process.env.NUMIND_API_KEY
  ? undefined
  : await startServer({ engine: localEngine(), tokens: ['local-example-token'] })
const client = new NuMarkdownClient(local ? { baseUrl: local.url, apiKey: 'local-example-token' } : {})

try {
  const loader = new NuMarkdownLoader([inbox('quarterly-report.pdf'), inbox('release-notes.html')], {
    client,
    splitPages: true,
    onError: 'collect',
  })
  const chunks = await loader.loadAndSplit(new MarkdownTextSplitter({ chunkSize: 400, chunkOverlap: 40 }))
  for (const error of loader.errors) console.error(`could not load ${error.source}: ${error.message}`)
  if (chunks.length === 0) throw new Error('no chunks were loaded')

  const store = await MemoryVectorStore.fromDocuments(chunks, new WordHashEmbeddings())
  const [best] = await store.similaritySearch(question, 1)
  console.log(`${chunks.length} chunks indexed. Best match for "${question}":\n`)
  console.log(`source: ${best.metadata.source}, page ${best.metadata.loc?.pageNumber ?? '-'}\n`)
  console.log(best.pageContent)
} finally {
  await client.close()
  await local?.close()
}
