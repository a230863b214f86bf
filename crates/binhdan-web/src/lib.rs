//! binhdan-web (being built).
