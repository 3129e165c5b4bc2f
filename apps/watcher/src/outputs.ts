/**
 * `numarkdown-watch/outputs`: how the watcher names and writes its output files, for the `numarkdown` command,
 * which writes into an `-o` folder by the same rules. One home for them keeps both tools' output folders alike
 * (the same safe relative names, the same shortening of long names) and their writes equally whole or absent.
 */
export { removeTemporaryFilesSync, writeFileAtomic } from './internal/outputs/atomic-write.js'
export { OutputError } from './internal/outputs/output-error.js'
export { inside, safeRelativePath } from './internal/outputs/output-paths.js'
