"""Importers: spreadsheets, Open Referral data and mailing lists, each turned into ImportRecords for importers.core."""
