/**
 * The job object of the API (`GET /api/jobs/{jobId}`, the `result` event of its stream, the items of the job
 * list), declared once: the client reads it, the server writes it.
 */

/** A job object as the API returns it (`GET /api/jobs/{jobId}`). Unknown fields are kept. */
export interface Job {
  id: string
  jobType: string
  /**
   * `completed` on success; `failed`, `error`, `cancelled`/`canceled`, `timeout` are failures; anything else is
   * running. Read it with `statusKind()`: other servers may spell it in another case.
   */
  status: string
  ownerUser: string
  ownerOrganization?: string
  /** A description of the input; this API's servers put `{ filename, contentType, size, sha256 }` as JSON. */
  inputData: string
  /** A JSON document inside a string (the result, for a completed job): read it with `readOutputData()`. */
  outputData?: string
  /** Set when the job failed. */
  errorMessage?: string
  /** Set when the job failed. */
  errorCode?: string
  /** ISO 8601 date-time. */
  startedAt: string
  /** ISO 8601 date-time, once finished. */
  completedAt?: string
  /** ISO 8601 date-time. */
  createdAt: string
  /** ISO 8601 date-time. */
  updatedAt: string
  [field: string]: unknown
}

/** One page of the job list (`GET /api/jobs`). */
export interface JobList {
  /** Jobs of the owner (and organization, when asked) in all. */
  totalCount: number
  /** Jobs skipped before the first item. */
  skip: number
  /** The page size asked for. */
  perPage: number
  /** The jobs of this page, newest first. */
  items: Job[]
}
