/**
 * Which faults of a test's plan apply to each request: rules counted per route, skipped, limited and drawn from a
 * seeded generator, so that the same plan gives the same faults for the same requests. The plan is checked when
 * the server is created, naming the value received.
 */
import { checkKnownOptions, optionKeys, ValidationError } from '@numarkdown/protocol'
import type { FaultAction, FaultPlan, FaultRule } from '../../types.js'
import type { RouteName } from '../router.js'

const planKeys = optionKeys<FaultPlan>({ seed: true, rules: true })
const ruleKeys = optionKeys<FaultRule>({
  route: true,
  fault: true,
  count: true,
  skip: true,
  probability: true,
})

/** A fault other than a delay: at most one applies to a request. */
export type Fault = Exclude<FaultAction, { type: 'delay' }>

/** The faults chosen for one request: an added delay, and at most one other fault. */
export interface FaultDecision {
  delayMs: number
  fault?: Fault
  /** The type to record in the request log. */
  logged?: FaultAction['type']
}

/** A small seeded generator (mulberry32): the same seed gives the same faults for the same requests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Decides, request by request, which faults of a plan apply. Every rule counts each request of its route;
 * a rule applies once `skip` requests went by, at most `count` times, each time with its `probability`.
 * Delays add up; the first other applicable rule wins.
 */
export class FaultInjector {
  readonly #rules: Array<{ rule: FaultRule; seen: number; applied: number }>
  readonly #random: () => number

  constructor(plan: FaultPlan | undefined) {
    this.#rules = (plan?.rules ?? []).map((rule) => ({ rule, seen: 0, applied: 0 }))
    this.#random = seededRandom(plan?.seed ?? 1)
  }

  decide(route: RouteName): FaultDecision {
    const decision: FaultDecision = { delayMs: 0 }
    const matching = this.#rules.filter((entry) => entry.rule.route === route || entry.rule.route === '*')
    for (const entry of matching) entry.seen += 1
    for (const entry of matching) {
      const { rule } = entry
      if (rule.fault.type === 'dropStream' && route !== 'stream') continue
      if (entry.seen <= (rule.skip ?? 0)) continue
      if (rule.count !== undefined && entry.applied >= rule.count) continue
      if (rule.fault.type !== 'delay' && decision.fault) continue
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue
      entry.applied += 1
      if (rule.fault.type === 'delay') {
        decision.delayMs += rule.fault.ms
        decision.logged ??= 'delay'
      } else {
        decision.fault = rule.fault
        decision.logged = rule.fault.type
      }
    }
    return decision
  }
}

/** Check a plan at construction, naming the value received. */
export function validateFaultPlan(plan: FaultPlan): void {
  checkKnownOptions(plan, planKeys, 'faults')
  if (!Array.isArray(plan.rules))
    throw new ValidationError(`faults.rules must be an array, got ${String(plan.rules)}`, {
      parameter: 'rules',
    })
  const routes = new Set(['submit', 'getJob', 'stream', 'list', 'cancel', '*'])
  for (const [index, rule] of plan.rules.entries()) {
    checkKnownOptions(rule, ruleKeys, `faults.rules[${index}]`)
    if (!routes.has(rule.route)) {
      throw new ValidationError(
        `faults.rules[${index}].route must be one of ${[...routes].join(', ')}, got ${rule.route}`,
        { parameter: 'route' },
      )
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new ValidationError(
        `faults.rules[${index}].probability must be within 0..1, got ${rule.probability}`,
        { parameter: 'probability' },
      )
    }
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count >= 0)) {
      throw new ValidationError(`faults.rules[${index}].count must be an integer ≥ 0, got ${rule.count}`, {
        parameter: 'count',
      })
    }
    if (rule.skip !== undefined && !(Number.isInteger(rule.skip) && rule.skip >= 0)) {
      throw new ValidationError(`faults.rules[${index}].skip must be an integer ≥ 0, got ${rule.skip}`, {
        parameter: 'skip',
      })
    }
  }
}
