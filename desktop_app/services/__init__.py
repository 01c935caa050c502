"""Use cases that tie the layers together; no widgets here."""
