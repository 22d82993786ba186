"""The bundled demo corpus (site/, sources.yaml, manifest.yaml) and the local server that serves it."""
