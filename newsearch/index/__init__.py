"""The on-disk index: the only room that knows Whoosh's internals.

schema         one Whoosh document per article, and the format version
keys           source/entity/topic/tag/date -> index term, and the date sort keys (one rule each)
store          generations published atomically, the write lock, the manifest
postings_copy  frequent words' postings copied beside each segment as it is written
copies         reading those copies with numpy
segments       SegmentView: one open searcher's segments, shared by matching, facets, dates
vocabulary     the words (and stems) of the corpus, saved beside each generation
whoosh_compat  every use of a private Whoosh name to read, version-checked; no Whoosh class patched
whoosh_writing the same to write: postings seen as written, the parallel writer's empty segments
view_file      a read-only file over mapped memory (segment parts read without a copy)
"""
