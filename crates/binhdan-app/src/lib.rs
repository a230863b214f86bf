//! binhdan-app (being built).
