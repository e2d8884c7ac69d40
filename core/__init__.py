"""The ground floor of zgwatch: errors, the shared vocabulary and the text diff.

Nothing here imports any other part of zgwatch; every other package may
import it. See docs/architecture.md ("Layers").
"""
