import { APIError, JobFailedError, NuMarkdownError } from '@numarkdown/core'

/** The body's message of an error response: the client prefixes it with the status. */
function responseMessage(error: APIError): string {
  const prefix = `${error.status}`
  if (error.message === prefix) return ''
  return error.message.startsWith(`${prefix} `) ? error.message.slice(prefix.length + 1) : error.message
}

/**
 * A document could not be converted. Names the `source`, and carries the job ID, HTTP status, code and the
 * server's own message when the failure came from the service; the original error is `cause`.
 */
export class NuMarkdownLoaderError extends NuMarkdownError {
  /** The `source` of the document that failed. */
  declare readonly source: string
  /** What the server said (an error response's message or the failed job's `errorMessage`), when it said it. */
  declare readonly serverMessage?: string

  constructor(source: string, cause: unknown) {
    const details = NuMarkdownError.isInstance(cause) ? cause : undefined
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`Could not convert ${JSON.stringify(source)}: ${reason}`, {
      cause,
      ...(details?.status === undefined ? {} : { status: details.status }),
      ...(details?.code === undefined ? {} : { code: details.code }),
      ...(details?.jobId === undefined ? {} : { jobId: details.jobId }),
    })
    this.source = source
    const serverMessage = JobFailedError.isInstance(cause)
      ? (cause.job?.errorMessage ?? cause.message)
      : APIError.isInstance(cause)
        ? responseMessage(cause)
        : undefined
    if (serverMessage !== undefined && serverMessage !== '') this.serverMessage = serverMessage
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      source: this.source,
      ...(this.serverMessage === undefined ? {} : { serverMessage: this.serverMessage }),
    }
  }
}
