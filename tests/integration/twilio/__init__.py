"""Twilio provider and poller against a fake Twilio REST server on 127.0.0.1."""
