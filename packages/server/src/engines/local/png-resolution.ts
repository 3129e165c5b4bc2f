/**
 * Tells tesseract at what resolution a page was rendered. A PNG from the canvas carries no resolution, and
 * tesseract then warns on every page ("Invalid resolution 0 dpi") and guesses 70 DPI for its size heuristics.
 * This adds the PNG `pHYs` chunk (pixels per metre) right after the header.
 */

const crcTable = Array.from({ length: 256 }, (_, index) => {
  let value = index
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1
  return value >>> 0
})

/** The CRC-32 of PNG chunks (type and data). */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** The PNG with its resolution set to `dpi`; other bytes, or a PNG that already has one, come back unchanged. */
export function withPngResolution(png: Buffer, dpi: number): Buffer {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (png.length < 33 || !signature.every((byte, index) => png[index] === byte)) return png
  if (png.subarray(0, Math.min(png.length, 4096)).includes(Buffer.from('pHYs'))) return png
  // The header chunk: 4 bytes length (13), 4 bytes type, 13 bytes data, 4 bytes CRC.
  const headerEnd = 8 + 4 + 4 + 13 + 4
  const pixelsPerMetre = Math.round(dpi / 0.0254)
  const chunk = Buffer.alloc(4 + 4 + 9 + 4)
  chunk.writeUInt32BE(9, 0)
  chunk.write('pHYs', 4, 'latin1')
  chunk.writeUInt32BE(pixelsPerMetre, 8)
  chunk.writeUInt32BE(pixelsPerMetre, 12)
  chunk.writeUInt8(1, 16)
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 17)), 17)
  return Buffer.concat([png.subarray(0, headerEnd), chunk, png.subarray(headerEnd)])
}
