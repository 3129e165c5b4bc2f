/**
 * `@numarkdown/protocol/testing`: raw model outputs with the parts they split into — closed, cut off, every tag
 * spelling — for the tests of anything that splits or recovers NuMarkdown output (this package's splitter, the
 * client's recovery of a result, a server's engine), so that all of them are held to one table.
 */
import type { ModelOutputParts } from './model-output.js'

/** One raw model output and how it splits. */
export interface ModelOutputCase extends ModelOutputParts {
  /** What the case is about, for a test's name. */
  name: string
  /** The output as the model wrote it. */
  raw: string
}

/** Raw NuMarkdown outputs and the parts `splitModelOutput()` gives for each. */
export const modelOutputCases: readonly ModelOutputCase[] = [
  {
    name: 'closed <think> and <answer>, spaces trimmed',
    raw: '<think> a </think>\n<answer> b </answer>',
    reasoning: 'a',
    answer: 'b',
    tagged: true,
    cutOff: false,
  },
  ...['think', 'thinking', 'thought', 'thoughts', 'reasoning', 'reason'].map((tag) => ({
    name: `closed <${tag}> and <answer>`,
    raw: `<${tag}>why</${tag}><answer># Title</answer>`,
    reasoning: 'why',
    answer: '# Title',
    tagged: true,
    cutOff: false,
  })),
  {
    name: 'tags in capitals, on lines of their own',
    raw: '<THINKING>\nhmm\n</THINKING>\n<ANSWER>\nText\n</ANSWER>',
    reasoning: 'hmm',
    answer: 'Text',
    tagged: true,
    cutOff: false,
  },
  {
    name: 'spaces inside the tags',
    raw: '<think >a</think ><answer >b</answer >',
    reasoning: 'a',
    answer: 'b',
    tagged: true,
    cutOff: false,
  },
  {
    name: 'an answer without reasoning',
    raw: '<answer>done</answer>',
    reasoning: '',
    answer: 'done',
    tagged: true,
    cutOff: false,
  },
  {
    name: 'untagged text after the closed reasoning',
    raw: '<think>a</think>\n# Untagged answer',
    reasoning: 'a',
    answer: '# Untagged answer',
    tagged: true,
    cutOff: false,
  },
  {
    name: 'the reasoning tag opened in the prompt: the output starts inside it',
    raw: 'read the page</think>\n# Title',
    reasoning: '',
    answer: '# Title',
    tagged: true,
    cutOff: false,
  },
  {
    name: 'no tags at all',
    raw: '# Just markdown',
    reasoning: '',
    answer: '# Just markdown',
    tagged: false,
    cutOff: false,
  },
  {
    name: 'cut off inside the reasoning',
    raw: '<think>only thinking, cut',
    reasoning: 'only thinking, cut',
    answer: '',
    tagged: true,
    cutOff: true,
  },
  {
    name: 'cut off inside the answer',
    raw: '<think>plan</think><answer># Title\nbody',
    reasoning: 'plan',
    answer: '# Title\nbody',
    tagged: true,
    cutOff: true,
  },
  {
    name: 'cut off inside the answer, another spelling, capitals',
    raw: '<reasoning>a</reasoning>\n<ANSWER>b',
    reasoning: 'a',
    answer: 'b',
    tagged: true,
    cutOff: true,
  },
  {
    name: 'reasoning never closed, then a cut-off answer',
    raw: '<think>a<answer>half',
    reasoning: 'a',
    answer: 'half',
    tagged: true,
    cutOff: true,
  },
  {
    name: 'reasoning never closed, then a closed answer',
    raw: '<think>a<answer>whole</answer>',
    reasoning: 'a',
    answer: 'whole',
    tagged: true,
    cutOff: false,
  },
]
