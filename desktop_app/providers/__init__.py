"""The outside world (Meta Cloud API, Twilio, the demo simulator), each behind one small interface."""
