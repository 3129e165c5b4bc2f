/**
 * The NuMarkdown model writes `<think>…</think>` then `<answer>…</answer>`. The server splits a vision model's
 * reply with this; the client recovers an answer from a raw output the service could not split with it. One
 * splitter, so that both sides accept every tag spelling and cut-off output alike.
 */

/** Every spelling of the reasoning tag a NuMarkdown model or a server around one has been seen to write. */
const reasoningTag = '(?:think|thinking|thought|thoughts|reasoning|reason)'
const openReasoning = new RegExp(
  `<${reasoningTag}\\s*>([\\s\\S]*?)(</${reasoningTag}\\s*>|(?=<answer\\s*>)|$)`,
  'i',
)
const closeReasoning = new RegExp(`</${reasoningTag}\\s*>`, 'i')
const answerBlock = /<answer\s*>([\s\S]*?)(<\/answer\s*>|$)/i
const answerTags = /<\/?answer\s*>/gi

/** A model output split into its parts. */
export interface ModelOutputParts {
  /** The reasoning, trimmed; empty when the output holds no reasoning block. */
  reasoning: string
  /**
   * The answer, trimmed: the `<answer>` block; else the text after the closed reasoning block; else, for an
   * output without tags, all of it. Empty when the output was cut off inside its reasoning.
   */
  answer: string
  /**
   * True when the answer was marked as one (an `<answer>` tag, or the end of a reasoning block before it); false
   * when the output holds no tag and `answer` is merely all of its text.
   */
  tagged: boolean
  /** True when a tag was opened and never closed: the output was cut off (by `maxOutputTokens`, say). */
  cutOff: boolean
}

/**
 * Splits NuMarkdown output: `<think>…</think><answer>…</answer>`. Tolerates every spelling of the reasoning tag
 * (`think`, `thinking`, `thought`, `thoughts`, `reasoning`, `reason`) in any case, a reasoning tag opened in the
 * prompt (output starting inside it), a missing `<answer>` (the text after the reasoning is the answer; an output
 * without tags is all answer) and a missing closing tag (what is there is kept, and `cutOff` is set).
 *
 * @example
 * splitModelOutput('<think>plan</think><answer># Title') // { reasoning: 'plan', answer: '# Title', tagged: true, cutOff: true }
 */
export function splitModelOutput(raw: string): ModelOutputParts {
  let reasoning = ''
  let rest = raw
  let tagged = false
  const opened = openReasoning.exec(raw)
  if (opened) {
    reasoning = (opened[1] ?? '').trim()
    tagged = true
    if (!opened[2] && !/<answer\s*>/i.test(raw)) return { reasoning, answer: '', tagged, cutOff: true }
    rest = raw.slice(opened.index + opened[0].length)
  } else {
    const closed = closeReasoning.exec(raw)
    if (closed) {
      tagged = true
      rest = raw.slice(closed.index + closed[0].length)
    }
  }
  const block = answerBlock.exec(rest)
  if (block) return { reasoning, answer: (block[1] ?? '').trim(), tagged: true, cutOff: !block[2] }
  return { reasoning, answer: rest.replace(answerTags, '').trim(), tagged, cutOff: false }
}
