import {
  type ConversionResult,
  type ConvertInput,
  type ConvertOptions,
  type ConvertPagesOptions,
  NuMarkdownClient,
  type PageResult,
} from '@numarkdown/core'
import type { ClientOrOptions } from '../types.js'
import { isClient } from './options.js'

/** The client a stream uses: given by the caller (left open), or created from options (closed by the stream). */
export class ClientHandle {
  readonly client: NuMarkdownClient
  readonly #owned: boolean
  #closing: Promise<void> | undefined

  constructor(option: ClientOrOptions) {
    this.#owned = !isClient(option)
    this.client = isClient(option) ? option : new NuMarkdownClient(option)
  }

  /** True when the stream created the client (and closes it). */
  get owned(): boolean {
    return this.#owned
  }

  /** Closes the client if the stream created it. Never rejects. */
  close(): Promise<void> {
    if (!this.#owned) return Promise.resolve()
    this.#closing ??= Promise.resolve()
      .then(() => this.client.close())
      .catch(() => {})
    return this.#closing
  }

  /**
   * Converts one input. When `signal` aborts, core rejects at once and cancels the remote job in the background
   * (best effort); closing a client the stream created waits for that cancel.
   */
  convert(input: ConvertInput, options: ConvertOptions & { signal: AbortSignal }): Promise<ConversionResult> {
    return this.client.convert(input, options)
  }

  /**
   * Converts one input range by range, each yielded in page order. Aborting `signal` or returning the iterator
   * cancels every range still running, remote jobs included.
   */
  convertPages(
    input: ConvertInput,
    options: ConvertPagesOptions & { signal: AbortSignal },
  ): AsyncIterable<PageResult> {
    return this.client.convertPages(input, options)
  }
}
