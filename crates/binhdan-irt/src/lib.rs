//! binhdan-irt (being built).
