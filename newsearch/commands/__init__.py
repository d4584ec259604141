"""The command line's commands beside ``cli.py`` (which holds index, query, facets and stats and
registers these), their shared options, and the rendering only they need.

options         the query and filter options every searching command shares
console         stdout and stderr consoles, the one-line error, JSON out, the first-use index
entities        newsearch entities
show, export    newsearch show (and its text); query --format/--all and newsearch count
batch, watch    newsearch batch; newsearch watch add|list|remove|run
compare         newsearch compare (render_compare: its tables and JSON)
serve           newsearch serve
cluster         newsearch index --cluster (ingest on Dask into shards)
stories         newsearch stories, story, timeline, similar; query --collapse-copies and
                --recency (render_stories: their text, JSON and the timeline's PNG)
"""
