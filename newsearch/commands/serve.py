"""``newsearch serve``: the search page and the HTTP API (newsearch/web/) with uvicorn."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from newsearch.commands import console
from newsearch.commands.options import DEFAULT_INDEX, IndexOpt

MAX_REQUEST_BYTES = 256 * 1024  # a request line this long still reaches the app (a 422)


def serve(
    index: IndexOpt = Path(DEFAULT_INDEX),
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDRESS",
            help="Address to listen on; 0.0.0.0 lets anyone on the network read the archive.",
            show_default=True,
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(metavar="PORT", min=1, max=65535, help="Port.", show_default=True)
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            metavar="N",
            min=1,
            max=64,
            help="Processes, each with its own engine (more: more searches at once).",
            show_default=True,
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Print a line per request.")
    ] = False,
) -> None:
    """Serve the search page at http://HOST:PORT/ and the HTTP API under /api/ (its
    description at /docs), read-only, over the index; an update of the index is seen at
    the next request, without a restart.

    Examples:

    \b
      newsearch serve
      newsearch serve --index news-index --port 8080
    """
    from newsearch.errors import NewsearchError
    from newsearch.render import escape
    from newsearch.web.host import EngineHost

    try:
        console.ensure_index(index)
        EngineHost(index).check()
    except NewsearchError as exc:
        console.fail(str(exc))
    _check_port(host, port)
    import uvicorn

    if not _loopback(host):
        console.err().print(
            f"Warning: listening on {escape(host)}: anyone who can reach this machine on port "
            f"{port} can read the whole archive (use --host 127.0.0.1 to keep it local)",
            markup=False,
        )
    shown = f"[{host}]" if ":" in host else host
    console.err().print(
        f"Serving {escape(str(index))} at http://{escape(shown)}:{port}/ (API: /api/search, "
        "its description: /docs); Ctrl-C stops.",
        markup=False,
    )
    from newsearch.web.app import INDEX_ENV, create_app

    common = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": access_log,
        "h11_max_incomplete_event_size": MAX_REQUEST_BYTES,
        "server_header": False,
    }
    if workers > 1:
        os.environ[INDEX_ENV] = str(index.resolve())
        uvicorn.run("newsearch.web.app:create_app", factory=True, workers=workers, **common)  # type: ignore[arg-type]
    else:
        uvicorn.run(create_app(index), **common)  # type: ignore[arg-type]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    """A one-line error now for an address that cannot be listened on (in use, not this
    machine's), rather than uvicorn's log lines after start-up."""

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        console.fail(f"--host {host}: not an address of this machine (try 127.0.0.1)")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "in use" if exc.errno == 98 else exc.strerror or "unusable"
            console.fail(f"cannot listen on {host} port {port}: {reason}: choose another --port")
