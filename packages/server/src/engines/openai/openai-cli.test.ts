import { describe, expect, it } from 'vitest'
import { createEngineFromFlags, defaultEngineName } from '../../cli-engine.js'

describe('numarkdown-server --engine', () => {
  it('uses the local engine by default', async () => {
    expect(defaultEngineName).toBe('local')
    const engine = await createEngineFromFlags({})
    expect(engine.name).toBe('local')
    await engine.close?.()
  })

  it('builds the openai engine from its flags, and asks for them when missing', async () => {
    await expect(createEngineFromFlags({ engine: 'openai', model: 'm' })).rejects.toThrow(
      '--engine openai needs --openai-base-url and --model',
    )
    const engine = await createEngineFromFlags({
      engine: 'openai',
      'openai-base-url': 'http://127.0.0.1:8000',
      model: 'numind/NuMarkdown-8B-Thinking',
    })
    expect(engine.name).toBe('openai')
    await engine.close?.()
  })
})
