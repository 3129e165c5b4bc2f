import { describe, expect, it } from 'vitest'
import { htmlToMarkdown } from './html-to-markdown.js'

describe('htmlToMarkdown table cells', () => {
  it('writes line breaks and paragraphs inside a cell as <br>, never gluing words', async () => {
    const markdown = await htmlToMarkdown(
      '<table><tr><th>Name</th><th>Notes</th></tr>' +
        '<tr><td><p>First Line</p><p>Second Line</p></td><td>A<br>B<br/>C</td></tr>' +
        '<tr><td><div>x</div><div>y</div></td><td><ul><li>one</li><li>two</li></ul></td></tr></table>',
    )
    expect(markdown).toMatch(/^\| First Line<br>Second Line +\| A<br>B<br>C +\|$/m)
    expect(markdown).toMatch(/^\| x<br>y +\| - one<br>- two +\|$/m)
  })

  it('flattens a nested table into one line per row inside its cell', async () => {
    const markdown = await htmlToMarkdown(
      '<table><tr><th>Key</th><th>Value</th></tr><tr><td>grid</td><td>' +
        '<table><tr><td>A1</td><td>B1</td><td>C1</td></tr><tr><td>A2</td><td>B2</td><td>C2</td></tr></table>' +
        '</td></tr></table>',
    )
    expect(markdown).toMatch(/^\| grid +\| A1 \\\| B1 \\\| C1<br>A2 \\\| B2 \\\| C2 +\|$/m)
    // Two columns, however many the nested table has.
    expect(markdown.split('\n')[1]).toMatch(/^\| -+ \| -+ \|$/)
  })

  it('escapes every pipe of a cell', async () => {
    const markdown = await htmlToMarkdown('<table><tr><td>a | b | c</td><td>d</td></tr></table>')
    expect(markdown).toContain('a \\| b \\| c')
  })
})

describe('htmlToMarkdown forms', () => {
  it('keeps a page wrapped in a form, leaving out the form controls', async () => {
    const markdown = await htmlToMarkdown(
      '<form id="aspnetForm" action="/search"><h1>Council news</h1><p>The pool reopens in May.</p>' +
        '<label for="q">Search the site</label><input id="q" name="q"><button>Go</button>' +
        '<select><option>One</option></select><textarea>typed</textarea></form>',
    )
    expect(markdown).toBe('# Council news\n\nThe pool reopens in May.\n\nSearch the site')
  })
})
