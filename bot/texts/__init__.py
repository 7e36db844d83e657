"""Every word a person reads, in Vietnamese, grouped by who reads it.

common   the shared vocabulary: status, role and unit-kind names
dates    how dates, times and report periods are written
chat     what the conversation says, delivered reminders and notices, the Telegram menu
cli      what the command line prints
import_errors  why a plan or units file is refused (shown by the CLI and in chat)
digest   the weekly digest: message, captions, chart and workbook
report   the written .docx progress report
"""
