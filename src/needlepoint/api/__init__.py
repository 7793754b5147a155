"""REST API (Django Ninja) over the same services the web views use."""
