"""hlssim's version, in one place (the package, the CLI and stored manifests read it)."""

__version__ = "0.1.0"
