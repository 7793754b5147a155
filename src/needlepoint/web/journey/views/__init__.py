"""Staff views of the client journey: intake → screening → plan → consent, prices and quotes."""
