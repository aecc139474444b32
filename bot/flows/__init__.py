"""The conversations: anonymize (photo → face sheet → keep/replace → result), aging, settings."""
