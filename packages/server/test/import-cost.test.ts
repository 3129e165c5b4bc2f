import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url))

function inlineModule(source: string): string {
  return `data:text/javascript,${encodeURIComponent(source)}`
}

it('serves without Redis having loaded no Redis client and no queue', () => {
  // Loading ioredis or bullmq fails in this process: only cluster mode may load them.
  const hooks = `export async function resolve(specifier, context, next) {
    if (/^(ioredis|bullmq)$/.test(specifier)) throw new Error('loaded ' + specifier)
    return next(specifier, context)
  }`
  const register = `import { register } from 'node:module'; register(${JSON.stringify(inlineModule(hooks))})`
  const script = `
    const { startServer, scriptedEngine } = await import(${JSON.stringify(entry)})
    const server = await startServer({ engine: scriptedEngine(), tokens: ['token-0123456789abcdef'] })
    const response = await fetch(server.url + '/api/jobs', { headers: { authorization: 'Bearer token-0123456789abcdef' } })
    console.log(response.status)
    await server.close()
  `
  const result = spawnSync(
    process.execPath,
    ['--import', inlineModule(register), '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  )
  expect(result.stderr).toBe('')
  expect(result.stdout.trim()).toBe('200')
  expect(result.status).toBe(0)
})
