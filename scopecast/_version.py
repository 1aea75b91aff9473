"""The package version, read by the build backend and recorded in model metadata."""

__version__ = "0.1.0"
