"""Unit tests for the Twilio provider's pure parts."""
