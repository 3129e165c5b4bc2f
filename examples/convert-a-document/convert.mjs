// Convert one document to markdown with @numarkdown/core.
//
//   node convert.mjs [file]                          offline: a local server with the local engine
//   NUMIND_API_KEY=... node convert.mjs [file]        the NuMind API
import { fileURLToPath } from 'node:url'
import { NuMarkdownClient } from '@numarkdown/core'
import { localEngine, startServer } from '@numarkdown/server'

const file = process.argv[2] ?? fileURLToPath(new URL('../inbox/quarterly-report.pdf', import.meta.url))

// Without an API key, serve the same API from this process with the offline engine.
const local = process.env.NUMIND_API_KEY
  ? undefined
  : await startServer({ engine: localEngine(), tokens: ['local-example-token'] })
const client = new NuMarkdownClient(
  local ? { baseUrl: local.url, apiKey: 'local-example-token' } : {}, // NUMIND_API_KEY from the environment
)

try {
  const result = await client.convert(file, {
    onProgress: (event) => console.error(`[${event.type}]`, 'jobId' in event ? event.jobId : ''),
  })
  if (result.markdown.trim() === '') throw new Error(`no markdown came back for ${file}`)
  console.log(result.markdown)
  console.error(
    `\njob ${result.jobId}: ${result.markdown.length} characters${result.partial ? ' (partial)' : ''}`,
  )
} finally {
  await client.close()
  await local?.close()
}
