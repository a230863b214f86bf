//! binhdan-content (being built).
