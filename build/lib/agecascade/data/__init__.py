"""Datasets: parsers of the four datasets' real on-disk formats, face preparation, stores, splits.

Modules: `imdb`, `agedb`, `fgnet`, `adience` (one parser each, returning a table of records),
`synthetic` (demo data in those formats), `faces` (detection and margin crop), `store` (the HDF5
face store), `prepare` (records -> store + manifest + report) and `folds` (benchmark splits).
"""
