"""The columnar batch engine: claims as integer columns, the policy as per-class tables,
a compiled kernel over the running totals (calc-contract §3–§8).

- ``readers``: the checking readers (the reference: every refusal names file, line, column);
- ``read_kernel``/``columns``: CLAIMS.csv read once, checked, grouped by person (the
  compiled reader; `jiuzhu warning scan` reads through it too);
- ``tables``: a region's policy compiled per period, class, visit type and identity;
- ``engine_kernel``: classify each claim, then the integer kernel over S, P, R, TP;
- ``format_kernel``: RESULTS.csv lines, byte for byte as the reference writes them;
- ``reference``: the scalar engine over checked claims (optionally split by person
  over forked workers); ``results``: its one formatter of RESULTS.csv and the totals;
- ``run``: `jiuzhu calc` on it, with the reference path for every refusal and every
  file it does not read plainly.

The scalar engine (``domain/engine/``) stays the reference and the narrator: the
cited trace of ``--explain``, the service and manual reimbursement use it. Its three
parts are the twins of ``engine_kernel``'s: ``classify`` of ``classify``, ``kernel`` of
the loop body of ``run``; ``narrate`` has no twin (the columns write no trace).
"""
