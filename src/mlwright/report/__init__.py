"""Reports: a model explained on one self-contained page, and its JSON twin."""
