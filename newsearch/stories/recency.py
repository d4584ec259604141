"""``--recency HALF_LIFE``: newer articles rank higher.

A dated hit's score is multiplied by ``0.5 ** (age / half_life)``, its age in days counted
back from the newest article the index holds (not from today: an archive of 1987 is not all
old), so an article one half-life older than the newest keeps half its score (Elasticsearch's
``exp`` decay with ``decay: 0.5`` at ``scale: HALF_LIFE``). An undated article gets no boost
and no penalty: it keeps its place in the ranking, and the dated hits are ranked again by
their decayed scores in the places between.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

from newsearch.errors import QueryError
from newsearch.models import Hit

_UNITS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}
_SPEC = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([hdwmy]?)\s*", re.IGNORECASE)


def half_life_days(value: str | float | int) -> float:
    """A half-life in days from ``7d``, ``2w``, ``6m``, ``1y``, ``12h`` or a number of days."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        days = float(value)
    else:
        m = _SPEC.fullmatch(str(value))
        if m is None:
            raise QueryError(
                f"recency {value!r} not understood: give a half-life such as 7d, 2w, 6m or 1y"
            )
        days = float(m[1]) * _UNITS[(m[2] or "d").lower()]
    if not days > 0:
        raise QueryError(f"recency {value!r}: the half-life must be more than 0")
    return days


def decay(day: dt.date | None, newest: dt.date | None, half_life: float) -> float | None:
    """The factor of an article of ``day`` (None for an undated one: left where it is)."""
    if day is None:
        return None
    if newest is None:
        return 1.0
    age = max(0, (newest - day).days)
    return float(0.5 ** (age / half_life))


def rerank(hits: Sequence[Hit], newest: dt.date | None, half_life: float) -> list[Hit]:
    """The hits with dated ones' scores decayed and ranked again among themselves, undated
    ones in their places."""
    factors = [decay(h.article.date, newest, half_life) for h in hits]
    dated = [
        replace(h, score=h.score * f) for h, f in zip(hits, factors, strict=True) if f is not None
    ]
    dated.sort(key=lambda h: -h.score)  # (stable: ties keep their order)
    fill = iter(dated)
    return [h if f is None else next(fill) for h, f in zip(hits, factors, strict=True)]
