"""Indexing: readers -> articles -> index documents.

readers/   files of every format to ``Article`` objects (or ``Skip`` with a reason)
pipeline   build_index: classify each item (new, changed, unchanged, duplicate, skipped),
           commit as it goes, rebuild atomically, prune
document   an Article (with its entity mentions) as the index document
entities   spaCy NER and the cleaning of its names; ner_pool/ner_worker run it in processes
"""
