"""The pure engine: text and settings in, findings and fixes out. No LSP imports here."""
