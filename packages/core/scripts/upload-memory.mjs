// Peak RSS growth of the client while uploading a 1 GiB document, from a path and from a Node Readable.
// Run after `pnpm --filter @numarkdown/core build`: node --expose-gc scripts/upload-memory.mjs [sizeMiB]
// The server runs in a child process so that only the client's memory is measured.
import { fork } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'

const mib = 1024 * 1024
const token = 'upload-memory-token'

if (process.argv[2] === 'serve') {
  const { startServer } = await import('@numarkdown/server')
  const instant = { name: 'instant', convert: async () => ({ result: 'ok', reasoning: 'instant' }) }
  const server = await startServer({ tokens: [token], engine: instant, maxUploadBytes: 4 * 1024 * mib })
  process.send?.(server.url)
  process.on('disconnect', () => server.close().then(() => process.exit(0)))
} else {
  const sizeMiB = Number(process.argv[2] ?? 1024)
  const { NuMarkdownClient } = await import('../dist/index.js')
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { stdio: 'inherit' })
  const url = await new Promise((resolve) => child.once('message', resolve))
  const folder = await mkdtemp(join(tmpdir(), 'numarkdown-memory-'))
  const path = join(folder, 'big.pdf')
  const chunks = function* () {
    const chunk = Buffer.alloc(mib, 0x61)
    for (let index = 0; index < sizeMiB; index++) yield chunk
  }
  try {
    await pipeline(Readable.from(chunks()), createWriteStream(path))
    const measure = async (label, options, makeInput) => {
      const client = new NuMarkdownClient({ apiKey: token, baseUrl: url, ...options })
      globalThis.gc?.()
      await new Promise((resolve) => setTimeout(resolve, 200))
      globalThis.gc?.()
      const baseline = process.memoryUsage().rss
      let peak = baseline
      const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss)
      }, 50)
      const started = Date.now()
      const result = await client.convert(makeInput(), { strategy: 'poll' })
      const seconds = (Date.now() - started) / 1000
      clearInterval(timer)
      peak = Math.max(peak, process.memoryUsage().rss)
      await client.close()
      const growth = (peak - baseline) / mib
      console.log(
        `${label.padEnd(44)} ${sizeMiB} MiB in ${seconds.toFixed(1)} s (${(sizeMiB / seconds).toFixed(0)} MiB/s): ` +
          `RSS baseline ${(baseline / mib).toFixed(0)} MiB, peak ${(peak / mib).toFixed(0)} MiB, growth ${growth.toFixed(1)} MiB` +
          ` [${result.markdown}]`,
      )
      return growth
    }
    await measure('path', {}, () => path)
    await measure('Node Readable (spooled, retries on)', {}, () => ({
      data: Readable.from(chunks()),
      filename: 'big.pdf',
    }))
    await measure('Node Readable (chunked, maxRetries: 0)', { maxRetries: 0 }, () => ({
      data: Readable.from(chunks()),
      filename: 'big.pdf',
    }))
  } finally {
    await rm(folder, { recursive: true, force: true })
    child.disconnect()
  }
}
