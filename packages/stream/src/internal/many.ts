import { fileURLToPath } from 'node:url'
import {
  type ConversionResult,
  type ConvertInput,
  checkKnownOptions,
  type ProgressEvent,
} from '@numarkdown/core'
import { describe } from '@numarkdown/protocol'
import { InvalidItemError, InvalidOptionError, ItemFailedError } from '../errors.js'
import type {
  ConvertManyItem,
  ConvertManyOptions,
  ConvertManyOutput,
  StreamConversionParams,
} from '../types.js'
import { ClientHandle } from './client-handle.js'
import { convertManyItemKeys, convertManyOptionKeys } from './option-keys.js'
import { checkClient, checkInteger, checkParams, checkSignal, checkType, pickParams } from './options.js'
import { checkPagePolicy, checkPageSpec, namePagesError } from './page-options.js'
import { TaskPool } from './task-pool.js'

/** The options of a many-document stream, validated and with their defaults. */
export interface ResolvedManyOptions {
  options: ConvertManyOptions
  concurrency: number
  highWaterMark: number
  ordered: boolean
  failFast: boolean
}

/**
 * Validates the options of `convertMany`/`convertManyStream`; an unknown key throws core's `ValidationError`
 * (`where` names the options in its message).
 */
export function resolveManyOptions(options: ConvertManyOptions, where: string): ResolvedManyOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionError('options', 'an object', options)
  checkKnownOptions(options, convertManyOptionKeys, where)
  checkClient(options.client)
  checkInteger('concurrency', options.concurrency, 1)
  checkInteger('highWaterMark', options.highWaterMark, 1)
  checkType('ordered', options.ordered, 'boolean')
  checkType('failFast', options.failFast, 'boolean')
  checkType('onProgress', options.onProgress, 'function')
  checkSignal(options.signal)
  checkPagePolicy(checkParams(options))
  return {
    options,
    concurrency: options.concurrency ?? 4,
    highWaterMark: options.highWaterMark ?? 16,
    ordered: options.ordered ?? true,
    failFast: options.failFast ?? false,
  }
}

/**
 * Throws an `InvalidItemError` unless `item` is a path, a file URL or `{ input, ... }`; an unknown key of the
 * item or of its `params` throws core's `ValidationError`.
 */
export function checkItem(item: unknown): asserts item is ConvertManyItem {
  if (typeof item === 'string' && item !== '') return
  if (item instanceof URL) return
  if (typeof item === 'object' && item !== null && !(item instanceof Uint8Array) && 'input' in item) {
    checkKnownOptions(item, convertManyItemKeys, 'convertMany item')
    const { input, filename, contentType, params } = item as Record<string, unknown>
    if (input === undefined || input === null) throw new InvalidItemError(item)
    checkType('item.filename', filename, 'string')
    checkType('item.contentType', contentType, 'string')
    if (params !== undefined) checkParams(params as object, 'item.params.', 'convertMany item.params')
    return
  }
  throw new InvalidItemError(item)
}

/** What the Node and Web many-document adapters plug into. */
export interface ManyRunnerHooks {
  emit(outcome: ConvertManyOutput): void
  progress?(event: ProgressEvent, input: ConvertManyItem): void
  /** Whether `progress` has anyone to tell now (asked as each item starts); absent, it always has. */
  listened?(): boolean
  held(): number
  fatal(error: unknown): void
}

/** The pool and client of a many-document stream, shared by the Node and Web adapters. */
export class ManyRunner {
  readonly pool: TaskPool<ConvertManyItem, ConversionResult>
  readonly #client: ClientHandle
  readonly #defaults: StreamConversionParams
  #stopping: Promise<void> | undefined

  constructor(resolved: ResolvedManyOptions, hooks: ManyRunnerHooks) {
    const { options } = resolved
    const defaults = checkParams(options)
    this.#defaults = defaults
    this.#client = new ClientHandle(options.client)
    try {
      checkPageSpec(defaults, 'pages')
    } catch (error) {
      void this.#client.close()
      throw error
    }
    const report = (event: ProgressEvent, item: ConvertManyItem): void => {
      options.onProgress?.(event, item)
      hooks.progress?.(event, item)
    }
    this.pool = new TaskPool<ConvertManyItem, ConversionResult>({
      concurrency: resolved.concurrency,
      capacity: resolved.highWaterMark,
      ordered: resolved.ordered,
      failFast: resolved.failFast,
      run: (item, signal) => {
        const { input, filename, contentType, params } = normalise(item)
        // Core makes no progress events for a conversion nobody hears.
        const heard =
          options.onProgress !== undefined || (hooks.progress !== undefined && (hooks.listened?.() ?? true))
        const converting = this.#client.convert(input, {
          ...defaults,
          // Only what core's convert() knows: an item's params were checked, this keeps it so.
          ...(params === undefined ? {} : pickParams(params)),
          ...(filename === undefined ? {} : { filename }),
          ...(contentType === undefined ? {} : { contentType }),
          signal,
          ...(heard ? { onProgress: (event: ProgressEvent) => report(event, item) } : {}),
        })
        return converting.catch((error: unknown) => {
          throw namePagesError(error, filename ?? nameOf(input))
        })
      },
      emit: hooks.emit,
      held: hooks.held,
      onFatal: (error, input) => hooks.fatal(input === undefined ? error : new ItemFailedError(input, error)),
    })
  }

  /**
   * Checks an item as {@link checkItem} does, and its page options against the stream's: a page spec core would
   * refuse, or `onPageError` where the item does not split pages.
   */
  checkItem(item: unknown): asserts item is ConvertManyItem {
    checkItem(item)
    const { params } = normalise(item)
    if (params === undefined) return
    checkPageSpec(params, 'item.params.pages')
    checkPagePolicy({ ...this.#defaults, ...pickParams(params) }, 'item.params.onPageError')
  }

  /** Aborts every conversion (remote jobs cancelled) and closes an owned client; resolves when all settled. */
  stop(reason: unknown): Promise<void> {
    this.#stopping ??= this.pool.stop(reason).then(() => this.#client.close())
    return this.#stopping
  }
}

function normalise(item: ConvertManyItem): {
  input: ConvertInput
  filename?: string | undefined
  contentType?: string | undefined
  params?: StreamConversionParams | undefined
} {
  if (typeof item === 'string' || item instanceof URL) return { input: item }
  return item
}

/** How a page failure names an item's document without a filename: its path, or what it is. */
function nameOf(input: ConvertInput): string {
  if (typeof input === 'string') return input
  if (input instanceof URL) return input.protocol === 'file:' ? fileURLToPath(input) : input.href
  if (typeof input === 'object' && input !== null && 'data' in input) {
    return input.filename ?? nameOf(input.data)
  }
  if (input instanceof Blob && 'name' in input && typeof input.name === 'string') return input.name
  return `the document (${describe(input).replace(/^an? object \((.*)\)$/, '$1')})`
}
