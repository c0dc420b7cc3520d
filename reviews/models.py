"""Filled by the review-period and rating issues."""
