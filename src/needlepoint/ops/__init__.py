"""Operations: demo data, backup and restore, owner creation. Called by the CLI."""
