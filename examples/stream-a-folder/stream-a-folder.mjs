// Convert every PDF, DOCX and HTML file of a folder with @numarkdown/stream: paths in, results out, at most four
// conversions at once, in input order; one failed document does not stop the others.
//
//   node stream-a-folder.mjs [folder]
import { readdir } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { NuMarkdownClient } from '@numarkdown/core'
import { localEngine, startServer } from '@numarkdown/server'
import { convertMany } from '@numarkdown/stream'

const folder = process.argv[2] ?? fileURLToPath(new URL('../inbox', import.meta.url))
const paths = (await readdir(folder))
  .filter((name) => ['.pdf', '.docx', '.html'].includes(extname(name)))
  .map((name) => join(folder, name))

const local = process.env.NUMIND_API_KEY
  ? undefined
  : await startServer({ engine: localEngine(), tokens: ['local-example-token'] })
const client = new NuMarkdownClient(local ? { baseUrl: local.url, apiKey: 'local-example-token' } : {})

let failures = 0
try {
  await pipeline(
    Readable.from(paths),
    convertMany({ client, concurrency: 4, ordered: true }),
    new Writable({
      objectMode: true,
      write(output, _encoding, callback) {
        if (output.ok)
          console.log(`✓ ${output.input}: ${output.result.markdown.length} characters of markdown`)
        else {
          failures += 1
          console.log(`✗ ${output.input}: ${output.error.message}`)
        }
        callback()
      },
    }),
  )
} finally {
  await client.close()
  await local?.close()
}
if (paths.length === 0 || failures > 0) process.exitCode = 1
