import { describe, expect, it } from 'vitest'
import { ValidationError } from './errors.js'
import { checkListParams, parseListParams } from './list-params.js'

describe('parseListParams', () => {
  it('defaults to skip 0 and perPage 30', () => {
    expect(parseListParams(new URLSearchParams(''))).toEqual({ skip: 0, perPage: 30 })
    expect(parseListParams(new URLSearchParams('perPage=100&organization=acme'))).toEqual({
      skip: 0,
      perPage: 100,
      organization: 'acme',
    })
  })

  it.each([
    ['skip=-1', 'skip'],
    ['perPage=0', 'perPage'],
    ['perPage=101', 'perPage'],
  ])('refuses %s with the text the API answers', (query, name) => {
    expect(() => parseListParams(new URLSearchParams(query))).toThrow(
      `Invalid value for: query parameter ${name}`,
    )
  })
})

describe('checkListParams', () => {
  it('applies the same defaults and ranges to what a caller gives', () => {
    expect(checkListParams({})).toEqual({ perPage: 30, skip: 0 })
    expect(checkListParams({ perPage: 100, skip: 5 })).toEqual({ perPage: 100, skip: 5 })
    expect(() => checkListParams({ perPage: 101 })).toThrow('expected an integer 1 ≤ perPage ≤ 100, got 101')
    expect(() => checkListParams({ skip: -1 })).toThrow(ValidationError)
  })
})
