/** The module a rendering thread runs: the page-rendering tasks of {@link PageRenderer}. */
import { performRender } from './render-tasks.js'
import { taskThreadEntry } from './threads/thread-entry.js'
import type { TaskOutcome, ThreadMessage } from './threads/thread-messages.js'

const run: (message: ThreadMessage) => Promise<TaskOutcome> = taskThreadEntry(performRender)
export default run
