"""zgwatch."""
