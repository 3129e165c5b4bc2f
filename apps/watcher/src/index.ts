export { createDisplay, type Display, type DisplayOptions, type Level, type Snapshot } from './display.js'
export { WatcherError, type WatcherErrorCode } from './errors.js'
export {
  DEFAULT_EXTENSIONS,
  type LogFormat,
  type OnSuccess,
  type ResolvedOptions,
  resolveOptions,
  type WatcherOptions,
} from './options.js'
export {
  createWatcher,
  formatSummary,
  type Outcome,
  type Summary,
  type SummaryRow,
  type Watcher,
  type WatcherHooks,
} from './watcher.js'
