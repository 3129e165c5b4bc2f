/**
 * Bearer tokens and the owners they act for. A token given as a plain string gets an owner name derived from it
 * by a hash keyed with a secret of this server: never the token itself (job objects and request logs show
 * owners), and not a plain hash either, which would let a weak token be guessed offline from its owner's name.
 */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ServerToken } from '../types.js'

/** Who a request acts for. */
export interface Principal {
  owner: string
  organization?: string
}

/**
 * Checks bearer tokens in constant time: every accepted token is compared (by SHA-256 digest, so
 * lengths never leak) whatever matches first.
 */
export class TokenVerifier {
  readonly #entries: Array<{ digest: Buffer; principal: Principal }>

  /**
   * `ownerKey` derives the owners of plain-string tokens: random for each start by default; a cluster passes the
   * key all its nodes share.
   */
  constructor(tokens: Array<ServerToken | string>, ownerKey: Buffer = randomBytes(32)) {
    this.#entries = tokens.map((token) => {
      const entry = typeof token === 'string' ? { token, owner: derivedOwner(token, ownerKey) } : token
      const principal: Principal =
        entry.organization === undefined
          ? { owner: entry.owner }
          : { owner: entry.owner, organization: entry.organization }
      return { digest: digest(entry.token), principal }
    })
  }

  /** The principal of an `Authorization` header value, or undefined when it is missing or wrong. */
  verify(header: string | undefined): Principal | undefined {
    if (header === undefined) return undefined
    const found = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
    if (!found?.[1]) return undefined
    const candidate = digest(found[1])
    let principal: Principal | undefined
    for (const entry of this.#entries) {
      if (timingSafeEqual(candidate, entry.digest) && principal === undefined) principal = entry.principal
    }
    return principal
  }
}

/** `user-` and 16 hex digits of a keyed hash of the token. */
function derivedOwner(token: string, key: Buffer): string {
  return `user-${createHmac('sha256', key).update(token, 'utf8').digest('hex').slice(0, 16)}`
}

function digest(token: string): Buffer {
  // One call, no Hash object: this runs before every request's route.
  return hash('sha256', token, 'buffer')
}
