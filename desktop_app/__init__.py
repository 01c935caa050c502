"""Consent Desk: the opt-out side of a shop's WhatsApp Business number."""

__version__ = "0.1.0"
APP_NAME = "Consent Desk"
APP_ID = "consent-desk"
