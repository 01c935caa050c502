"""Tests of the packaging scripts (bundle budget, icons, Debian package)."""
