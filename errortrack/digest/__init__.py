"""The digest: consumes the inbox (consume.py) and turns every kept item into what it is
stored as: events through pipeline.py (normalize, derive, scrub, grouping, store), every other
type through items/."""
