"""Migration scripts, one per schema revision, named ``YYYY_MM_DD_NNNN_slug.py``."""
