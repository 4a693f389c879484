"""Step 4 of the data flow: SHACL validation, without inference, reported in the records' terms.

  shacl.py           validation with pySHACL, results translated back to file, line, record and field
  pyshacl_tuning.py  what is done to pySHACL and rdflib to make it fast, with the same answers
  engines.py         pySHACL and a second engine (pyrudof) on the same graphs, for comparison
"""
