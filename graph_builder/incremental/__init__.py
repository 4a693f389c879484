"""The incremental build: the state `maillage build` keeps beside its outputs, to redo only what an edit changed.

  state.py     the kept state as typed records (units, ids, graphs, problems), read and written as JSON
  rebuild.py   what changed since, and the rebuild of only that (the steps it shares with a full build are
               pipeline.py's); the state a full build leaves
"""
