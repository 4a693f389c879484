"""Steps 2 and 3 of the data flow: located records -> RDF triples, one named graph per source document.

  records.py   the pure transformation (records, record kinds, vocabularies, territories -> triples)
  privacy.py   personal data stays in person records and their personal graphs
  metadata.py  the dataset's own description (DCAT, VoID, PROV-O)
"""
