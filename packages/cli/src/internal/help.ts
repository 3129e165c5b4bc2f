/** The text of `numarkdown --help`: a constant, so that printing it loads nothing else. */
export const helpText: string = `numarkdown: convert documents to markdown with NuMarkdown.

Usage: numarkdown [options] <input>...
       numarkdown [options] - < document          (or no input at all when stdin is piped)

Inputs are files, folders (their PDFs, images, DOCX, HTML and text files), quoted globs ('docs/**/*.pdf')
and - for stdin. Markdown goes to stdout; progress and errors go to stderr.

Output:
  -o, --output <path>        a file for one input; a folder for many (created; names like numarkdown-watch:
                             docs/a.pdf -> <folder>/a.pdf.md). Written atomically: no partial file, ever
      --stem-names           name outputs <stem>.md instead (a.pdf -> a.md)
  -f, --force                overwrite outputs that are newer than their input (skipped otherwise)
      --json                 the full result as JSON (one line per document: JSON lines for many; one line
                             per page with --split-pages)
      --reasoning[=<file>]   also the model's reasoning: to <file>, beside each output as <name>.reasoning.md,
                             or on stdout in an HTML comment before the markdown

Conversion:
  -j, --concurrency <n>      documents (or pages) converted at once (default 4)
      --pages <ranges>       PDF only: convert only these pages, e.g. 1-3,7,10- (10- is 10 to the end)
      --split-pages          PDF only: convert the pages concurrently, one job each. On stdout each page is
                             written, in page order, as soon as it and the pages before it are done (the same
                             bytes as the whole document). If a page fails, stdout keeps the pages before it
                             (stderr names them) and nothing else; an -o file is written whole or not at all
      --on-page-error <what> with --split-pages: a page that still fails after its own retry fails the
                             document (fail, the default), or is skipped (skip): the other pages are written,
                             in order, with a marker in its place; stderr names it, and the exit status is 1
      --temperature <t>      0 to 1 (default 0)
      --dpi <n>              rasterization DPI, 1 to 300 (default 170)
      --max-output-tokens <n>  cut the model's output after n tokens (default 0: no limit)
      --timeout <duration>   how long the conversion may run on the server: 90s, 5m, 1h (or milliseconds)
      --base-url <url>       the NuMind API or a compatible server at this URL (needs NUMIND_API_KEY)
      --resume <jobId>       wait for a job submitted earlier and print its result (no input)

  -h, --help                 show this help
  -v, --version              print the version

Environment:
  NUMIND_API_KEY             the API token. Without it (and without --base-url) numarkdown converts offline
                             with a local engine in this process (PDF text layers, OCR, DOCX, HTML)
  NUMARKDOWN_BASE_URL        the API's URL when NUMIND_API_KEY is set (default https://nuextract.ai)
  NO_COLOR                   no colours in the progress shown on a terminal

Exit status: 0 all converted (or up to date), 1 some failed or have pages that failed (each named on
stderr), 2 usage error, 130 interrupted (Ctrl-C cancels the jobs; a second Ctrl-C exits at once).

Examples:
  numarkdown report.pdf > report.md
  numarkdown - < scan.png
  curl -s https://example.com/paper.pdf | numarkdown - > paper.md
  numarkdown docs/*.pdf -o out/
  numarkdown 'docs/**/*.{pdf,docx}' -o out/ --stem-names --concurrency 8
  numarkdown book.pdf --pages 1-3,7 --split-pages -o book.md
  numarkdown book.pdf --split-pages | less                  (page 1 shows while the rest convert)
  numarkdown book.pdf --split-pages --json | jq -c '{pageNumber, partial, jobId}'
  numarkdown invoices/ --json | jq -r '.markdown'
  NUMIND_API_KEY=... numarkdown report.pdf --reasoning=report.reasoning.md > report.md
`
