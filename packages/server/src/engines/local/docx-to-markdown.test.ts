import { describe, expect, it } from 'vitest'
import { docxToMarkdown } from './docx-to-markdown.js'
import {
  chartParagraph,
  equation,
  footnoteReference,
  makeDocx,
  math,
  numbering,
  paragraph,
  run,
  table,
} from './test-docx.js'

async function convert(...args: Parameters<typeof makeDocx>): Promise<string> {
  return (await docxToMarkdown(Buffer.from(await makeDocx(...args)))).markdown
}

describe('docxToMarkdown', () => {
  it('writes paragraphs inside a table cell with <br> and flattens a nested table', async () => {
    const markdown = await convert({
      body: table([
        ['Item', 'Details'],
        ['Lamp', [paragraph('First Line'), paragraph('Second Line')]],
        [
          'Grid',
          [
            table([
              ['A1', 'B1', 'C1'],
              ['A2', 'B2', 'C2'],
            ]),
          ],
        ],
      ]),
    })
    expect(markdown).toMatch(/^\| Lamp +\| First Line<br>Second Line +\|$/m)
    expect(markdown).toMatch(/^\| Grid +\| A1 \\\| B1 \\\| C1<br>A2 \\\| B2 \\\| C2 +\|$/m)
  })

  it('writes equations as LaTeX, inline and on their own line', async () => {
    const markdown = await convert({
      body:
        paragraph([
          run('The ratio '),
          equation(math.fraction(math.text('a'), math.text('b'))),
          run(' is small.'),
        ]) +
        equation(
          `${math.superscript(math.text('E'), math.text('2'))}${math.text('=')}${math.sum(
            math.text('i=1'),
            math.text('n'),
            math.subscript(math.text('x'), math.text('i')),
          )}${math.text('+')}${math.root(math.text('y'))}`,
          true,
        ),
    })
    expect(markdown).toContain('The ratio $\\frac{a}{b}$ is small.')
    expect(markdown).toMatch(/^\$\$\{E\}\^\{2\}=\\sum_\{i=1\}\^\{n\} \{x\}_\{i\}\+\\sqrt\{y\}\$\$$/m)
  })

  it('writes the data of a chart as a table', async () => {
    const markdown = await convert({
      body: paragraph('Sales by quarter:') + chartParagraph(1),
      charts: [
        {
          title: 'Regional sales',
          categories: ['Q1', 'Q2'],
          series: [
            { name: 'North', values: [120, 180] },
            { name: 'South', values: [95, 97] },
          ],
        },
      ],
    })
    expect(markdown).toContain(
      'Regional sales\n\n|  | North | South |\n| - | - | - |\n| Q1 | 120 | 95 |\n| Q2 | 180 | 97 |',
    )
  })

  it('keeps multi-level list numbers and heading numbers', async () => {
    const markdown = await convert({
      numbering: numbering([
        [{ format: '%1.' }, { format: '%1.%2.' }, { format: '%1.%2.%3.' }, { format: '%1.%2.%3.%4' }],
        [{ format: '%1.' }],
      ]),
      body: [
        paragraph('Scope', { style: 'Heading1', numId: 1, level: 0 }),
        paragraph('Terms', { style: 'Heading1', numId: 1, level: 0 }),
        paragraph('Parties', { numId: 1, level: 1 }),
        paragraph('Buyer', { numId: 1, level: 1 }),
        paragraph('Duties', { numId: 1, level: 1 }),
        paragraph('Notice', { numId: 1, level: 2 }),
        paragraph('Written notice', { numId: 1, level: 3 }),
        paragraph('Plain item one', { numId: 2 }),
        paragraph('Plain item two', { numId: 2 }),
      ].join(''),
    })
    expect(markdown).toMatch(/^# 1\. Scope$/m)
    expect(markdown).toMatch(/^# 2\. Terms$/m)
    expect(markdown).toContain('2.3. Duties')
    expect(markdown).toContain('2.3.1. Notice')
    expect(markdown).toContain('2.3.1.1 Written notice')
    expect(markdown).toContain('1. Plain item one\n2. Plain item two')
  })

  it('writes footnotes as markdown footnotes, without anchor words', async () => {
    const markdown = await convert({
      body: paragraph([run('Rivers flood in spring'), footnoteReference(1), run(' and dry in summer.')]),
      footnotes: ['Measured at the Lower Weir gauge.'],
    })
    expect(markdown).toContain('Rivers flood in spring[^1] and dry in summer.')
    expect(markdown).toMatch(/^\[\^1\]: Measured at the Lower Weir gauge\.$/m)
    expect(markdown).not.toMatch(/footnote|↑/)
  })
})
