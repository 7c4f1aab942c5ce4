"""Jobs born from sales (DOMAIN.md rule 15): insertion *pulls* its work from the apps below it.

A job source turns its own rows into `JobSpec`s, each keyed by (structure, source kind, source
id); `sync_jobs` creates, updates or cancels the jobs to match, so running it twice changes
nothing (the unique constraint on the key backs it). Bookings and deliveries register their own
sources here (`register_source`) without touching `sync_jobs`.

History is never rewritten: sources read only the labour snapshotted on their own rows when the
sale was confirmed (never the live catalogue), and a job is touched only when what its source
says (`JobSpec.version`) differs from what it said when the job was last derived. A job with
workers assigned keeps them when its source changes or is cancelled: the assignments are flagged
and the supervisor gets a `JobAlert` saying what changed.

- `specs`: `JobSpec`, the registry of sources and the marketplace's order source;
- `layout`: laying jobs out in the day and choosing their team;
- `sync`: `sync_jobs` and the alerts it writes.
"""

from insertion.jobs.specs import MAX_HOURS_PER_PERSON, JobSpec, SyncResult, register_source, sources
from insertion.jobs.sync import sync_jobs

__all__ = ["MAX_HOURS_PER_PERSON", "JobSpec", "SyncResult", "register_source", "sources", "sync_jobs"]
