"""Language: what ingest and search both know about text.

analysis   tokens, stop words, Snowball stems, the Whoosh analyzer (nltk loaded only if needed)
passages   sentences (Punkt, news abbreviations) grouped into passages with exact offsets
names      when two names are one entity or one source (keys, aliases; no spaCy)
name_data  the alias and demonym tables names reads
dates      dates in the forms news gives them, and the day key
"""
