"""The web page and the HTTP API (``newsearch serve``) over one SearchEngine per process.

app        create_app: routes, error handling (one line, a 4xx status), security headers
host       EngineHost: the engine on its own thread, fresh at each request; answers cached
api        /api/...: the JSON of the command's --json (render.py's serialisers)
pages      /, /articles/{id}, /compare: Jinja2 templates (templates/), static/ files
state      SearchState: a search as its URL holds it, bounds checked
markup     escaped text with <mark>s, safe links, the date histogram as inline SVG

Nothing here writes to the index, and nothing is fetched from elsewhere: templates, style,
script and the API page's Swagger UI files are all served by the process itself.
"""
