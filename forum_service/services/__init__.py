"""Use cases of the forum, one named transaction each."""
