/** Describes a received value for an error message without ever printing a long string or a whole object. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value
    return `a string (${JSON.stringify(shown)})`
  }
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`
  }
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (value instanceof URL) return `URL ${value.href}`
  const name = (value as object).constructor?.name
  if (typeof value === 'object' && 'input' in value) return `{ input: ${describe(value.input)} }`
  return name && name !== 'Object' ? `an instance of ${name}` : 'a plain object'
}
