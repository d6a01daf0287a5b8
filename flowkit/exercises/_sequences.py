"""Exercises for tutorials 11 and 12: training on several processes, loops and recurrent cells."""
