"""Commands on whole client records that need the permissions kernel (which sits above the
``clients`` app): archive, unarchive, merge. The record's own rules (date of birth, phone,
duplicates) stay in ``clients``."""
