/**
 * The errors of @numarkdown/stream. Conversion failures keep the error of @numarkdown/core as `cause` (or
 * unchanged, per item); these classes name what the stream adapters themselves reject. A bad option is a
 * `ValidationError`, the class every NuMarkdown package throws for one.
 */
import { describe, ValidationError } from '@numarkdown/protocol'

const brand: unique symbol = Symbol.for('numarkdown.stream.error') as never

/** The base class of every error thrown by @numarkdown/stream (`InvalidOptionError` is recognised by its brand). */
export class NuMarkdownStreamError extends Error {
  /** A machine-readable code. */
  readonly code: string

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = options.code
  }

  /** True when `value` is an error of this package, even from another installed copy of it. */
  static isInstance(value: unknown): value is NuMarkdownStreamError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
  }

  /**
   * `instanceof NuMarkdownStreamError` holds for every error of this package, `InvalidOptionError` included,
   * although that one extends `ValidationError` (one class for bad options across packages) and not this class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: inherited by subclasses, `this` is the class asked about.
    if (this !== NuMarkdownStreamError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return NuMarkdownStreamError.isInstance(value)
  }
}
Object.defineProperty(NuMarkdownStreamError.prototype, brand, { value: true, enumerable: false })

/**
 * An option was rejected at construction; the message names the option and the value received. It is a
 * `ValidationError` (`parameter` names the option, as `option` does), and an error of this package.
 */
export class InvalidOptionError extends ValidationError {
  /** The option that was rejected. */
  readonly option: string
  declare readonly code: string
  constructor(option: string, expected: string, received: unknown)
  /** Wraps a problem already described elsewhere, such as a `ValidationError` of `@numarkdown/core`. */
  constructor(option: string, problem: { message: string; cause?: unknown })
  constructor(option: string, expected: string | { message: string; cause?: unknown }, received?: unknown) {
    const problem =
      typeof expected === 'string' ? { message: `expected ${expected}, got ${describe(received)}` } : expected
    super(`${option}: ${problem.message}`, {
      parameter: option,
      code: 'invalid_option',
      cause: problem.cause,
    })
    this.option = option
  }
}
Object.defineProperty(InvalidOptionError.prototype, brand, { value: true, enumerable: false })

/** How an item written to `convertMany` is shown: an `{ input }` object by its input. */
function describeItem(item: unknown): string {
  return typeof item === 'object' && item !== null && !Array.isArray(item) && 'input' in item
    ? `{ input: ${describe(item.input)} }`
    : describe(item)
}

/** A chunk written to a byte stream was not bytes (a string, an object...). */
export class InvalidChunkError extends NuMarkdownStreamError {
  constructor(received: unknown) {
    super(
      `expected document bytes (a Buffer or Uint8Array), got ${describe(received)}; ` +
        'read files without an encoding so that they stay bytes',
      { code: 'invalid_chunk' },
    )
  }
}

/** An item written to `convertMany` was neither a path nor `{ input, filename?, params? }`. */
export class InvalidItemError extends NuMarkdownStreamError {
  constructor(received: unknown) {
    super(
      `expected a file path (string or file URL) or { input, filename?, params? }, got ${describeItem(received)}`,
      { code: 'invalid_item' },
    )
  }
}

/** With `failFast`, the first item that failed; `cause` is the conversion's error and `input` the item. */
export class ItemFailedError extends NuMarkdownStreamError {
  /** The item as it was written to the stream. */
  readonly input: unknown
  constructor(input: unknown, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`converting ${describeItem(input)} failed: ${reason}`, { code: 'item_failed', cause })
    this.input = input
  }
}
