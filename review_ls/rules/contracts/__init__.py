"""RV7 — types and contracts: mistakes only visible once you know what an object is.

Detection stays on `ast` in the one walk: each rule picks candidate nodes cheaply (a string
literal some enum nearly matches, a subscript whose key is some model's field name, ...) and only
then asks the `TypeResolver` (project/inference.py) what the object is — local facts first, the
project's type facts next, jedi last and only within the rule's time budget. "Don't know" is
never a finding.
"""
