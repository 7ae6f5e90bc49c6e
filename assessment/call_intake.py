"""Taking calls in: one upload (API, form, demo) or a folder of files (the batch import).

The core (assessment.calls) decodes, parses, masks and measures; this module turns its
analysis into the row storage keeps, and runs the batch import: files matched to
members by employee id, analysed on every core, written by one writer, a summary at
the end. No Flask here: the web layer and the CLI both call it.

What is stored is masked only: segments come masked from the core's parse, and the
"same content" key is taken over the masked text (so a GBK and a UTF-8 export of one
call, or a form re-shown with its masked text, give the same key).
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from . import storage
from .calls import (
    CallAnalysis, Segment, SpeakerNeeded, Transcript, TranscriptError, analyse, content_key, decode, mask, parse,
)

EXTENSIONS = (".txt", ".vtt", ".srt", ".json")
MAX_FILE_BYTES = 2 * 1024 * 1024  # as the API's body limit


@dataclass(frozen=True)
class Analysed:
    """One call read and measured, ready to store: nothing raw is left in it."""

    transcript: Transcript
    analysis: CallAnalysis
    key: str

    def segments(self) -> list[dict]:
        return [s.as_dict() for s in self.transcript.segments]

    def findings(self) -> list[dict]:
        return findings_of(self.analysis)

    def record(self, *, agent_id: int, team_id: int, called_at: datetime, tz: ZoneInfo,
               imported_by: int | None = None) -> storage.NewCall:
        """The row for one member; called_at is aware, its month is the centre's local one."""
        local = called_at.astimezone(tz)
        return storage.NewCall(
            agent_id=agent_id, team_id=team_id,
            called_at=called_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
            period=f"{local.year:04d}-{local.month:02d}", format=self.transcript.format, lang=self.transcript.lang,
            timed=self.transcript.timed, content_key=self.key, segments=self.segments(),
            metrics=self.analysis.metrics.as_record(), findings=self.findings(),
            customer=self.analysis.customer.as_dict(), imported_by=imported_by,
            ends_estimated=self.transcript.ends_estimated,
        )


def text_of(raw: str | bytes) -> str:
    """The transcript as text: bytes are decoded (UTF-8, else GB18030/GBK) by the core."""
    return raw if isinstance(raw, str) else decode(raw)


def same_content_key(raw: str | bytes) -> str:
    return content_key(mask(text_of(raw)))


def analyse_upload(raw: str | bytes, lexicon, *, format: str | None = None, agent_speaker: str | None = None,
                   lang: str | None = None) -> Analysed:
    """Read and measure one transcript; TranscriptError (SpeakerNeeded) names what is wrong.
    decode raises TranscriptError for bytes that are neither UTF-8 nor GB18030."""
    text = text_of(raw)
    transcript = parse(text, format=format, agent_speaker=agent_speaker, lang=lang)
    return Analysed(transcript, analyse(transcript, lexicon), content_key(mask(text)))


def safe_problem(exc: TranscriptError, field: str | None = None) -> str:
    """The problem as it may be shown or logged, any number in it masked; it names where
    (line 4, segment 3) unless `field` is where it is (a field of the upload)."""
    return mask(exc.problem if exc.where == field else f"{exc.where}: {exc.problem}")


def findings_of(analysis: CallAnalysis) -> list[dict]:
    """Each finding with its label (the listed banned phrase: the team page counts them)."""
    return [{**f.as_dict(), "label": f.label} for f in analysis.findings]


def reanalysed(row: dict, lexicon) -> tuple[dict, list, dict]:
    """A stored call measured again from its stored (masked) segments, with the lexicon as it is
    now: (metrics record, findings, customer). What `flask reanalyse-calls` stores."""
    transcript = Transcript(format=row["format"], lang=row["lang"], timed=row["timed"],
                            segments=tuple(Segment(**s) for s in row["segments"]),
                            ends_estimated=row["ends_estimated"])
    analysis = analyse(transcript, lexicon)
    return analysis.metrics.as_record(), findings_of(analysis), analysis.customer.as_dict()


# --- the batch import ----------------------------------------------------------------------


class ImportSetupError(ValueError):
    """The import cannot start (a missing path, a bad map): says what to fix."""


@dataclass(frozen=True)
class Job:
    path: str
    agent_id: int
    format: str | None
    agent_speaker: str | None


@dataclass
class Summary:
    imported: list[tuple[str, int]] = field(default_factory=list)  # (file, call id)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    @property
    def total(self) -> int:
        return len(self.imported) + len(self.skipped) + len(self.failed)


def files_in(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the call files (by extension) inside the folders named, sorted."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS))
        elif path.is_file():
            found.append(path)
        else:
            raise ImportSetupError(f"{given}: no such file or folder")
    return found


def employee_id_of(path: Path) -> str | None:
    """`<employee id>_<anything>.<ext>` -> the employee id (None without an underscore)."""
    stem = path.name.rsplit(".", 1)[0]
    head, sep, _rest = stem.partition("_")
    return head.strip() if sep and head.strip() else None


def read_map(path: str | Path) -> dict[str, str]:
    """A CSV with the columns `file` and `employee_id`: file name -> employee id."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"file", "employee_id"} <= set(reader.fieldnames):
                raise ImportSetupError(f"{path}: the map needs the columns file and employee_id")
            mapping = {}
            for line, row in enumerate(reader, start=2):
                name, employee = (row.get("file") or "").strip(), (row.get("employee_id") or "").strip()
                if not name or not employee:
                    raise ImportSetupError(f"{path} line {line}: both file and employee_id are needed")
                mapping[Path(name).name] = employee
            return mapping
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportSetupError(f"{path}: cannot read the map ({exc})") from None


SKIP = "already imported (same content)"


def _read_and_analyse(job: Job) -> tuple[Job, Analysed | None, str | None]:
    """In a worker: (job, the analysis, None), (job, None, SKIP) for content the team
    already has (found before the costly part), or (job, None, the reason it failed)."""
    try:
        size = os.path.getsize(job.path)
        if size > MAX_FILE_BYTES:
            return job, None, f"larger than 2 MB ({size} bytes)"
        with open(job.path, "rb") as fh:
            raw = fh.read()
        text = text_of(raw)
        key = content_key(mask(text))
        if key in _worker_known:
            return job, None, SKIP
        transcript = parse(text, format=job.format, agent_speaker=job.agent_speaker)
        return job, Analysed(transcript, analyse(transcript, _worker_lexicon), key), None
    except SpeakerNeeded as exc:
        return job, None, safe_problem(exc) + f" (labels found: {', '.join(exc.labels)}; use --agent-speaker)"
    except TranscriptError as exc:
        return job, None, safe_problem(exc)
    except OSError as exc:
        return job, None, f"cannot read the file ({exc.strerror})"
    except Exception as exc:  # one bad file never stops the batch
        return job, None, f"could not be analysed ({type(exc).__name__})"


_worker_lexicon = None
_worker_known: frozenset[str] = frozenset()


def _init_worker(lexicon, known: frozenset[str]) -> None:
    global _worker_lexicon, _worker_known
    _worker_lexicon, _worker_known = lexicon, known


def import_calls(db, paths: Iterable[str | Path], *, team_id: int, lexicon, tz: ZoneInfo,
                 mapping: dict[str, str] | None = None, format: str | None = None,
                 agent_speaker: str | None = None, processes: int | None = None,
                 progress: Callable[[int, int], None] | None = None, batch: int = 200,
                 now: datetime | None = None) -> Summary:
    """Import every call file into the team's members; one bad file never stops the rest.

    Files are matched to members by the employee id in their name or in `mapping`;
    a file whose content the team already has is skipped. Reading, decoding, parsing
    and measuring run in a pool of `processes` (default: every core); this process
    alone writes, `batch` calls a transaction."""
    summary = Summary()
    files = files_in(paths)
    members = storage.agents_by_employee_id(db, team_id)
    known = storage.team_content_keys(db, team_id)
    jobs: list[Job] = []
    for path in files:
        employee = (mapping or {}).get(path.name) or employee_id_of(path)
        if employee is None:
            summary.failed.append((str(path), "no employee id: name the file <employee id>_<anything>"
                                              f"{path.suffix} or list it in --map"))
            continue
        member = members.get(employee.casefold())
        if member is None:
            summary.failed.append((str(path), f"no member of the team has the employee id {employee}"))
            continue
        jobs.append(Job(str(path), member["id"], format, agent_speaker))
    done = len(summary.failed)
    if progress:
        progress(done, len(files))
    called_at = now or datetime.now(timezone.utc)
    pending: list[tuple[str, storage.NewCall]] = []

    def flush() -> None:
        if not pending:
            return
        try:
            results = storage.save_calls(db, [call for _path, call in pending])
        except LookupError:  # a member was removed meanwhile: store the rest one by one
            results = []
            for _path, call in pending:
                try:
                    results.append(storage.save_calls(db, [call])[0])
                except LookupError as exc:
                    results.append(exc)
        for (path, _call), result in zip(pending, results):
            if isinstance(result, storage.AlreadyImported):
                summary.skipped.append((path, f"already imported (call {result.call_id})"))
            elif isinstance(result, LookupError):
                summary.failed.append((path, "the member was removed during the import"))
            else:
                summary.imported.append((path, result))
        pending.clear()

    for job, analysed, reason in _analysed(jobs, lexicon, processes, frozenset(known)):
        done += 1
        if analysed is not None and analysed.key in known:
            reason = SKIP  # the same call twice in this batch
        if analysed is not None and reason is None:
            known.add(analysed.key)
            pending.append((job.path, analysed.record(agent_id=job.agent_id, team_id=team_id,
                                                      called_at=called_at, tz=tz)))
            if len(pending) >= batch:
                flush()
        elif reason == SKIP:
            summary.skipped.append((job.path, reason))
        else:
            summary.failed.append((job.path, reason))
        if progress:
            progress(done, len(files))
    flush()
    return summary


def _analysed(jobs: list[Job], lexicon, processes: int | None,
              known: frozenset[str]) -> Iterator[tuple[Job, Analysed | None, str | None]]:
    """Each job analysed: in a pool of worker processes when there is more than a little to do."""
    workers = processes or os.cpu_count() or 1
    if workers <= 1 or len(jobs) < 4:
        _init_worker(lexicon, known)
        yield from map(_read_and_analyse, jobs)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers, initializer=_init_worker, initargs=(lexicon, known)) as pool:
        yield from pool.imap_unordered(_read_and_analyse, jobs, chunksize=4)


# --- demo calls ---------------------------------------------------------------------------------

def seed_demo_calls(db, team_id: int, *, seed: int = 7, members: int = 6, calls_each: int = 6) -> int:
    """Made-up calls for the first `members` members of a demo team (each in the style of
    their own latest result, over the last three months), so the calls pages have
    something to show after `flask seed-demo`; returns how many."""
    import random
    from datetime import timedelta

    from .caller import load_caller_content
    from .calls import load_call_lexicon
    from .calls.sample import sample_call
    from .clock import DEFAULT_TIMEZONE

    shipped = Path(__file__).resolve().parent.parent / "questionnaires"
    lexicon = load_call_lexicon(shipped, load_caller_content(shipped / "caller"))
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    records = []
    for agent_id, own in sorted(storage.team_self_views(db, team_id).items())[:members]:
        for n in range(calls_each):
            raw = sample_call(seed=f"demo-{seed}-{agent_id}-{n}", minutes=rng.uniform(2, 7), style=own["style"],
                              format=rng.choice(("json", "vtt")))
            records.append(analyse_upload(raw, lexicon).record(
                agent_id=agent_id, team_id=team_id, called_at=now - timedelta(days=rng.uniform(0, 85)),
                tz=ZoneInfo(DEFAULT_TIMEZONE)))
    stored = storage.save_calls(db, records) if records else []
    return sum(1 for s in stored if isinstance(s, int))
