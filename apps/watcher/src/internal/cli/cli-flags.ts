/**
 * The command's flags and its help text, with no import at all: `numarkdown-watch --help` reads its arguments
 * with these and answers before the watcher, the client or any dependency is loaded.
 */
export const helpText: string = `numarkdown-watch: convert every document dropped in a folder to markdown with NuMarkdown.

Usage: numarkdown-watch <inbox> [options]

Options (each also read from NUMARKDOWN_WATCH_<NAME>, e.g. NUMARKDOWN_WATCH_STABILITY_MS=500):
  --out <dir>             where markdown goes, mirroring the inbox (default: "out" beside the inbox)
  --once                  process what is there, print a summary, exit 0 if all succeeded, else 1
                          (a document with pages skipped by --on-page-error skip did not all succeed)
  --concurrency <n>       documents converted at once (default 2)
  --include <exts>        extensions taken (default pdf,png,jpg,jpeg,tif,tiff,webp,bmp,docx,html,htm,txt)
  --exclude <glob>        skip matching relative paths or names (repeatable)
  --stability-ms <n>      size and mtime must hold still this long before a file is taken (default 2000)
  --poll[=<ms>]           poll instead of native events (default: automatic on nfs/cifs/smb/fuse mounts)
  --rescan-ms <n>         full rescan interval, the source of truth (default 60000)
  --state <file>          the state journal (default <out>/.numarkdown-watch/state.jsonl)
  --reasoning             also write <name>.reasoning.md
  --on-success <what>     keep | move | delete the source once converted (default keep)
  --done-dir <dir>        where --on-success move puts sources (default <inbox>/.done)
  --delete-outputs        remove outputs when their source is deleted
  --base-url <url>        use the NuMind API (or a compatible server) at this URL
  --log <format>          pretty | json (default pretty on a terminal, json otherwise)
  --grace-ms <n>          time in-flight conversions get to finish on SIGINT/SIGTERM (default 30000)
  --max-attempts <n>      whole-conversion attempts for transient failures (default 5)
  --split-pages           convert PDFs page by page: progress per page, and a restart after a crash
                          converts again only the pages that never got a job (other documents: whole)
  --pages <spec>          PDFs only: convert only these pages, page by page, e.g. 1-3,7,10-
  --on-page-error <what>  with --split-pages or --pages: fail the document when a page fails (default
                          fail), or skip the page: a marker in its place, the failed pages named
  --queue <redis-url>     cluster mode: watchers on any machines that see the same inbox share one queue
                          and journal in Redis (redis://host:6379), each document converted once
  --queue-prefix <name>   cluster mode: the Redis key prefix, one per inbox (default numarkdown-watch)
  --queue-lock-ms <n>     cluster mode: a silent instance's documents are taken over after this (default 30000)
  --config <file>         a JSON file with these options (default ./numarkdown-watch.config.json if present)
  -h, --help              show this help
  -v, --version           print the version

Backend: with NUMIND_API_KEY (or --base-url) set, documents go to the NuMind API; otherwise a local
@numarkdown/server is started on 127.0.0.1 and converts them offline.

Exit codes: 0 done (or stopped with Ctrl-C), 1 some documents (or pages) failed (--once), 2 bad options, an inbox
or a --queue that cannot be used or an API key the service refused, 70 an internal error (printed).

Examples:
  numarkdown-watch ~/inbox --out ~/markdown
  numarkdown-watch ./scans --once --include pdf,png --reasoning
  NUMIND_API_KEY=... numarkdown-watch /mnt/share/inbox --poll=5000 --on-success move
  NUMIND_API_KEY=... numarkdown-watch /mnt/share/inbox --out /mnt/share/out --queue redis://10.0.0.5:6379
  numarkdown-watch examples/inbox --out examples/out --log json | jq .
`

/** The flags `parseArgs` reads (see `parseCli`). */
export const flagTable = {
  out: { type: 'string' },
  once: { type: 'boolean' },
  concurrency: { type: 'string' },
  include: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'stability-ms': { type: 'string' },
  poll: { type: 'boolean' },
  'rescan-ms': { type: 'string' },
  state: { type: 'string' },
  reasoning: { type: 'boolean' },
  'on-success': { type: 'string' },
  'done-dir': { type: 'string' },
  'delete-outputs': { type: 'boolean' },
  'base-url': { type: 'string' },
  log: { type: 'string' },
  'grace-ms': { type: 'string' },
  'max-attempts': { type: 'string' },
  queue: { type: 'string' },
  'queue-prefix': { type: 'string' },
  'queue-lock-ms': { type: 'string' },
  'split-pages': { type: 'boolean' },
  pages: { type: 'string' },
  'on-page-error': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const
