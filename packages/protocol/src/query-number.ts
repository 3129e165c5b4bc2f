/**
 * Numbers as the server reads them from a query string: stricter than `Number()`, which takes `''` for 0 and
 * `'1e2'` for 100 where the API means neither.
 */

/** A decimal number (`0.5`, `1`), or NaN for an empty or non-numeric text. */
export function parseQueryNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text)
}

/** An integer written in digits (an optional sign), or undefined; one beyond the safe range is undefined too. */
export function parseQueryInteger(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text.trim())) return undefined
  const number = Number(text)
  return Number.isSafeInteger(number) ? number : undefined
}
