/** The module a conversion thread of the local engine runs: its tasks, with OCR called back on the main thread. */
import { taskThreadEntry } from '../shared/threads/thread-entry.js'
import type { TaskOutcome, ThreadMessage } from '../shared/threads/thread-messages.js'
import { performConversion } from './conversion-tasks.js'

const run: (message: ThreadMessage) => Promise<TaskOutcome> = taskThreadEntry(performConversion)
export default run
