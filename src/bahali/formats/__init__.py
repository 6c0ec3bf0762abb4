"""Date formats, one per language (``FORMAT_MODULE_PATH``): day, month, year.

Numbers alone (12/05/2026) read as 5 December in Pakistan and 12 May elsewhere, so every
language names the month. Pages show dates through ``bahali.core.dates`` (the template
filter ``|day``), which also gives Pashto its month names: Django ships no Pashto catalogue.
"""
