/**
 * The one open file a conversion reads: checked for completeness, hashed, then uploaded from, whatever the
 * path names meanwhile. A document of up to 1 MiB is read once, in one read: the bytes checked and hashed are
 * the bytes uploaded (and sent again on a retry); on a local file system it is opened and read with
 * synchronous calls, each a few microseconds from the page cache where an asynchronous one costs the main
 * thread a round trip through the thread pool (about ten times that on a busy machine); a larger one is checked and hashed, then streamed from the
 * open file, never held whole in memory. A job resumed from the journal has no file open: if the server forgot
 * the job, the document is opened (safely) when it must be sent again. The file is closed once the conversion
 * has ended.
 */
import { createHash } from 'node:crypto'
import { closeSync, fstatSync } from 'node:fs'

import type { ConvertInput } from '@numarkdown/core'
import { checkDocument, type DocumentDefect } from '../detection/document-check.js'
import {
  handleBlob,
  type OpenDocument,
  type OpenRefusal,
  openDocument,
  type ReadDocument,
  readRange,
  readSmallDocumentSync,
  sha256OfHandle,
} from '../detection/document-file.js'
import { type FileSignature, sameSignature, signatureOf } from '../detection/file-signature.js'
import { onLocalFileSystem } from '../detection/mounts.js'
import { inboxPath, type ScanContext } from '../detection/scanner.js'
import type { UploadSource } from './submit-and-wait.js'
import { uploadName } from './upload-identity.js'

/** Documents up to this size are read into memory once, hashed and uploaded from there. */
const inMemoryMaxBytes = 1024 * 1024

/** The open document changed or was replaced while it was being read: look at it again. */
export class SourceChanged extends Error {}

export interface DocumentSourceOptions {
  context: ScanContext
  /** The document, relative to the inbox. */
  path: string
  /** The signature the document held still with: the one hashed and sent must still have it. */
  signature: FileSignature
}

export class DocumentSource implements UploadSource {
  readonly #context: ScanContext
  readonly #path: string
  readonly #signature: FileSignature
  #document: OpenDocument | undefined
  /** A small document on a local file system, opened and read at once instead of `#document`. */
  #read: ReadDocument | undefined
  /** The whole content, as hashed, when it is small enough to keep. */
  #bytes: Buffer | undefined

  constructor({ context, path, signature }: DocumentSourceOptions) {
    this.#context = context
    this.#path = path
    this.#signature = signature
  }

  /**
   * Open the document; `undefined` once it is open, or why it could not be (see `openDocument`). Throws
   * file-system errors of the source (ENOENT, EACCES...).
   */
  async open(): Promise<OpenRefusal | undefined> {
    if (
      this.#signature.size <= inMemoryMaxBytes &&
      onLocalFileSystem(inboxPath(this.#context.realInbox, this.#path))
    ) {
      const read = readSmallDocumentSync(this.#context, this.#path, inMemoryMaxBytes)
      if (read !== undefined) {
        if ('kind' in read) return read
        this.#read = read
        return undefined
      }
    }
    return this.#openAsync()
  }

  async #openAsync(): Promise<OpenRefusal | undefined> {
    const opened = await openDocument(this.#context, this.#path)
    if ('kind' in opened) return opened
    this.#document = opened
    return undefined
  }

  /**
   * The open document's content when it is small enough to keep (read once, in one read), or `null` for a
   * larger one, read from the open file as needed; `undefined` when it is not the file that held still, or it
   * moved while it was read.
   */
  async #content(): Promise<Buffer | null | undefined> {
    if (this.#bytes) return this.#bytes
    const read = this.#read
    if (read) {
      const whole =
        sameSignature(signatureOf(read.stats), this.#signature) &&
        read.bytes.length === this.#signature.size &&
        sameSignature(signatureOf(read.after), this.#signature)
      if (!whole) return undefined
      this.#bytes = read.bytes
      return read.bytes
    }
    const document = this.#document
    if (!document || !sameSignature(signatureOf(document.stats), this.#signature)) return undefined
    const { size } = document.stats
    if (size > inMemoryMaxBytes) return null
    const bytes = await readRange(document.handle, 0, size)
    const after = await document.handle.stat()
    if (bytes.length !== size || !sameSignature(signatureOf(after), this.#signature)) return undefined
    this.#bytes = bytes
    return bytes
  }

  /**
   * What makes the open document impossible to convert as it is (see `checkDocument`), looked at in the bytes
   * that are hashed and uploaded; `'changed'` when it is not the file that held still, or moved.
   */
  async defect(extension: string): Promise<DocumentDefect | 'changed' | undefined> {
    const content = await this.#content()
    if (content === undefined) return 'changed'
    return checkDocument(content ?? this.#document!.handle, this.#signature.size, extension)
  }

  /** The sha256 of the open document, or `undefined` when it is not the file that held still, or moved. */
  async hashIfStill(): Promise<string | undefined> {
    const content = await this.#content()
    if (content === undefined) return undefined
    if (content) return createHash('sha256').update(content).digest('hex')
    const { handle } = this.#document!
    const sha256 = await sha256OfHandle(handle, this.#signature.size)
    const after = await handle.stat()
    return sameSignature(signatureOf(after), this.#signature) ? sha256 : undefined
  }

  async input(): Promise<ConvertInput> {
    if (this.#bytes) return { data: this.#bytes, filename: uploadName(this.#path) }
    if (this.#read) throw new SourceChanged(`${this.#path} changed`)
    if (!this.#document) {
      // A resumed job the server forgot: send the file again, opened (safely) now.
      const refusal = await this.#openAsync()
      if (refusal) throw new SourceChanged(`${this.#path} changed`)
      if (!sameSignature(signatureOf(this.#document!.stats), this.#signature)) {
        throw new SourceChanged(`${this.#path} changed`)
      }
    }
    return {
      data: handleBlob(this.#document!.handle, { size: this.#signature.size }),
      filename: uploadName(this.#path),
    }
  }

  /** True when the open document was written to since it held still (false when none was opened). */
  async changedSinceOpened(): Promise<boolean> {
    if (this.#read) {
      let after: FileSignature | undefined
      try {
        after = fstatSync(this.#read.descriptor)
      } catch {}
      return !after || !sameSignature(signatureOf(after), this.#signature)
    }
    if (!this.#document) return false
    const after = await this.#document.handle.stat().catch(() => undefined)
    return !after || !sameSignature(signatureOf(after), this.#signature)
  }

  async close(): Promise<void> {
    const read = this.#read
    // Closed once only: a descriptor's number is given to the next file opened.
    this.#read = undefined
    if (read) {
      try {
        closeSync(read.descriptor)
      } catch {}
    }
    await this.#document?.handle.close().catch(() => {})
  }
}
