"""A show's past: exhibitor lists of earlier editions brought in from files, matched to the
directory, and recorded as participations that every KPI counts."""
