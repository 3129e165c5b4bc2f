export { createDisplay, type DisplayOptions } from './display.js'
export { WatcherError, type WatcherErrorCode } from './errors.js'
export {
  DEFAULT_EXTENSIONS,
  defaultExtensions,
  type LogFormat,
  type OnPageError,
  type OnSuccess,
  type ResolvedOptions,
  resolveOptions,
  type WatcherOptions,
} from './options.js'
export type { Display, Level, Outcome, Snapshot, Summary, SummaryRow, Watcher } from './types.js'
export { createWatcher, formatSummary, type WatcherHooks } from './watcher.js'
