"""`mlt adopt`: link a repository that mlt did not make (cruft, copier, copied by hand) to a
template version, so `mlt update` can bring it what the template changed after that version."""

from mlt.adopt.link import AdoptOptions, AdoptResult, adopt_project

__all__ = ["AdoptOptions", "AdoptResult", "adopt_project"]
