"""Workshops in the TUI: serving a room, joining as a participant, lessons."""
