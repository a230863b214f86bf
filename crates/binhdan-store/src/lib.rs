//! binhdan-store (being built).
