/** A vision model's reply to one page, split into its reasoning and its answer. */
export interface SplitOutput {
  reasoning: string
  answer: string
  /** The reply was cut off (an open tag never closed, or the token limit reached). */
  partial: boolean
}

const thinkTag = '(?:think|thinking|reasoning|thought)'

/**
 * Splits NuMarkdown output: `<think>…</think><answer>…</answer>`. Tolerates `<thinking>`-style spellings, a
 * missing `<answer>` (text after the closed reasoning is the answer; a reply without tags is all answer) and a
 * missing closing tag (what is there is kept, and the reply is partial).
 */
export function splitModelOutput(raw: string, cutOff: boolean): SplitOutput {
  let partial = cutOff
  let reasoning = ''
  let rest = raw
  const think = new RegExp(`<${thinkTag}\\s*>([\\s\\S]*?)(</${thinkTag}\\s*>|(?=<answer\\s*>)|$)`, 'i').exec(
    raw,
  )
  if (think) {
    reasoning = (think[1] ?? '').trim()
    if (!think[2] && !/<answer\s*>/i.test(raw)) {
      return { reasoning, answer: '', partial: true }
    }
    rest = raw.slice(think.index + think[0].length)
  }
  let answer: string
  const tagged = /<answer\s*>([\s\S]*?)(<\/answer\s*>|$)/i.exec(rest)
  if (tagged) {
    answer = (tagged[1] ?? '').trim()
    if (!tagged[2]) partial = true
  } else {
    answer = rest.replace(/<\/?answer\s*>/gi, '').trim()
  }
  return { reasoning, answer, partial }
}
