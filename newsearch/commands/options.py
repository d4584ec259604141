"""The command line's shared options and argument handling (typer/click plumbing), so that
cli.py holds only the commands: the index and JSON options, the filter options that ``query``
and ``facets`` share (one definition), and the QUERY words that may start with "-"."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from typer.core import TyperCommand

from newsearch import render

# The engine's choices (mypy checks them against its ``sort`` and ``date_bucket`` types).
DEFAULT_INDEX = "index"
SortChoice = Literal["relevance", "newest", "oldest"]
ModeChoice = Literal["hybrid", "lexical"]
BucketChoice = Literal["day", "month", "year"]

IndexOpt = Annotated[
    Path,
    typer.Option(
        "--index",
        metavar="DIR",
        envvar="NEWSEARCH_INDEX",
        help="Index directory.",
        show_default=True,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
BucketOpt = Annotated[
    BucketChoice, typer.Option(help="Count dates by day, month or year.", show_default=True)
]


def _multi(metavar: str, help: str, check: Callable[[Any], Any] | None = None) -> Any:
    option = typer.Option(metavar=metavar, help=help, show_default=False, callback=check)
    return Annotated[list[str] | None, option]


def _field_values(items: list[str] | None) -> list[str] | None:
    """A usage error for an --exclude that is not FIELD:VALUE (the engine checks the field)."""
    for item in items or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(f"{render.clip(item)!r}: use FIELD:VALUE, e.g. source:RFA")
    return items


def _tag_values(items: list[str] | None) -> list[str] | None:
    """A usage error for a --tag that is not NAME=VALUE."""
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(
                f"{render.clip(item)!r}: use NAME=VALUE, e.g. --tag category=BUSINESS"
            )
    return items


# The filters `query` and `facets` share, each defined once here and added to both commands by
# `filter_options`; their names are the engine's keyword arguments.
FILTER_OPTIONS: tuple[inspect.Parameter, ...] = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        (
            "source",
            _multi("NAME", "Only articles from this source, e.g. RFA (repeat: any of them)."),
        ),
        (
            "since",
            Annotated[
                str | None,
                typer.Option(metavar="DATE", help="From this date: YYYY, YYYY-MM or YYYY-MM-DD."),
            ],
        ),
        (
            "until",
            Annotated[
                str | None,
                typer.Option(metavar="DATE", help="Up to this date, inclusive: YYYY[-MM[-DD]]."),
            ],
        ),
        (
            "person",
            _multi("NAME", 'Only articles naming this person, e.g. "Kim Jong Un" (repeat: all).'),
        ),
        ("org", _multi("NAME", "Only articles naming this organisation (repeat: all of them).")),
        (
            "place",
            _multi("NAME", "Only articles naming this place, e.g. Kursk (repeat: all of them)."),
        ),
        (
            "entity",
            _multi("NAME", "Only articles naming this person, organisation or place (repeat)."),
        ),
        (
            "topic",
            _multi("TOPIC", "Only articles with this topic tag, e.g. grain (repeat: all of them)."),
        ),
        (
            "tag",
            _multi(
                "NAME=VALUE",
                "Only articles tagged so, e.g. category=BUSINESS (index --tag-field; repeat: any "
                "value of a name, every name).",
                _tag_values,
            ),
        ),
        (
            "language",
            _multi(
                "CODE",
                "Only articles in this language, e.g. de or German (repeat: any of them); "
                "the query's words are then analysed in it alone.",
            ),
        ),
        (
            "story",
            _multi(
                "ID", "Only articles of this story, as `newsearch stories` lists it (repeat: any)."
            ),
        ),
        (
            "exclude",
            _multi(
                "FIELD:VALUE",
                "Leave out FIELD:VALUE, e.g. source:RFA or person:Putin (repeat).",
                _field_values,
            ),
        ),
    )
)


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the filter options to ``command``, which receives them as one ``filters`` mapping
    (only the options given) in place of its own ``filters`` parameter."""
    signature = inspect.signature(command, eval_str=True)
    names = [p.name for p in FILTER_OPTIONS]

    def with_filters(**kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in names}
        command(**kwargs, filters={k: v for k, v in given.items() if v not in (None, [])})

    own = [p for p in signature.parameters.values() if p.name != "filters"]
    with_filters.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *FILTER_OPTIONS]
    )
    with_filters.__name__ = command.__name__
    with_filters.__qualname__ = command.__qualname__
    with_filters.__doc__ = command.__doc__
    with_filters.__module__ = command.__module__
    return with_filters


class QueryCommand(TyperCommand):
    """A command whose QUERY words may start with "-": ``query Kursk -Putin`` leaves Putin out,
    where click would stop at "No such option: -P". Such a word (not one of the command's own
    options) and the other words move, in their order, after a "--"; a mistyped long option
    (``--jsn``) stays an option, so it is still a usage error."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, words_after_dashes(args, self.get_params(ctx)))


def words_after_dashes(args: list[str], params: list[Any]) -> list[str]:
    """``args`` with the query words after a "--" if any of them starts with "-" (else as is).
    A short option's value may be attached only as digits (``-n5``): ``-nuclear`` is a word."""
    takes_value: dict[str, bool] = {}
    for p in params:
        if getattr(p, "param_type_name", None) == "option":
            flag = bool(getattr(p, "is_flag", False) or getattr(p, "count", False))
            takes_value.update(dict.fromkeys(p.opts, not flag))
            takes_value.update(dict.fromkeys(p.secondary_opts, False))
    options: list[str] = []
    words: list[str] = []
    moved = False
    tokens = iter(args)
    for token in tokens:
        name = token.split("=", 1)[0] if token.startswith("--") else token
        if token == "--":
            words.extend(tokens)
        elif name in takes_value:
            options.append(token)
            value = next(tokens, None) if takes_value[name] and name == token else None
            if value is not None:
                options.append(value)
        elif token[:2] in takes_value and takes_value[token[:2]] and token[2:].isdigit():
            options.append(token)  # -n5
        elif token.startswith("--"):
            options.append(token)  # unknown: click says so, with its suggestions
        else:
            moved = moved or (token.startswith("-") and len(token) > 1)
            words.append(token)
    return [*options, "--", *words] if moved else args


# The optional free-text query of the commands that read all articles without one.
WordsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="QUERY",
        help="A query as for `newsearch query`; all articles if none.",
        show_default=False,
    ),
]
