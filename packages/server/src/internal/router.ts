import type { FaultRoute } from '../types.js'

/** A route of the API, as the fault plan and the request log name it. */
export type RouteName = Exclude<FaultRoute, '*'>

/** The outcome of matching a method and path against the API's routes. */
export type RouteMatch =
  | { kind: 'route'; route: RouteName; jobId?: string }
  | { kind: 'methodNotAllowed'; route: RouteName; allow: string }
  | { kind: 'notFound' }

const routes: Array<{ pattern: RegExp; method: string; route: RouteName }> = [
  { pattern: /^\/api\/markdown\/infer-async\/?$/, method: 'POST', route: 'submit' },
  { pattern: /^\/api\/jobs\/?$/, method: 'GET', route: 'list' },
  { pattern: /^\/api\/jobs\/([^/]+)\/?$/, method: 'GET', route: 'getJob' },
  { pattern: /^\/api\/jobs\/([^/]+)\/stream\/?$/, method: 'GET', route: 'stream' },
  { pattern: /^\/api\/jobs\/([^/]+)\/cancel\/?$/, method: 'POST', route: 'cancel' },
]

/** Match a request to a route; HEAD is treated as GET by Node's response handling. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const candidate of routes) {
    const found = candidate.pattern.exec(pathname)
    if (!found) continue
    const jobId = found[1] === undefined ? undefined : safeDecode(found[1])
    if (method === candidate.method || (method === 'HEAD' && candidate.method === 'GET')) {
      return jobId === undefined
        ? { kind: 'route', route: candidate.route }
        : { kind: 'route', route: candidate.route, jobId }
    }
    return { kind: 'methodNotAllowed', route: candidate.route, allow: candidate.method }
  }
  return { kind: 'notFound' }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
