"""Rendering results for people and machines; knows nothing of git or the CLI."""
