/**
 * Fault injection for tests, as a layer around the routes: the fault plan picks, request by request, a fault that
 * answers instead of the route (a status, a rate limit, a reset before the body is read), or one that replaces
 * what the route answered once it did its work (a job created and then a 502, a reset or malformed JSON after the
 * answer, a stream dropped after some events). The routes know nothing of it; with no plan, there is no layer.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FaultAction, FaultPlan } from '../../types.js'
import {
  type Answer,
  apiError,
  type EventsAnswer,
  hangUp,
  type JsonAnswer,
  type TextAnswer,
} from '../answer.js'
import type { RouteLayer } from '../route-call.js'
import type { RouteName } from '../router.js'
import { type Fault, FaultInjector } from './fault-injector.js'

const statusCodes: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  408: 'RequestTimeout',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
}

/** On submit, these statuses come after the job was created (an upstream that failed after the work was taken). */
const statusesAfterSubmit = new Set([502, 504])

const malformedJson = '{"id": "truncated", "status": '

/** The layer that applies `plan` (checked by `validateFaultPlan`). */
export function faultLayer(plan: FaultPlan): RouteLayer {
  const injector = new FaultInjector(plan)
  return (routes) => async (call) => {
    const decision = injector.decide(call.route)
    if (decision.logged) call.entry.fault = decision.logged
    if (decision.delayMs > 0) {
      try {
        await sleep(decision.delayMs, undefined, { signal: call.shutdown })
      } catch {
        return hangUp
      }
    }
    const fault = decision.fault
    if (!fault) return routes(call)
    return answerBefore(call.route, fault) ?? answerAfter(call.route, fault, await routes(call))
  }
}

/** The answer of a fault that comes instead of the route, before the request's body is read. */
function answerBefore(route: RouteName, fault: Fault): Answer | undefined {
  switch (fault.type) {
    case 'reset':
      return fault.when === 'before' ? hangUp : undefined
    case 'rateLimit':
      return {
        ...apiError(429, 'RateLimited', 'Too many requests'),
        headers: { 'retry-after': String(fault.retryAfterSeconds) },
      }
    case 'status':
      return route === 'submit' && statusesAfterSubmit.has(fault.status) ? undefined : statusAnswer(fault)
    default:
      return undefined
  }
}

/**
 * The answer of a fault that comes after the route did its work: on submit only once the job was created, on the
 * stream only once it is open; a reset of the other routes cuts whatever they answered.
 */
function answerAfter(route: RouteName, fault: Fault, answer: Answer): Answer {
  if (answer.kind === 'events') {
    switch (fault.type) {
      case 'reset':
        return dropStream(answer, 0)
      case 'dropStream':
        return dropStream(answer, fault.afterEvents)
      case 'malformedJson':
        // Whatever the job's end, its one event is a result whose data is not JSON.
        return {
          kind: 'events',
          follow: (events) =>
            answer.follow({
              send: () => events.send('result', malformedJson),
              sendLast: () => events.sendLast('result', malformedJson),
              end: () => events.end(),
              dropAfter: (count) => events.dropAfter(count),
            }),
        }
      default:
        return answer
    }
  }
  const served = answer.kind !== 'hangUp' && answer.status < 300
  switch (fault.type) {
    case 'status':
      return served ? statusAnswer(fault) : answer
    case 'reset':
      return served || (route !== 'submit' && route !== 'stream') ? hangUp : answer
    case 'malformedJson':
      return served
        ? { kind: 'text', status: 200, text: malformedJson, headers: { 'content-type': 'application/json' } }
        : answer
    default:
      return answer
  }
}

function dropStream(answer: EventsAnswer, afterEvents: number): EventsAnswer {
  return {
    kind: 'events',
    follow: (events) => {
      events.dropAfter(afterEvents)
      return answer.follow(events)
    },
  }
}

function statusAnswer(fault: Extract<FaultAction, { type: 'status' }>): JsonAnswer | TextAnswer {
  if (fault.body !== undefined) return { kind: 'text', status: fault.status, text: fault.body }
  return apiError(
    fault.status,
    statusCodes[fault.status] ?? 'ServerError',
    `Injected fault: status ${fault.status}`,
  )
}
