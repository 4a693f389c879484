"""The incremental build: the state `maillage build` keeps beside its outputs, to redo only what an edit changed.

  rebuild.py   the kept state, what changed since, and the rebuild of only that
"""
