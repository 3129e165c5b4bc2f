/** Text decoded from bytes, and the encoding it was read as. */
export interface DecodedText {
  text: string
  encoding: string
}

function decoder(label: string): TextDecoder | undefined {
  try {
    return new TextDecoder(label)
  } catch {
    return undefined
  }
}

/** Node's TextDecoder reads `windows-1252` as ISO-8859-1; these are the bytes 0x80–0x9F where the two differ. */
const windows1252High =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178'

function decodeWindows1252(data: Uint8Array): string {
  const codes = Array.from(data, (byte) =>
    byte >= 0x80 && byte <= 0x9f ? windows1252High.charCodeAt(byte - 0x80) : byte,
  )
  let text = ''
  for (let start = 0; start < codes.length; start += 8192) {
    text += String.fromCharCode(...codes.slice(start, start + 8192))
  }
  return text
}

/**
 * Decodes a text or HTML document: a byte-order mark decides, then UTF-8 when the bytes are valid UTF-8, then the
 * charset an HTML document declares in its first 2 KiB, then windows-1252 (which maps every byte).
 */
export function decodeText(data: Uint8Array, kind: 'html' | 'text'): DecodedText {
  if (data[0] === 0xff && data[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(data.subarray(2)), encoding: 'utf-16le' }
  if (data[0] === 0xfe && data[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(data.subarray(2)), encoding: 'utf-16be' }
  try {
    // TextDecoder drops a UTF-8 byte-order mark itself.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(data), encoding: 'utf-8' }
  } catch {
    // Not UTF-8: look further.
  }
  if (kind === 'html') {
    const head = new TextDecoder('latin1').decode(data.subarray(0, 2048))
    const label = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1]?.toLowerCase()
    const declared = label ? decoder(label) : undefined
    if (declared && declared.encoding !== 'utf-8')
      return { text: declared.decode(data), encoding: declared.encoding }
  }
  return { text: decodeWindows1252(data), encoding: 'windows-1252' }
}
