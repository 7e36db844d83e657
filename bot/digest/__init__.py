"""The digest as people receive it: chat message, chart, Excel file and written report."""
