"""Contributions: proposals sent by coordinators, reviewed, and published as curated records.

  store.py      the proposal store: one folder per proposal, written whole or not at all
  records.py    a proposal's records in the data's own format (YAML), and its contribution source
  check.py      a proposal validated before sending, over its neighbourhood in the built graph
  reviewers.py  reviewers and their hashed passwords (scrypt), failures slowed down
  review.py     accept (records joined to data/contributions/), reject, forget

Pending proposals live outside `data/` (default `contributions/` at the project's root, or
`MAILLAGE_CONTRIBUTIONS`): they hold personal data and are not yet reviewed.
"""
