"""Views of the ratings app: meetings, and ballot rounds."""
