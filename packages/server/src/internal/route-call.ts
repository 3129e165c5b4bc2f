/**
 * A request on its way to its route, once it passed what every request passes (routing, the token, the shutdown
 * check), and the shape of a layer that stands between those checks and the routes: the fault plan of tests is
 * one, so that the routes themselves speak `API.md` only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestLogEntry } from '../types.js'
import type { Answer } from './answer.js'
import type { Principal } from './auth.js'
import type { RouteName } from './router.js'

export interface RouteCall {
  readonly route: RouteName
  /** The job ID of the path, for the routes of one job. */
  readonly jobId: string | undefined
  readonly query: URLSearchParams
  readonly principal: Principal
  readonly request: IncomingMessage
  /** For what a route does before it answers (invite an upload's body, keep the connection). */
  readonly response: ServerResponse
  /** The request's entry of the request log. */
  readonly entry: RequestLogEntry
  /** Aborts when the server shuts down. */
  readonly shutdown: AbortSignal
}

/** The routes of the API: an answer for each call. */
export type Routes = (call: RouteCall) => Promise<Answer>

/** Wraps the routes, seeing each call before them and each answer after them. */
export type RouteLayer = (routes: Routes) => Routes
