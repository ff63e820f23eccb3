//! Unit tests of the engine's mechanisms.
