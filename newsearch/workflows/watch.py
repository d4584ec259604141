"""Watched searches: a query (and filters) kept beside the index, run again to see what is new.

A run shows the articles that match and that the watch has not shown before, then records
them. What a watch has shown is kept as a digest of each article as it matched (8 bytes: its
metadata and the text of its matching passages), not as a time or a place in the index:
generations and document numbers change with every rebuild, the articles' texts do not. So a
rebuild, an update that changes nothing or a file moved shows nothing new, an article indexed
since the last run shows once, and one changed where it matches (or in its title, date,
source, author or url) shows again. A watch keeps only the digests of the articles matching
at its last run, so its record grows with its matches, not with its runs (100,000 matching
articles: about 1 MB).

The watches live in ``INDEX/watches.json`` at the index's root, beside ``CURRENT`` and outside
the generation directories (which a rebuild replaces and removes: index/store.py removes only
``gen-*``): rebuilds and updates keep them. The file is written whole to a temporary file and
renamed over the old one (atomic), under its own lock (``.watches.lock``), so two runs at once
do not lose each other's records, and an indexing run is never waited for.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsearch.errors import InputError, QueryError
from newsearch.index import store
from newsearch.models import Hit
from newsearch.search.engine import SearchEngine
from newsearch.search.filters import LIST_FILTERS
from newsearch.search.highlight import highlights

WATCH_FILE = "watches.json"
LOCK_FILE = ".watches.lock"
FILE_FORMAT = 1
DIGEST_BYTES = 8
NAME_CHARS = 64
_NAME = re.compile(rf"[^\W_][\w.-]{{0,{NAME_CHARS - 1}}}")
FILTER_NAMES = (*LIST_FILTERS, "since", "until", "exclude")  # SearchEngine.search's


@dataclass(frozen=True)
class Watch:
    """A watched search: its query and filters (``SearchEngine.search`` keyword arguments),
    when it was added and last run (UTC; None: never), and how many articles it has shown
    that still match."""

    name: str
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    created: dt.datetime | None = None
    last_run: dt.datetime | None = None
    seen: int = 0


@dataclass(frozen=True)
class WatchRun:
    """One run of a watch: the articles new ``since`` its last run (None: its first run shows
    every match), newest first, each as its first matching passage; ``total`` articles match
    now; ``ran`` is when this run was (and, unless a dry run, is recorded as its last).
    ``error``: why the watch could not run (a filter this version no longer reads); its
    record is left as it was and the other watches run."""

    watch: str
    query: str
    since: dt.datetime | None
    ran: dt.datetime
    total: int
    articles: tuple[Hit, ...]
    error: str | None = None


def add_watch(engine: SearchEngine, name: str, query: str, **filters: Any) -> Watch:
    """Add a watch to the engine's index: ``name`` (letters, digits, ``.``, ``-``, ``_``),
    a query and filters as ``SearchEngine.search`` takes them, checked now (a bad date or
    filter is a QueryError). A name already taken is an InputError."""
    _check_name(name)
    given = {k: v for k, v in filters.items() if v not in (None, "", (), [])}
    unknown = sorted(set(given) - set(FILTER_NAMES))
    if unknown:
        raise QueryError(f"unknown filter {unknown[0]!r}: use one of {', '.join(FILTER_NAMES)}")
    kept: dict[str, Any] = {
        k: v if isinstance(v, str) else [str(x) for x in v] for k, v in given.items()
    }
    if not query.strip() and not kept:
        raise QueryError("a watch needs a query or a filter: what should it look for?")
    plan = engine.plan(query, **kept)  # raises on a bad filter or date
    if query.strip() and not plan.searchable:
        raise QueryError(f"the query {query!r} has nothing to search for: use other words")
    root = engine.index_dir
    with _locked(root):
        data = _load(root)
        if name in data:
            raise InputError(
                f"a watch named {name!r} already exists in {root}: remove it first "
                f"(`newsearch watch remove {name}`) or choose another name"
            )
        now = _now()
        data[name] = {"query": query, "filters": kept, "created": now.isoformat()}
        _save(root, data)
    return Watch(name, query, kept, now)


def remove_watch(index_dir: str | os.PathLike[str], name: str) -> None:
    """Remove a watch (an unknown name is an InputError)."""
    root = _root(index_dir)
    with _locked(root):
        data = _load(root)
        _known(data, name, root)
        del data[name]
        _save(root, data)


def list_watches(index_dir: str | os.PathLike[str]) -> tuple[Watch, ...]:
    """The index's watches, by name."""
    root = _root(index_dir)
    return tuple(_watch(name, record) for name, record in sorted(_load(root).items()))


def run_watches(
    engine: SearchEngine, name: str | None = None, *, dry_run: bool = False
) -> tuple[WatchRun, ...]:
    """Run one watch (``name``) or all of them, by name: each shows the articles matching now
    that it has not shown before, and records them (not with ``dry_run``)."""
    root = engine.index_dir
    if name is not None:
        _check_name(name)
    with _locked(root):
        data = _load(root)
        names = [_known(data, name, root)] if name is not None else sorted(data)
        runs = []
        for watch in names:
            record = data[watch]
            query, filters, last = (
                record["query"],
                record.get("filters", {}),
                record.get("last_run"),
            )
            seen = _digests(record.get("seen", ""), root)
            now = _now()
            try:
                matches = _matches(engine, query, filters)
                new = _lit(engine, query, filters, [h for h, d in matches if d not in seen])
            except QueryError as exc:
                runs.append(WatchRun(watch, query, _time(last), now, 0, (), error=str(exc)))
                continue
            runs.append(WatchRun(watch, query, _time(last), now, len(matches), tuple(new)))
            record["last_run"] = now.isoformat()
            record["seen"] = _encode(digest for _, digest in matches)
        if not dry_run and names:
            _save(root, data)
    return tuple(runs)


def _matches(
    engine: SearchEngine, query: str, filters: Mapping[str, Any]
) -> list[tuple[Hit, bytes]]:
    """Every article matching now, newest first: its first matching passage and its digest.
    The engine's export streams them in date order, each article's matching passages
    together (only theirs are scored)."""
    by_article: dict[str, list[Hit]] = {}
    for hit in engine.export(query, sort="newest", highlights=False, **filters).rows:
        by_article.setdefault(hit.article.id, []).append(hit)
    return [(hits[0], _digest(hits)) for hits in by_article.values()]


def _lit(
    engine: SearchEngine, query: str, filters: Mapping[str, Any], hits: list[Hit]
) -> list[Hit]:
    """The new articles' passages with the query's words lit (only theirs: lighting every
    match's passage would double a broad watch's run)."""
    if not hits:
        return hits
    clauses = engine.plan(query, **filters).clauses
    return [
        replace(h, highlights=highlights(h.text, clauses, language=h.article.language))
        for h in hits
    ]


def _digest(hits: list[Hit]) -> bytes:
    """An article as it matches: its metadata and matching passages' text. Not its place in
    the index (a rebuild changes that), nor its path or id: a file moved or renamed is not
    new, and one without an id of its own takes the id of its new place (ingest/identity.py)."""
    a = hits[0].article
    parts = [a.title, a.date, a.source, a.author, a.url, [h.text for h in hits]]
    text = json.dumps(parts, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES).digest()


def _encode(digests: Iterable[bytes]) -> str:
    return base64.b64encode(b"".join(sorted(set(digests)))).decode("ascii")


def _digests(text: str, root: Path) -> set[bytes]:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise _damaged(root, "a watch's record of what it showed is not base64") from None
    if len(raw) % DIGEST_BYTES:
        raise _damaged(root, "a watch's record of what it showed is cut short")
    return {raw[i : i + DIGEST_BYTES] for i in range(0, len(raw), DIGEST_BYTES)}


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise InputError(
            f"watch name {name[: NAME_CHARS + 10]!r}: use up to {NAME_CHARS} letters, digits, "
            "'.', '-' or '_', starting with a letter or digit"
        )


def _known(data: dict[str, Any], name: str, root: Path) -> str:
    if name not in data:
        listed = ", ".join(sorted(data)[:10]) or "none yet"
        raise InputError(
            f"no watch named {name!r} in {root} (watches: {listed}): see `newsearch watch list`"
        )
    return name


def _root(index_dir: str | os.PathLike[str]) -> Path:
    root = Path(index_dir)
    if not store.exists(root):
        raise InputError(
            f"no index at {root}: build one with `newsearch index PATHS --index {root}`, "
            "then add watches to it"
        )
    return root


def _watch(name: str, record: dict[str, Any]) -> Watch:
    try:
        seen = len(base64.b64decode(str(record.get("seen", "")))) // DIGEST_BYTES
    except ValueError:
        seen = 0  # (a run says the record is damaged)
    return Watch(
        name,
        record["query"],
        dict(record.get("filters", {})),
        _time(record.get("created")),
        _time(record.get("last_run")),
        seen,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _damaged(root: Path, why: str) -> InputError:
    return InputError(
        f"the watch list {root / WATCH_FILE} is damaged ({why}): mend it, or move it away to "
        "start again (its watches are then lost)"
    )


def _load(root: Path) -> dict[str, Any]:
    """The watches by name (an empty list without a file); a damaged file is an error, never
    silently replaced."""
    try:
        text = (root / WATCH_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(root, str(exc)) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise _damaged(root, f"not JSON: {exc}") from None
    watches = data.get("watches") if isinstance(data, dict) else None
    if not isinstance(watches, dict) or not all(
        isinstance(w, dict) and isinstance(w.get("query"), str) for w in watches.values()
    ):
        raise _damaged(root, "no 'watches' object of queries")
    return watches


def _save(root: Path, watches: dict[str, Any]) -> None:
    """Write the file whole beside the old one, then rename it over (atomic)."""
    tmp = root / f".{WATCH_FILE}.{os.getpid()}.tmp"
    data = {"format": FILE_FORMAT, "watches": watches}
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / WATCH_FILE)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _unwritable(root, exc) from None
        raise


def _unwritable(root: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write the watch list in {root}: {exc.strerror or exc}: "
        "run as a user who can write to the index"
    )


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One reader-writer of the watch list at a time (an flock: released if the holder dies)."""
    _root(root)
    try:
        fh = open(root / LOCK_FILE, "a+")  # noqa: SIM115 (closed below, after the lock)
    except OSError as exc:
        raise _unwritable(root, exc) from None
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
