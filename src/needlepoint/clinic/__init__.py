"""Django apps of the practice, one per concept (persistence and workflow)."""
