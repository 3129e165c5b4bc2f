/**
 * Word stores equations as Office Math Markup (OMML), which mammoth drops. This writes an `m:oMath` element as
 * LaTeX, the notation markdown readers render between `$` signs: fractions, scripts, roots, n-ary operators,
 * delimiters, functions, accents, limits, matrices and equation arrays; unknown elements keep their text.
 */

/** The little of a DOM element this needs (xmldom's elements have it). */
export interface XmlElement {
  nodeType: number
  localName: string | null
  namespaceURI: string | null
  textContent: string | null
  childNodes: ArrayLike<XmlElement>
  getAttribute(name: string): string | null
  getAttributeNS(namespace: string, name: string): string | null
}

const mathNamespace = 'http://schemas.openxmlformats.org/officeDocument/2006/math'

/** Characters with a LaTeX command of their own. */
const symbols: Record<string, string> = {
  α: '\\alpha',
  β: '\\beta',
  γ: '\\gamma',
  δ: '\\delta',
  ε: '\\epsilon',
  θ: '\\theta',
  λ: '\\lambda',
  μ: '\\mu',
  π: '\\pi',
  ρ: '\\rho',
  σ: '\\sigma',
  τ: '\\tau',
  φ: '\\phi',
  ω: '\\omega',
  Δ: '\\Delta',
  Σ: '\\Sigma',
  Ω: '\\Omega',
  '∞': '\\infty',
  '±': '\\pm',
  '×': '\\times',
  '÷': '\\div',
  '·': '\\cdot',
  '≤': '\\leq',
  '≥': '\\geq',
  '≠': '\\neq',
  '≈': '\\approx',
  '→': '\\rightarrow',
  '∈': '\\in',
  '∂': '\\partial',
  '∇': '\\nabla',
}

const naryOperators: Record<string, string> = {
  '∑': '\\sum',
  '∏': '\\prod',
  '∫': '\\int',
  '∬': '\\iint',
  '∮': '\\oint',
  '⋃': '\\bigcup',
  '⋂': '\\bigcap',
}

const accents: Record<string, string> = {
  '\u0302': '\\hat',
  '\u0303': '\\tilde',
  '\u0307': '\\dot',
  '\u0308': '\\ddot',
  '\u0304': '\\bar',
  '\u20D7': '\\vec',
}

const knownFunctions = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'log',
  'ln',
  'exp',
  'lim',
  'max',
  'min',
  'sup',
  'inf',
  'det',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'tanh',
])

const delimiters: Record<string, string> = {
  '{': '\\{',
  '}': '\\}',
  '⌊': '\\lfloor',
  '⌋': '\\rfloor',
  '⌈': '\\lceil',
  '⌉': '\\rceil',
  '‖': '\\|',
  '〈': '\\langle',
  '〉': '\\rangle',
}

function elements(node: XmlElement): XmlElement[] {
  return Array.from(node.childNodes).filter((child) => child.nodeType === 1)
}

function child(node: XmlElement, name: string): XmlElement | undefined {
  return elements(node).find((element) => element.localName === name)
}

function property(node: XmlElement, container: string, name: string): string | undefined {
  const properties = child(node, container)
  const element = properties && child(properties, name)
  if (!element) return undefined
  return element.getAttributeNS(mathNamespace, 'val') ?? element.getAttribute('m:val') ?? undefined
}

function escapeText(text: string): string {
  let out = ''
  for (const character of text) {
    if (symbols[character]) out += `${symbols[character]} `
    else if ('#$%&_{}'.includes(character)) out += `\\${character}`
    else if (character === '\\') out += '\\backslash '
    else out += character
  }
  return out.replace(/ $/, '')
}

function group(latex: string): string {
  return `{${latex.trim()}}`
}

function delimiter(character: string): string {
  if (character === '') return '.'
  return delimiters[character] ?? character
}

/** The LaTeX of the children of an OMML element, in order. */
function children(node: XmlElement): string {
  return elements(node)
    .map((element) => convert(element))
    .join('')
}

function part(node: XmlElement, name: string): string {
  const element = child(node, name)
  return element ? children(element).trim() : ''
}

function convert(node: XmlElement): string {
  if (node.namespaceURI !== mathNamespace) {
    // Word runs (`w:r`) inside equations carry text too; their properties carry none.
    return node.localName === 'r' || node.localName === 't' ? escapeText(node.textContent ?? '') : ''
  }
  switch (node.localName) {
    case 'r':
      return escapeText(elements(node).find((element) => element.localName === 't')?.textContent ?? '')
    case 't':
      return escapeText(node.textContent ?? '')
    case 'f': {
      const type = property(node, 'fPr', 'type')
      const numerator = part(node, 'num')
      const denominator = part(node, 'den')
      if (type === 'lin') return `${numerator}/${denominator}`
      if (type === 'noBar') return `\\binom${group(numerator)}${group(denominator)}`
      return `\\frac${group(numerator)}${group(denominator)}`
    }
    case 'sSup':
      return `${group(part(node, 'e'))}^${group(part(node, 'sup'))}`
    case 'sSub':
      return `${group(part(node, 'e'))}_${group(part(node, 'sub'))}`
    case 'sSubSup':
      return `${group(part(node, 'e'))}_${group(part(node, 'sub'))}^${group(part(node, 'sup'))}`
    case 'sPre':
      return `{}_${group(part(node, 'sub'))}^${group(part(node, 'sup'))}${group(part(node, 'e'))}`
    case 'rad': {
      const degree = part(node, 'deg')
      return `\\sqrt${degree ? `[${degree}]` : ''}${group(part(node, 'e'))}`
    }
    case 'nary': {
      const character = property(node, 'naryPr', 'chr') ?? '∫'
      const operator = naryOperators[character] ?? escapeText(character)
      const from = part(node, 'sub')
      const to = part(node, 'sup')
      return `${operator}${from ? `_${group(from)}` : ''}${to ? `^${group(to)}` : ''} ${part(node, 'e')}`
    }
    case 'd': {
      const open = property(node, 'dPr', 'begChr') ?? '('
      const close = property(node, 'dPr', 'endChr') ?? ')'
      const separator = property(node, 'dPr', 'sepChr') ?? '|'
      const inner = elements(node)
        .filter((element) => element.localName === 'e')
        .map((element) => children(element).trim())
        .join(` ${delimiter(separator)} `)
      return `\\left${delimiter(open)}${inner}\\right${delimiter(close)}`
    }
    case 'func': {
      const name = part(node, 'fName')
      const plain = name.replace(/\\/g, '')
      const head = knownFunctions.has(plain)
        ? `\\${plain}`
        : /^[A-Za-z]+$/.test(plain)
          ? `\\operatorname{${plain}}`
          : name
      return `${head}${group(part(node, 'e'))}`
    }
    case 'acc': {
      const character = property(node, 'accPr', 'chr') ?? '\u0302'
      return `${accents[character] ?? '\\hat'}${group(part(node, 'e'))}`
    }
    case 'bar': {
      const position = property(node, 'barPr', 'pos')
      return `${position === 'bot' ? '\\underline' : '\\overline'}${group(part(node, 'e'))}`
    }
    case 'groupChr': {
      const position = property(node, 'groupChrPr', 'pos')
      return `${position === 'top' ? '\\overbrace' : '\\underbrace'}${group(part(node, 'e'))}`
    }
    case 'limLow': {
      const base = part(node, 'e')
      const limit = part(node, 'lim')
      return `${base === 'lim' ? '\\lim' : group(base)}_${group(limit)}`
    }
    case 'limUpp':
      return `\\overset${group(part(node, 'lim'))}${group(part(node, 'e'))}`
    case 'm': {
      const rows = elements(node)
        .filter((element) => element.localName === 'mr')
        .map((row) =>
          elements(row)
            .filter((element) => element.localName === 'e')
            .map((cell) => children(cell).trim())
            .join(' & '),
        )
      return `\\begin{matrix}${rows.join(' \\\\ ')}\\end{matrix}`
    }
    case 'eqArr': {
      const rows = elements(node)
        .filter((element) => element.localName === 'e')
        .map((row) => children(row).trim())
      return `\\begin{aligned}${rows.join(' \\\\ ')}\\end{aligned}`
    }
    default:
      // Properties say how to draw, not what; containers (e, num, box, oMath...) are their content.
      return node.localName?.endsWith('Pr') ? '' : children(node)
  }
}

/** The LaTeX of an `m:oMath` (or any OMML) element, without the surrounding `$`. */
export function ommlToLatex(node: XmlElement): string {
  return convert(node).replace(/\s+/g, ' ').trim()
}
