"""Answering queries: a QueryPlan built once, then everything reads it.

core       EngineCore: open, refresh, close; plans; one search from plan to results
engine     SearchEngine: the core and its other views (facets, entities, an article, compare,
           count, export, stats, timeline, stories, similar)
ranking    one ranking of a plan's passages for a size; paging reads pages that never overlap
filters    filters from every route (query text, keyword arguments, Filters), merged
query      the free text parsed leniently, with notices of what was repaired
plan       QueryPlan: the one walk of the parsed tree (groups, exclusions, expansions)
forms      a query word's forms in each language the index holds, each for its languages
lexicon    the index's words, for expanding prefixes, patterns and fuzzy words
matching   which articles match, ranked: numpy for flat plans, Whoosh for the rest
bm25       the formula, once; the Whoosh weighting that uses it
scoring    passage BM25; selection picks the passages shown; highlight lights them
explain    per-term contributions; results builds the public dataclasses
facets     facet counts with numpy; date_order lists by date; feedback is RM3; spelling
article_view  one whole article by its id, a query lit over it; export: every passage
"""
