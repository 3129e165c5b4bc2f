import type { DocumentSplitter } from '../document-splitter.js'

/**
 * The splitter `loadAndSplit()` uses when given none: LangChain's markdown-aware `MarkdownTextSplitter`, loaded
 * only then, so `@langchain/textsplitters` is needed only by callers who rely on this default.
 */
export async function defaultSplitter(): Promise<DocumentSplitter> {
  let textSplitters: typeof import('@langchain/textsplitters')
  try {
    textSplitters = await import('@langchain/textsplitters')
  } catch (error) {
    throw new Error(
      'NuMarkdownLoader.loadAndSplit() without a splitter uses MarkdownTextSplitter from @langchain/textsplitters, which is not installed: install it or pass a splitter',
      { cause: error },
    )
  }
  return new textSplitters.MarkdownTextSplitter()
}
