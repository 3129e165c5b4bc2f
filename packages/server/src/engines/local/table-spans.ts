const cellPattern = /<(td|th)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi
const rowPattern = /<tr\b[^>]*>([\s\S]*?)<\/tr\s*>/gi

function span(attributes: string, name: string): number {
  const match = new RegExp(`\\b${name}\\s*=\\s*["']?(\\d+)`, 'i').exec(attributes)
  const value = match ? Number(match[1]) : 1
  return Number.isInteger(value) && value >= 1 ? Math.min(value, 50) : 1
}

function expandTable(table: string): string {
  const carried = new Map<number, { html: string; rows: number }>()
  return table.replace(rowPattern, (row: string, inner: string) => {
    const cells: string[] = []
    let column = 0
    const take = (): void => {
      let entry = carried.get(column)
      while (entry) {
        cells.push(entry.html)
        if (--entry.rows === 0) carried.delete(column)
        column++
        entry = carried.get(column)
      }
    }
    for (const match of inner.matchAll(cellPattern)) {
      take()
      const [, tag = 'td', attributes = '', content = ''] = match
      const clean = attributes.replace(/\b(?:colspan|rowspan)\s*=\s*["']?\d+["']?/gi, '').trimEnd()
      const html = `<${tag}${clean}>${content}</${tag}>`
      const columns = span(attributes, 'colspan')
      const rows = span(attributes, 'rowspan')
      for (let index = 0; index < columns; index++) {
        cells.push(html)
        if (rows > 1) carried.set(column, { html, rows: rows - 1 })
        column++
      }
    }
    take()
    const open = /^<tr\b[^>]*>/i.exec(row)?.[0] ?? '<tr>'
    return `${open}${cells.join('')}</tr>`
  })
}

/**
 * Repeats cells with `colspan`/`rowspan` into each grid position they cover. Tables nested in tables are left
 * as they are: a regular expression cannot pair their tags reliably.
 */
export function expandTableSpans(html: string): string {
  if (!/\b(?:colspan|rowspan)\s*=/i.test(html)) return html
  return html.replace(/<table\b[^>]*>([\s\S]*?)<\/table\s*>/gi, (table: string, inner: string) =>
    /<table\b/i.test(inner) ? table : expandTable(table),
  )
}
