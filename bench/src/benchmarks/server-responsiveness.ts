/**
 * Does the server keep answering while it converts? The p50, p99 and max of `GET /api/jobs/{id}` while 60 PDFs
 * (quick: 8) convert on the local engine, with its CPU work in worker threads (ours), beside the same engine
 * doing that work on the main thread (`conversionWorkers: 0`, what the server did before) and the same probe
 * against the idle server. Each server runs in its own process; once the 60 uploads are accepted, the probe sends
 * one request at a time, 10 ms apart, from this one, and measures each from the moment it was sent. The server
 * also reports its event-loop delay over the same span: the stalls of its main thread, apart from the machine's
 * scheduling (on a shared machine, other processes delay every thread alike).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { Agent, FormData, request } from 'undici'
import type { LocalServerChildMessage } from '../internal/local-server-child.ts'
import { loadServer } from '../internal/packages.ts'
import { percentile, round } from '../internal/stats.ts'
import type { Benchmark, BenchmarkRow } from '../report.ts'

const targetMs = 50
const probeGapMs = 10
const childPath = fileURLToPath(new URL('../internal/local-server-child.ts', import.meta.url))

interface ChildServer {
  url: string
  token: string
  /** Starts the server's event-loop delay measurement over. */
  resetDelay(): void
  /** The server's event-loop delay since the last reset. */
  delay(): Promise<{ p99Ms: number; maxMs: number }>
  close(): Promise<void>
}

async function startLocalServer(settings: { conversionWorkers?: number }): Promise<ChildServer> {
  const token = randomUUID()
  const child: ChildProcess = fork(childPath, [JSON.stringify(settings)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NUMIND_API_KEY: token },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const [first] = (await once(child, 'message')) as [LocalServerChildMessage]
  if (first.type !== 'ready') {
    child.kill()
    throw new Error(
      `the server process did not start: ${first.type === 'error' ? first.message : first.type}`,
    )
  }
  return {
    url: first.url,
    token,
    resetDelay() {
      child.send({ type: 'reset' })
    },
    async delay() {
      child.send({ type: 'delay' })
      for (;;) {
        const [message] = (await once(child, 'message')) as [LocalServerChildMessage]
        if (message.type === 'delay') return message
      }
    },
    async close() {
      const exited = once(child, 'exit')
      child.send({ type: 'close' })
      await exited
    },
  }
}

/** A report of `pages` pages, 50 lines of text each: a few hundred ms of pdf.js work per document. */
async function makeReport(pages: number): Promise<Uint8Array> {
  const document = await PDFDocument.create()
  const font = await document.embedFont(StandardFonts.Helvetica)
  const bold = await document.embedFont(StandardFonts.HelveticaBold)
  for (let number = 1; number <= pages; number++) {
    const page = document.addPage([595, 842])
    page.drawText(`Section ${number}`, { x: 60, y: 790, size: 18, font: bold })
    for (let line = 0; line < 50; line++) {
      page.drawText(
        `${number}.${line} The quarterly figures in this line are ${line * 37} and ${line * 11}.`,
        {
          x: 60,
          y: 760 - line * 14,
          size: 10,
          font,
        },
      )
    }
  }
  return document.save()
}

interface Probe {
  latencies: number[]
  stop(): Promise<void>
}

/** GET /api/jobs/{id} one at a time until stopped. */
function probe(server: ChildServer, jobId: string, dispatcher: Agent): Probe {
  const latencies: number[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      const response = await request(`${server.url}/api/jobs/${jobId}`, {
        headers: { authorization: `Bearer ${server.token}` },
        dispatcher,
      })
      await response.body.dump()
      latencies.push(performance.now() - started)
      await sleep(probeGapMs)
    }
  })()
  return {
    latencies,
    async stop() {
      running = false
      await loop
    },
  }
}

async function submit(
  server: ChildServer,
  bytes: Uint8Array,
  filename: string,
  contentType: string,
  dispatcher: Agent,
): Promise<string> {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }), filename)
  const response = await request(`${server.url}/api/markdown/infer-async`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}` },
    body: form,
    dispatcher,
  })
  const text = await response.body.text()
  if (response.statusCode !== 200) throw new Error(`submit answered ${response.statusCode}: ${text}`)
  return (JSON.parse(text) as { jobId: string }).jobId
}

async function status(server: ChildServer, jobId: string, dispatcher: Agent): Promise<string> {
  const response = await request(`${server.url}/api/jobs/${jobId}`, {
    headers: { authorization: `Bearer ${server.token}` },
    dispatcher,
  })
  return ((await response.body.json()) as { status: string }).status
}

interface Measurement {
  latencies: number[]
  /** The server's event-loop delay over the same span. */
  delay: { p99Ms: number; maxMs: number }
  /** Wall time from the first submit until every document was converted. */
  seconds: number
  failed: number
}

/**
 * Submits `documents` PDFs at once and probes until all are finished; with `documents` 0, probes the idle server
 * `idleProbes` times.
 */
async function measure(
  settings: { conversionWorkers?: number },
  pdf: Uint8Array,
  documents: number,
  idleProbes: number,
): Promise<Measurement> {
  const server = await startLocalServer(settings)
  const probeAgent = new Agent({ connections: 1 })
  const submitAgent = new Agent({ connections: 64 })
  try {
    const probed = await submit(
      server,
      new TextEncoder().encode('# Probe'),
      'probe.md',
      'text/markdown',
      submitAgent,
    )
    // One document first, so that the engine is loaded before the clock starts (in both modes alike).
    const warmup = await submit(server, pdf, 'warm-up.pdf', 'application/pdf', submitAgent)
    while (['pending', 'running'].includes(await status(server, warmup, submitAgent))) await sleep(50)
    const started = performance.now()
    if (documents === 0) {
      server.resetDelay()
      const running = probe(server, probed, probeAgent)
      while (running.latencies.length < idleProbes) await sleep(probeGapMs)
      await running.stop()
      return { latencies: running.latencies, delay: await server.delay(), seconds: 0, failed: 0 }
    }
    const ids = await Promise.all(
      Array.from({ length: documents }, (_, index) =>
        submit(server, pdf, `report-${index}.pdf`, 'application/pdf', submitAgent),
      ),
    )
    server.resetDelay()
    const running = probe(server, probed, probeAgent)
    const statuses = new Map<string, string>()
    for (;;) {
      for (const id of ids)
        if (!statuses.has(id)) {
          const value = await status(server, id, submitAgent)
          if (value !== 'pending' && value !== 'running') statuses.set(id, value)
        }
      if (statuses.size === ids.length) break
      await sleep(100)
    }
    const seconds = (performance.now() - started) / 1000
    await running.stop()
    const delay = await server.delay()
    const failed = [...statuses.values()].filter((value) => value !== 'completed').length
    return { latencies: running.latencies, delay, seconds, failed }
  } finally {
    await probeAgent.close()
    await submitAgent.close()
    await server.close()
  }
}

const benchmark: Benchmark = {
  name: 'server-responsiveness',
  description: 'GET /api/jobs/{id} while PDFs convert on the local engine: worker threads vs the main thread',
  async run({ quick }) {
    await loadServer()
    const documents = quick ? 8 : 60
    const pdf = await makeReport(quick ? 2 : 12)
    const idle = await measure({}, pdf, 0, quick ? 50 : 300)
    const threads = await measure({}, pdf, documents, 0)
    const mainThread = await measure({ conversionWorkers: 0 }, pdf, documents, 0)
    const rows: BenchmarkRow[] = []
    for (const [label, p] of [
      ['p50', 50],
      ['p99', 99],
      ['max', 100],
    ] as const) {
      const ours = percentile(threads.latencies, p)
      const row: BenchmarkRow = {
        metric: `${label} GET /api/jobs/{id}, ${documents} PDFs converting`,
        ours,
        baseline: percentile(mainThread.latencies, p),
        baselineName: 'engine work on the main thread',
        unit: 'ms',
      }
      if (p === 99) Object.assign(row, { target: `≤ ${targetMs} ms`, pass: ours <= targetMs })
      rows.push(row)
    }
    rows.push({
      metric: `max event-loop delay of the server, ${documents} PDFs converting`,
      ours: threads.delay.maxMs,
      baseline: mainThread.delay.maxMs,
      baselineName: 'engine work on the main thread',
      unit: 'ms',
    })
    rows.push({
      metric: 'p99 GET /api/jobs/{id}, idle server',
      ours: percentile(idle.latencies, 99),
      unit: 'ms',
    })
    rows.push({
      metric: `time to convert ${documents} PDFs`,
      ours: threads.seconds,
      baseline: mainThread.seconds,
      baselineName: 'engine work on the main thread',
      unit: 's',
    })
    const notes = [
      `${threads.latencies.length} probes with worker threads, ${mainThread.latencies.length} on the main thread, ${idle.latencies.length} idle; ${probeGapMs} ms between probes.`,
      `Idle p50 ${round(percentile(idle.latencies, 50))} ms, max ${round(percentile(idle.latencies, 100))} ms; idle event-loop delay p99 ${round(idle.delay.p99Ms)} ms, max ${round(idle.delay.maxMs)} ms.`,
    ]
    if (threads.failed + mainThread.failed > 0) {
      notes.push(
        `Jobs not completed: ${threads.failed} with threads, ${mainThread.failed} on the main thread.`,
      )
    }
    return { name: 'server-responsiveness', rows, notes }
  },
}

export default benchmark
