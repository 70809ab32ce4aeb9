"""The edges that touch disk: the seeds directory (more of the state and publishing will move here)."""
