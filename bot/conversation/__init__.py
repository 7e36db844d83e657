"""The channel-agnostic conversation: registration, commands and answers to reminders."""
