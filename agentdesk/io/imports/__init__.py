"""Admin imports: files from spreadsheets and other help desks into the store or the central
database (issue 7; field-by-field in docs/import-formats.md).

The pipeline, one module a step:

* ``source`` opens the file: size, binary and encoding checks, a byte count for the progress bar;
* ``formats`` turn a file of one kind (ours, any CSV with a column map, Zendesk, Freshdesk,
  Zammad) into ``SourceRow``s named with our field names, with each format's value tables;
* ``fields`` and ``building`` check and convert those rows into table rows (or a ``Reject``
  naming the row, column, value and reason), resolving teams, agents and customers through a
  ``Lookup`` of what the target already holds;
* ``run`` drives it in chunks inside one transaction of a ``Target`` (``store_target`` for the
  local store, ``server_target`` for the central database): all or nothing by default, the good
  rows with ``--partial``, nothing with ``--dry-run``.
"""
