"""Views of the orgunits app, one module per subject: browsing, roster import."""
