"""Child-level statutory returns (the Children in Need census and the SSDA903) turned into
DfE's headline indicators in-year. A return is read in memory, its children's identifiers
replaced at once by numbers that mean nothing outside the import, every indicator computed
set-based, and only the aggregates kept: the returns' rows go the way of any return
(imports.returns), the file itself is never stored (docs/child-level.md)."""
