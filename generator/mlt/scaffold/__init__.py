"""Scaffolding: render templates (`mlt new`) and the shared render step used by updates."""
