"""Pure facts and rules: no Qt, no SQL, no HTTP, no clock reads."""
