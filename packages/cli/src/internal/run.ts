/**
 * One run of `numarkdown` once the arguments are read: expand and inspect the inputs, plan the outputs, open
 * the backend, convert with core (at most `--concurrency` documents at once, results as they finish, every
 * remote job cancelled on abort; `--pages` and `--split-pages` are core's `pages` and `splitPages`), write each
 * result atomically or to stdout, and return the exit status. Loaded by `cli.ts` only when there is something
 * to convert.
 */
import { stat } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import {
  type ConversionParams,
  type ConversionResult,
  type ProgressEvent,
  resolveConnection,
  ValidationError,
  validateConversionParams,
} from '@numarkdown/core'
import { removeTemporaryFilesSync, writeFileAtomic } from 'numarkdown-watch/outputs'
import pMap from 'p-map'
import type { CliOptions } from './arguments.js'
import { type Backend, openBackend } from './backend.js'
import { checkPages } from './check-pages.js'
import { describeFailure } from './describe-failure.js'
import { expandInputs } from './inputs.js'
import { type InspectedSource, inspectSource } from './inspect-source.js'
import { markdownText, withFinalNewline } from './markdown-text.js'
import { type OutputPlan, planOutputs } from './output-paths.js'
import { createReporter, type Reporter, type Tracker } from './reporter.js'
import { convertSplitDocument } from './split-document.js'
import { UsageError } from './usage-error.js'

/** The process's streams and settings; tests of the pieces pass their own. */
export interface RunIo {
  stdin: Readable & { isTTY?: boolean }
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  environment: NodeJS.ProcessEnv
  cwd: string
}

/** One document on its way. */
interface Conversion {
  document: InspectedSource
  plan: OutputPlan
  tracker?: Tracker
}

const flagOfParameter: Record<string, string> = {
  temperature: '--temperature',
  rasterizationDpi: '--dpi',
  maxOutputTokens: '--max-output-tokens',
  timeout: '--timeout',
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 }

function usageError(reporter: Reporter, error: UsageError, stderr: NodeJS.WritableStream): number {
  reporter.close()
  stderr.write(`numarkdown: ${error.message}\n(see numarkdown --help)\n`)
  return 2
}

/** The API's parameters from the flags, checked by core (a bad value is a usage error naming the flag). */
function conversionParams(options: CliOptions): ConversionParams {
  const params = {
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.dpi === undefined ? {} : { rasterizationDpi: options.dpi }),
    ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  }
  try {
    return validateConversionParams(params)
  } catch (error) {
    if (ValidationError.isInstance(error)) {
      const flag = flagOfParameter[error.parameter] ?? error.parameter
      throw new UsageError(`${flag}: ${error.message}`, { cause: error })
    }
    throw error
  }
}

function shown(path: string, cwd: string): string {
  const relativePath = relative(cwd, path)
  return relativePath === '' || relativePath.startsWith('..') ? path : relativePath
}

async function isUpToDate(plan: OutputPlan, sourceMtimeMs: number): Promise<string | undefined> {
  const files = [plan.result, plan.reasoning].flatMap((destination) =>
    destination.kind === 'file' ? [destination.path] : [],
  )
  if (files.length === 0 || plan.result.kind !== 'file') return undefined
  for (const file of files) {
    const stats = await stat(file).catch(() => undefined)
    if (stats === undefined || stats.mtimeMs < sourceMtimeMs) return undefined
  }
  return plan.result.path
}

/** Runs the command; resolves with the exit status. */
export async function run(options: CliOptions, io: RunIo = processIo()): Promise<number> {
  const reporter = createReporter({ stdout: io.stdout, stderr: io.stderr, environment: io.environment })
  try {
    return await runWith(options, io, reporter)
  } catch (error) {
    if (error instanceof UsageError) return usageError(reporter, error, io.stderr)
    throw error
  } finally {
    reporter.close()
  }
}

function processIo(): RunIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    environment: process.env,
    cwd: process.cwd(),
  }
}

async function runWith(options: CliOptions, io: RunIo, reporter: Reporter): Promise<number> {
  const params = conversionParams(options)
  if (options.pages !== undefined) checkPages(options.pages)
  const { apiKey, baseUrl } = resolveConnection({ baseUrl: options.baseUrl }, io.environment)
  if (baseUrl !== undefined && apiKey === undefined) {
    throw new UsageError(`--base-url ${baseUrl}: set NUMIND_API_KEY to the token this server accepts`)
  }
  if (options.resume !== undefined && apiKey === undefined) {
    throw new UsageError(
      '--resume needs NUMIND_API_KEY: jobs of the offline engine end with the process that ran them',
    )
  }
  reporter.addSecret(apiKey)

  let failures = 0
  const fail = (display: string, message: string) => {
    failures++
    reporter.problem(display, message)
  }

  // --- what to convert, and where each result goes ---------------------------------------------------------
  const conversions: Conversion[] = []
  if (options.resume === undefined) {
    const inputs = options.inputs.length > 0 ? options.inputs : ['-']
    if (inputs.includes('-') && io.stdin.isTTY === true) {
      throw new UsageError(
        options.inputs.length === 0
          ? 'no input: name a document, or pipe one in (numarkdown - < scan.png)'
          : 'stdin is a terminal: pipe a document in (numarkdown - < scan.png) or name a file',
      )
    }
    const outputPath = options.output === undefined ? undefined : resolve(io.cwd, options.output)
    const outputStats = outputPath === undefined ? undefined : await stat(outputPath).catch(() => undefined)
    const expanded = await expandInputs(inputs, {
      cwd: io.cwd,
      ...(outputPath === undefined ? {} : { outputFolder: outputPath }),
    })
    for (const problem of expanded.problems) fail(problem.display, problem.message)
    const documents: InspectedSource[] = []
    for (let start = 0; start < expanded.sources.length; start += 16) {
      const batch = expanded.sources.slice(start, start + 16)
      const inspections = await Promise.all(batch.map((source) => inspectSource(source, io.stdin)))
      inspections.forEach((inspection, index) => {
        if (inspection.ok) documents.push(inspection.document)
        else fail(batch[index]!.display, inspection.message)
      })
    }
    const settings = {
      ...(options.output === undefined ? {} : { output: options.output }),
      outputIsFolder: outputStats?.isDirectory() === true,
      outputIsFile: outputStats !== undefined && !outputStats.isDirectory(),
      stemNames: options.stemNames,
      json: options.json,
      reasoning: options.reasoning,
      cwd: io.cwd,
    }
    const plans = planOutputs(
      documents.map((document) => ({ display: document.source.display, name: document.name })),
      settings,
    )
    for (const [index, document] of documents.entries()) {
      const plan = plans[index]!
      if (!options.force) {
        const newer = await isUpToDate(plan, document.mtimeMs)
        if (newer !== undefined) {
          reporter.notice(
            `${document.source.display}: skipped: ${shown(newer, io.cwd)} is newer than it (--force converts it again)`,
          )
          document.stream?.destroy()
          continue
        }
      }
      conversions.push({ document, plan })
    }
    if (conversions.length === 0) return failures > 0 ? 1 : 0
  }

  // --- the backend, and Ctrl-C --------------------------------------------------------------------------
  let backend: Backend
  try {
    backend = await openBackend({ apiKey, baseUrl, concurrency: options.concurrency }, (message) =>
      reporter.notice(message),
    )
  } catch (error) {
    if (ValidationError.isInstance(error)) {
      throw new UsageError(error.parameter === 'baseUrl' ? `--base-url: ${error.message}` : error.message, {
        cause: error,
      })
    }
    throw error
  }
  for (const secret of backend.secrets) reporter.addSecret(secret)

  const controller = new AbortController()
  let interruptedBy: NodeJS.Signals | undefined
  let brokenPipe = false
  // Jobs submitted and not finished, to name on an exit that cannot wait for their cancels.
  const jobsInFlight = new Set<string>()
  const followJobs = (event: ProgressEvent) => {
    if (event.type === 'submitted' || event.type === 'adopted') jobsInFlight.add(event.jobId)
    else if ((event.type === 'done' || event.type === 'failed') && event.jobId !== undefined) {
      jobsInFlight.delete(event.jobId)
    }
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (interruptedBy !== undefined) {
      // The second one: leave now, without waiting for the cancels; no temporary file stays behind.
      removeTemporaryFilesSync()
      // A job whose call has ended may still be under its background cancel: name those too.
      const jobs = [...new Set([...jobsInFlight, ...backend.client.cancelling])]
      reporter.notice(
        jobs.length === 0
          ? 'exiting now'
          : `exiting now; the cancel of these jobs may not have reached the server: ${jobs.join(' ')}`,
      )
      reporter.close()
      process.exit(128 + (signalNumbers[signal] ?? 2))
    }
    interruptedBy = signal
    reporter.notice('interrupted: cancelling the conversions (Ctrl-C again to exit at once)')
    controller.abort()
  }
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') return
    // The reader went away (`numarkdown … | head`): nothing more can be delivered.
    brokenPipe = true
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Kept to the end: a write that failed may report its EPIPE after the conversions are over.
  io.stdout.on('error', onStdoutError)

  const deliver = async (display: string, plan: OutputPlan, result: ConversionResult) => {
    for (const warning of result.warnings ?? []) reporter.notice(`${display}: ${warning}`)
    const text = options.json
      ? `${JSON.stringify({ input: display, ...result })}\n`
      : markdownText(result, plan.reasoning.kind === 'inline')
    if (plan.result.kind === 'file') await writeOutput(plan.result, text)
    else await reporter.result(text)
    if (plan.reasoning.kind === 'file') {
      await writeOutput(plan.reasoning, withFinalNewline(result.reasoning))
    }
    return plan.result.kind === 'file' ? shown(plan.result.path, io.cwd) : ''
  }

  try {
    if (options.resume !== undefined) {
      const display = `job ${options.resume}`
      const plan = planOutputs([{ display, name: options.resume }], {
        ...(options.output === undefined ? {} : { output: options.output }),
        outputIsFolder: false,
        outputIsFile: false,
        stemNames: false,
        json: options.json,
        reasoning: options.reasoning,
        cwd: io.cwd,
      })[0]!
      const tracker = reporter.track(display)
      jobsInFlight.add(options.resume)
      try {
        const result = await backend.client.wait(options.resume, {
          signal: controller.signal,
          onProgress: (event) => {
            followJobs(event)
            tracker.event(event)
          },
        })
        tracker.done(await deliver(display, plan, result))
      } catch (error) {
        if (!controller.signal.aborted) {
          tracker.failed()
          fail(display, describeFailure(error, backend.baseUrl))
        }
      }
    } else {
      failures += await convertAll(conversions, {
        options,
        params,
        backend,
        signal: controller.signal,
        reporter,
        deliver,
        followJobs,
        cwd: io.cwd,
      })
    }
  } finally {
    // The handlers stay while the client closes: that is where it waits for the remote cancels, and a second
    // Ctrl-C there must still exit at once.
    try {
      await backend.close()
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
  if (interruptedBy !== undefined) return 128 + (signalNumbers[interruptedBy] ?? 2)
  if (brokenPipe) return 1
  return failures > 0 ? 1 : 0
}

/** What converting the documents needs from the run. */
interface RunContext {
  options: CliOptions
  params: ConversionParams
  backend: Backend
  signal: AbortSignal
  reporter: Reporter
  deliver: (display: string, plan: OutputPlan, result: ConversionResult) => Promise<string>
  followJobs: (event: ProgressEvent) => void
  cwd: string
}

/**
 * Converts the conversions, at most `--concurrency` documents at once (the client's own limit bounds the jobs,
 * page ranges included), each delivered as soon as it is done; resolves with the number of failures once every
 * conversion settled. An abort ends every conversion, remote jobs cancelled, and starts no new one.
 */
async function convertAll(conversions: readonly Conversion[], run: RunContext): Promise<number> {
  const { options, params, backend, signal, reporter, deliver, followJobs, cwd } = run
  let failures = 0
  const fail = (conversion: Conversion, message: string) => {
    failures++
    conversion.tracker?.failed()
    reporter.problem(conversion.document.source.display, message)
  }

  async function convertOne(conversion: Conversion): Promise<void> {
    if (signal.aborted) {
      conversion.document.stream?.destroy()
      return
    }
    const { document } = conversion
    const display = document.source.display
    const isPdf = document.type.contentType === 'application/pdf'
    if (options.pages !== undefined && !isPdf) {
      reporter.notice(`${display}: --pages applies to PDFs only; converting the whole document`)
    }
    const tracker = reporter.track(display)
    conversion.tracker = tracker
    const onProgress = (event: ProgressEvent) => {
      followJobs(event)
      tracker.event(event)
    }
    const pages = options.pages !== undefined && isPdf ? options.pages : undefined
    if (options.splitPages) {
      const outcome = await convertSplitDocument(document, conversion.plan, {
        client: backend.client,
        baseUrl: backend.baseUrl,
        params,
        pages,
        onPageError: options.onPageError,
        json: options.json,
        signal,
        reporter,
        onProgress,
        writeOutput,
        shown: (path) => shown(path, cwd),
      })
      if (outcome.kind === 'done') tracker.done(outcome.detail)
      else if (outcome.kind === 'failed') fail(conversion, outcome.message)
      else if (outcome.kind === 'partial') {
        // Written, but not every page: a failure for the exit status, so that a script never takes it as whole.
        failures++
        tracker.done(outcome.detail)
        reporter.problem(display, outcome.message)
      }
      return
    }
    let result: ConversionResult
    try {
      result = await backend.client.convert(document.stream ?? (document.source as { path: string }).path, {
        ...params,
        ...(pages === undefined ? {} : { pages }),
        filename: document.filename,
        contentType: document.type.contentType,
        signal,
        onProgress,
      })
    } catch (error) {
      // Aborted: Ctrl-C says so once, or stdout's reader went away (the EPIPE handler aborts everything, quietly).
      if (!signal.aborted) fail(conversion, describeFailure(error, backend.baseUrl))
      return
    }
    try {
      tracker.done(await deliver(display, conversion.plan, result))
    } catch (error) {
      if (signal.aborted || (error as NodeJS.ErrnoException).code === 'EPIPE') return
      fail(
        conversion,
        `converted, but the result could not be written: ${describeFailure(error, backend.baseUrl)}`,
      )
    }
  }

  await pMap(conversions, convertOne, { concurrency: options.concurrency })
  return failures
}

/**
 * Writes an output file whole or not at all; one inside the `-o` folder only where that folder really is
 * (symbolic links resolved), any other only in its own folder.
 */
function writeOutput(destination: { path: string; within?: string }, content: string): Promise<void> {
  return writeFileAtomic(destination.within ?? dirname(destination.path), destination.path, content)
}
