"""Qt widgets, models and dialogs of the desktop inbox; they talk to services only."""
