"""Maintainer tools: never shipped to students."""
