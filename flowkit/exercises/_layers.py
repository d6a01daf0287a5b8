"""Exercises for tutorial 3b: one classifier, three ways."""
