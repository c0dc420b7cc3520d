"""Views of the reviews app, one module per subject: periods, subjects, reports."""
