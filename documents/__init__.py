"""Documents (PDFs, and Excel or CSV exports) rendered by Celery workers, cached by a hash of
their content.

Why it is shaped this way:

- **A low-level app with a registry.** `documents` imports nothing of ours. An upper app
  describes each kind of document once, in its `AppConfig.ready()`, through
  `documents.registry.register(kind, render=…, source_fingerprint=…, filename=…,
  can_access=…, page_estimate=…)`; every callable takes the object's id only. So the job
  machinery (queue, cache, progress, download, the 300-page limit) is written once, and
  reviews' reports, ratings' minutes and later summaries plug in without this app knowing them.
- **Cache key = content, not time.** A job is unique on (kind, object id, fingerprint); the
  fingerprint is a SHA-256 over the kind, the id and what the owning app says the document
  depends on. Asking again for unchanged content returns the finished job (one render); any
  change gives a new fingerprint, hence a new job and a new file. Files live at
  `MEDIA_ROOT/documents/<fingerprint>.<extension>`, so two jobs never share a name.
- **Formats.** A kind declares its file format (`file_format="pdf"`, the default, or "xlsx" or
  "csv"); the format gives the download's media type and whether pages are counted. So a
  province-wide Excel export, 20 s of work, runs on a worker like any PDF and the officer
  watches the same progress page.
- **The web never renders.** `services.request_document` creates the job inside the request's
  transaction and publishes `tasks.render_document(job_id)` on commit, on the "documents"
  queue (interactive: someone is watching a progress bar). A broker that cannot be reached
  fails the job with a message instead of failing the request; asking again retries it.
- **Idempotent task.** The task takes the job id, returns at once when the job is done and its
  file exists, writes the PDF to a temporary file and renames it into place (atomic on one
  file system), then marks the job done. Two deliveries (late acknowledgement after a worker
  died) therefore end with one file and one done job; it is declared `acks_late` with
  `reject_on_worker_lost` for that reason.
- **Limits.** A kind may estimate its page count before rendering: more than 300 pages is
  refused without rendering, with advice to split by unit or use Excel; the real page count is
  checked again after rendering (WeasyPrint needs ~0.3 s and several MiB per page).
- **Access.** Every URL of a job checks the owning app's `can_access(user, object_id)`: a job of
  an object the user cannot see answers 404, like the object itself would.
"""
