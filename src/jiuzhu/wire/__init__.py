"""The JSON the front ends show: the services' typed views formatted at the edge.

Services return views with amounts in integer fen and dates as dates; this package turns
them into the JSON the API answers and the CLI prints with ``--json`` (amounts in yuan
with two decimals, dates ISO 8601), so both give the same bytes from one place. Web pages
use the same forms where their templates show them. Nothing here reads or writes the
database itself: each use case is the service's, called and then formatted.
"""
