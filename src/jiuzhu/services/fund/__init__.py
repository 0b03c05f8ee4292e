"""The fund (医疗救助基金): double-entry books, clearing and reports."""
