"""Exchange Sandbox's Textual front end; it drives `sim` through its public surface only."""
