"""The dashboard: the workspace as server-rendered pages (``mlwright ui``)."""
