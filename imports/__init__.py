"""Importing returns, targets, indicator definitions and DfE's published files: read the
whole file, check every row, preview, then apply in one transaction."""
